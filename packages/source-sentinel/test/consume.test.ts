/**
 * The sentinel source on a real Apache Kafka broker (SASL_SSL, SCRAM, ACLs): every event delivered
 * once, broken messages dead-lettered, a stop between the sink's acknowledgement and the commit
 * delivered again without duplicates, clear errors for wrong credentials, an untrusted CA and a
 * missing grant, a rebalance across two members that loses nothing, and messages deleted by retention
 * before they were delivered reported by partition and offsets.
 */
import {
  type ConsumeSummary,
  type JsonRecord,
  type LogConsumer,
  SourceError,
  silentLogger,
  systemClock,
} from '@ctxsiem/core';
import { makeTestTls, type RunningKafka } from '@ctxsiem/test-kit/servers';
import { Admin } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sentinelSource } from '../src/index.ts';
import {
  type Delivery,
  duplicates,
  fileDelivery,
  optionsFor,
  produce,
  startBroker,
  TENANT,
} from './harness.ts';

let kafka: RunningKafka;
const deliveries: Delivery[] = [];
const delivery = async () => {
  const made = await fileDelivery();
  deliveries.push(made);
  return made;
};

beforeAll(async () => {
  kafka = await startBroker();
}, 120_000);
afterAll(async () => {
  for (const made of deliveries) await made.cleanup();
  await kafka?.stop();
});

const streamCounts = (records: JsonRecord[]) =>
  records.reduce<Record<string, number>>((counts, record) => {
    const type = String(record.event_type);
    counts[type] = (counts[type] ?? 0) + 1;
    return counts;
  }, {});

describe('sentinel source on a real broker', () => {
  it('delivers every event once, one stream per event type, and dead-letters broken messages with their bytes, partition and offset', async () => {
    const events = await produce(kafka, 'risk-a', 2_000, [
      'not json {',
      JSON.stringify({ event_type: 'riskScoreChange', tenant_id: TENANT, timestamp: 'yesterday' }),
      JSON.stringify({ event_type: 'somethingNew', tenant_id: TENANT, timestamp: '2026-11-01T00:00:00Z' }),
    ]);
    const out = await delivery();
    const summary = await out.consume(optionsFor(kafka, 'risk-a'));
    expect(summary.status).toBe('ok');
    expect(summary.stoppedBy).toBe('caught-up');
    const stored = await out.stored();
    expect(stored).toHaveLength(events.length);
    expect(duplicates(stored)).toBe(0);
    expect(streamCounts(stored)).toEqual(streamCounts(events as JsonRecord[]));
    expect(stored.every((record) => record.citrix_customer_id === TENANT)).toBe(true);
    // Each event type went to its own stream's folder.
    expect(new Set(summary.streams.filter((s) => s.records > 0).map((s) => s.stream))).toEqual(
      new Set([
        'indicatorEventDetails',
        'indicatorSummary',
        'userProfile',
        'riskScoreChange',
        'SPA_Events',
        'CCC_Events',
        'CVAD_Events',
      ]),
    );
    const dead = await out.deadLetters();
    expect(dead).toHaveLength(3);
    const reasons = dead.map((letter) => String(letter.reason)).sort();
    expect(reasons[0]).toMatch(/riskScoreChange cannot be identified: timestamp is missing or not a time/);
    expect(reasons[1]).toMatch(/not JSON/);
    expect(reasons[2]).toMatch(/unknown event_type "somethingNew"/);
    const raw = dead.find((letter) => /not JSON/.test(String(letter.reason)))!.record as JsonRecord;
    expect(raw.value).toBe('not json {');
    expect(raw).toMatchObject({ kafka_partition: expect.any(Number), kafka_offset: expect.any(Number) });
    expect(summary.records).toBe(events.length);
    expect(summary.deadLetters).toBe(3);
    // Committed to the end of every partition.
    expect(summary.partitions).toHaveLength(3);
    expect(summary.partitions.every((p) => p.lag === 0 && p.committed === p.end)).toBe(true);

    // A second run finds nothing new and delivers nothing.
    const again = await out.consume(optionsFor(kafka, 'risk-a'));
    expect(again.records + again.deadLetters + again.alreadyDelivered).toBe(0);
    expect(await out.stored()).toHaveLength(events.length);
  }, 120_000);

  it('delivers a batch again after a stop between the sink’s acknowledgement and the commit, storing nothing twice', async () => {
    const events = await produce(kafka, 'risk-b', 3_000);
    const out = await delivery();
    const options = optionsFor(kafka, 'risk-b');
    // The member dies right after the sink acknowledged its first batch: the commit never happens.
    const base = sentinelSource({ options, tenant: TENANT }, { logger: silentLogger(), clock: systemClock });
    const dying = {
      ...base,
      async open(signal: AbortSignal): Promise<LogConsumer> {
        const real = await base.open(signal);
        return {
          messages: () => real.messages(),
          owns: (partition) => real.owns(partition),
          get generation() {
            return real.generation;
          },
          position: (partition) => real.position(partition),
          lag: () => real.lag(),
          stop: () => real.stop(),
          close: () => real.close(),
          commit: async () => {
            throw new Error('killed between the acknowledgement and the commit');
          },
        };
      },
    };
    const first: ConsumeSummary = await out.consume(options, { source: dying });
    expect(first.status).toBe('failed');
    expect(first.error).toMatch(/killed between/);
    const deliveredBefore = first.records;
    expect(deliveredBefore).toBeGreaterThan(0);

    const second = await out.consume(options);
    expect(second.status).toBe('ok');
    const stored = await out.stored();
    // Every event once: the batch delivered before the "kill" was found claimed, cut the same way,
    // and acknowledged as stored (re-delivered to the sink, not stored twice).
    expect(stored).toHaveLength(events.length);
    expect(duplicates(stored)).toBe(0);
    expect(second.alreadyDelivered).toBeGreaterThanOrEqual(deliveredBefore);
    console.log(
      `kill between ack and commit: ${deliveredBefore} records acknowledged before the kill, ${second.alreadyDelivered} re-delivered after the restart (same record ids, parts found stored), ${duplicates(stored)} stored twice`,
    );
  }, 120_000);

  it('says what is wrong with a wrong password, an untrusted CA and a missing grant, naming no secret', async () => {
    const out = await delivery();
    const failure = async (overrides: Record<string, unknown>, topic = 'risk-c') => {
      const started = Date.now();
      const error = await out.consume(optionsFor(kafka, topic, overrides)).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(SourceError);
      // Not after the client's retries: a lasting failure is reported at once.
      expect(Date.now() - started).toBeLessThan(10_000);
      return (error as Error).message;
    };
    const wrongPassword = await failure({ password: 'not-the-password-9' });
    expect(wrongPassword).toMatch(/refused the SCRAM user or password/);
    expect(wrongPassword).not.toContain('not-the-password-9');
    expect(await failure({ ca: makeTestTls().ca })).toMatch(/certificate is not trusted/);
    // The user may read risk-c in its group only: another group is not granted.
    expect(await failure({ groupId: 'someone-elses-group' })).toMatch(
      /may not read this topic or use this group/,
    );
  }, 120_000);

  it('loses nothing and stores nothing twice across a rebalance: one member joins, the other leaves', async () => {
    const topic = 'risk-d';
    const total = 6_000;
    const out = await delivery();
    const options = optionsFor(kafka, topic, { batch: { records: 200, bytes: 1024 * 1024, waitMs: 100 } });
    // Events arrive while the members consume: 12 × 500 over about 6 s.
    const producing = (async () => {
      for (let first = 0; first < total; first += 500) {
        await produce(kafka, topic, 500, [], first);
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
    })();
    const leaving = new AbortController();
    const a = out.consume(options, { untilCaughtUp: false, signal: leaving.signal });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // B joins: the group rebalances and the partitions are shared.
    const b = out.consume(options, { untilCaughtUp: false, budgetMs: 12_000 });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // A leaves: B takes its partitions over from their committed offsets (and A's claims).
    leaving.abort();
    const summaryA = await a;
    await producing;
    const summaryB = await b;
    expect(summaryA.status, summaryA.error).toBe('ok');
    expect(summaryB.status, summaryB.error).toBe('ok');
    expect(summaryA.records).toBeGreaterThan(0);
    expect(summaryB.records).toBeGreaterThan(0);
    // Whatever B did not get to before its budget ended, a last run collects.
    const last = await out.consume(options);
    const stored = await out.stored();
    expect(stored).toHaveLength(total);
    expect(duplicates(stored)).toBe(0);
    console.log(
      `rebalance: A delivered ${summaryA.records}, B ${summaryB.records}, the last run ${last.records}; ${summaryA.droppedRevoked + summaryB.droppedRevoked} buffered messages dropped on revocation, ${summaryA.alreadyDelivered + summaryB.alreadyDelivered + last.alreadyDelivered} re-delivered and found stored, 0 stored twice`,
    );
  }, 180_000);

  it('reports messages retention deleted before they were delivered, and delivers the rest once', async () => {
    const topic = 'risk-e';
    const out = await delivery();
    const options = optionsFor(kafka, topic);
    await produce(kafka, topic, 600);
    const first = await out.consume(options);
    expect(first).toMatchObject({ status: 'ok', records: 600, expired: [] });
    // The collector is away; more arrives, and the broker deletes the oldest 100 of it per partition.
    await produce(kafka, topic, 900, [], 600);
    const admin = new Admin({ ...kafka.adminConnection, clientId: 'retention' });
    try {
      await admin.deleteRecords({
        topics: [
          {
            name: topic,
            partitions: first.partitions.map((p) => ({
              partition: p.partition,
              offset: BigInt(p.end + 100),
            })),
          },
        ],
      });
    } finally {
      await admin.close();
    }
    const second = await out.consume(options);
    expect(second.status).toBe('ok');
    expect(second.expired.toSorted((a, b) => a.partition - b.partition)).toEqual(
      first.partitions.map((p) => ({ partition: p.partition, first: p.end, last: p.end + 99 })),
    );
    expect(second.records).toBe(900 - 300);
    const stored = await out.stored();
    expect(stored).toHaveLength(600 + 600);
    expect(duplicates(stored)).toBe(0);
  }, 120_000);
});
