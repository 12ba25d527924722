/**
 * The Azure Monitor sink against the Logs Ingestion contract server (local-services, HTTPS with the run's
 * CA): tokens from Entra through @azure/identity, gzipped requests under 1 MB as sent, each record
 * delivered once across retries, 429s and a part written again, a run stopped mid-window; refused
 * records and failures named.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CheckpointStore,
  type DeliveryFence,
  type JsonRecord,
  ManualClock,
  PartExistsError,
  recordDigest,
  run,
  type Sink,
  SinkError,
  silentLogger,
  withDeadLetterSink,
} from '@ctxsiem/core';
import { type AzureMonitorApi, startAzureMonitorApi } from '@ctxsiem/local-services';
import { fileCheckpointStore, fileSink, readStoredRecords } from '@ctxsiem/sink-file';
import { generatedSource } from '@ctxsiem/source-generated';
import { ingestionBatch } from '@ctxsiem/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AzureMonitorSinkConfigInput,
  AzureMonitorSinkConfigSchema,
  azureMonitorSink,
  cutByCompressedSize,
  encodeRequest,
  RECORD_ID_COLUMN,
} from '../src/index.ts';

let api: AzureMonitorApi;
let dir: string;
let checkpoints: CheckpointStore;

beforeEach(async () => {
  api = await startAzureMonitorApi();
  dir = await mkdtemp(join(tmpdir(), 'ctxsiem-azure-'));
  checkpoints = fileCheckpointStore({ directory: join(dir, 'state') });
});
afterEach(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

function sink(overrides: Partial<AzureMonitorSinkConfigInput> = {}): Sink {
  return azureMonitorSink(
    { ...api.connection, ...overrides },
    { logger: silentLogger(), clock: { now: Date.now }, documents: checkpoints.manifests },
  );
}

const FROM = new Date('2024-08-06T07:00:00Z');
const batch = ingestionBatch;
const sessions = (count: number, pad = 0, seed = 0) =>
  Array.from({ length: count }, (_, i) => ({
    SessionKey: `s-${seed}-${i}`,
    ModifiedDate: new Date(FROM.getTime() + i * 1000).toISOString(),
    // Random text compresses little, so requests fill by their gzipped size.
    Note: noise(`${seed}-${i}`, pad),
  }));
/** `length` characters of base64 of pseudo-random bytes (a hash chain): about 75 % of it survives gzip. */
function noise(seed: string, length: number): string {
  const blocks = Array.from({ length: Math.ceil(length / 43) }, (_, k) =>
    createHash('sha256').update(`${seed}/${k}`).digest(),
  );
  return Buffer.concat(blocks).toString('base64').slice(0, length);
}
const accepted = (stream = 'Custom-CitrixMonitorSessions') => api.accepted.get(stream) ?? [];
/** The rows the sink sends for records: each with its record id, the runner's digest of it. */
const sent = (records: readonly JsonRecord[]) =>
  records.map((record) => ({ ...record, [RECORD_ID_COLUMN]: recordDigest(record) }));

describe('Azure Monitor sink', () => {
  it('sends each stream’s records to its DCR stream, gzipped, with an Entra token', async () => {
    const records = sessions(5);
    expect(await sink().write(batch(records))).toMatchObject({ records: 5, created: true });
    expect(accepted()).toEqual(sent(records));
    await sink().write(batch(sessions(2), { source: 'analytics', stream: 'sessions', seq: 1 }));
    expect(accepted('Custom-CitrixAnalyticsSessions')).toHaveLength(2);
    expect(api.stats.tokens).toBeGreaterThanOrEqual(1);
  });

  it('acknowledges a retried part without sending it again, and refuses other content at it', async () => {
    const records = sessions(4);
    await sink().write(batch(records));
    const requests = api.stats.requests;
    expect(await sink().write(batch(records))).toMatchObject({ created: false });
    expect(api.stats.requests).toBe(requests);
    await expect(sink().write(batch(sessions(3)))).rejects.toBeInstanceOf(PartExistsError);
  });

  it('cuts by gzipped size: every request at most 1 MB as sent, and well filled', async () => {
    const records = sessions(3_000, 1_000);
    await sink().write(batch(records));
    expect(api.stats.refused413).toBe(0);
    expect(api.stats.largestBody).toBeLessThanOrEqual(1_000_000);
    expect(api.stats.requests).toBeGreaterThan(1);
    // Every request but the last is filled to at least 90 % of the limit.
    for (const size of api.stats.bodies.slice(0, -1)) expect(size).toBeGreaterThan(900_000);
    expect(accepted()).toEqual(sent(records));
  });

  it('finds the largest request that fits, whatever the records compress to', () => {
    const records = sessions(400, 3_000);
    const ends = cutByCompressedSize(records, 200_000);
    let start = 0;
    for (const end of ends) {
      expect(encodeRequest(records.slice(start, end)).length).toBeLessThanOrEqual(200_000);
      if (end < records.length)
        expect(encodeRequest(records.slice(start, end + 1)).length).toBeGreaterThan(200_000);
      start = end;
    }
    expect(ends.at(-1)).toBe(records.length);
  });

  it('takes a record id column by a name Log Analytics allows, CtxsiemRecordId by default', () => {
    expect(AzureMonitorSinkConfigSchema.parse(api.connection).recordIdColumn).toBe('CtxsiemRecordId');
    for (const name of ['Type', 'tenantid', '1st', 'with-dash'])
      expect(() => sink({ recordIdColumn: name }), name).toThrow(/recordIdColumn/);
    expect(() => sink({ recordIdColumn: 'SiemRecordId' })).not.toThrow();
  });

  it('refuses a record no request can hold, with its size', () => {
    const small = sink({ maxRequestBytes: 20_000 });
    expect(small.refuse?.(sessions(1, 100)[0]!)).toBeUndefined();
    expect(small.refuse?.(sessions(1, 40_000)[0]!)).toMatch(
      /^the record takes \d+ bytes gzipped; a Logs Ingestion call holds at most 20000/,
    );
  });

  it('retries 429 (honouring Retry-After) and 5xx; a part written again after a failure sends only what was not accepted', async () => {
    api.failNext({ status: 429, retryAfter: '0' }, { status: 503 });
    const records = sessions(3);
    await sink().write(batch(records));
    expect(accepted()).toEqual(sent(records));

    const big = sessions(800, 1_000, 1);
    const limited = () => sink({ maxRequestBytes: 200_000 });
    api.failNext('pass', { status: 400 });
    const error = await limited()
      .write(batch(big, { seq: 1 }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SinkError);
    expect((error as Error).message).toMatch(
      /#00001: request 2 of \d+ \(records \d+–\d+\): Azure Monitor answered 400/,
    );
    await limited().write(batch(big, { seq: 1 }));
    expect(accepted().slice(records.length)).toEqual(sent(big));
    expect(await limited().readPartDigests?.(batch(big, { seq: 1 }))).toEqual(batch(big).digests);
  });

  it('a request whose answer was lost is sent again as its frozen body — by the same run, or once by the successor of a run that stopped — and counted', async () => {
    const records = sessions(3);
    const fence = (epoch: number, counted: { records: number }): DeliveryFence => ({
      owner: `runner-${epoch}`,
      epoch,
      renew: async () => {},
      possiblyDuplicated: (n) => {
        counted.records += n;
      },
    });
    // In the run: the accepted request whose answer was lost is sent again, the same bytes.
    const same = { records: 0 };
    api.failNext('accept-then-reset');
    await sink().write(batch(records, { fence: fence(1, same) }));
    expect(accepted()).toEqual(sent([...records, ...records]));
    expect(api.stats.bodies[1]).toBe(api.stats.bodies[0]);
    expect(same.records).toBe(3);
    // A run that gives up after such an answer leaves the request claimed: its successor sends the
    // frozen body once, when the runner re-reads the part, and counts it.
    const stopped = { records: 0 };
    const next = sessions(2, 0, 1);
    api.failNext('accept-then-reset');
    await expect(
      sink({ maxAttempts: 1 }).write(batch(next, { seq: 1, fence: fence(1, stopped) })),
    ).rejects.toThrow(SinkError);
    const successor = { records: 0 };
    expect(await sink().readPartDigests?.(batch(next, { seq: 1 }), fence(2, successor))).toEqual(
      batch(next).digests,
    );
    expect(accepted().slice(6)).toEqual(sent([...next, ...next]));
    expect(api.stats.bodies[3]).toBe(api.stats.bodies[2]);
    expect([stopped.records, successor.records]).toEqual([0, 2]);
  });

  it('a shutdown does not abort a request in flight: it is sent and its answer recorded', async () => {
    const controller = new AbortController();
    controller.abort(new Error('SIGTERM'));
    const stopping = azureMonitorSink(api.connection, {
      logger: silentLogger(),
      clock: { now: Date.now },
      documents: checkpoints.manifests,
      signal: controller.signal,
    });
    const records = sessions(2);
    await stopping.write(batch(records));
    expect(accepted()).toEqual(sent(records));
  });

  it('after a 413, a smaller maxRequestBytes cuts what was not sent again: the stream moves on, each record once', async () => {
    await api.close();
    api = await startAzureMonitorApi({ limitBytes: 300_000 });
    const records = sessions(500, 1_000, 4);
    for (let attempt = 0; attempt < 2; attempt++)
      await expect(sink().write(batch(records))).rejects.toThrow(
        /Azure Monitor answered 413: .*lower maxRequestBytes \(now 1000000\)/,
      );
    expect(accepted()).toEqual([]);
    // As the error says: a smaller request size is followed by the part written again.
    expect(await sink({ maxRequestBytes: 250_000 }).write(batch(records))).toMatchObject({ created: true });
    expect(accepted()).toEqual(sent(records));
    expect(api.stats.largestBody).toBeLessThanOrEqual(250_000);
  });

  it('cuts only the rest again: requests accepted before the 413 are not sent twice', async () => {
    await api.close();
    api = await startAzureMonitorApi({ limitBytes: 300_000 });
    const records = sessions(1_000, 1_000, 5);
    // The first request passes, the second is refused as too large (an API whose limit moved).
    api.failNext('pass', { status: 413 });
    await expect(sink({ maxRequestBytes: 280_000 }).write(batch(records))).rejects.toThrow(/answered 413/);
    const first = accepted().length;
    expect(first).toBeGreaterThan(0);
    await sink({ maxRequestBytes: 200_000 }).write(batch(records));
    expect(accepted()).toEqual(sent(records));
    expect(api.stats.bodies.slice(2).every((size) => size <= 200_000)).toBe(true);
  });

  it('replaces a token the API revoked, once', async () => {
    const s = sink();
    await s.write(batch(sessions(1)));
    const issued = api.stats.tokens;
    api.revokeTokens();
    await s.write(batch(sessions(1, 0, 1), { seq: 1 }));
    expect(api.stats.tokens).toBe(issued + 1);
    expect(accepted()).toHaveLength(2);
  });

  it('names a wrong secret, a missing role and an undeclared stream, without retrying them', async () => {
    await expect(sink({ clientSecret: 'not-the-secret-123' }).write(batch(sessions(1)))).rejects.toThrow(
      /could not obtain an Entra token for Azure Monitor \(client secret\): .*AADSTS7000215/,
    );
    api.forbidden = true;
    const requests = api.stats.requests;
    await expect(sink().write(batch(sessions(1), { seq: 2 }))).rejects.toThrow(
      /Azure Monitor answered 403: .*; the identity needs the Monitoring Metrics Publisher role/,
    );
    expect(api.stats.requests).toBe(requests + 1);
    api.forbidden = false;
    api.streams.add('Custom-CitrixMonitorMachines');
    await expect(sink().write(batch(sessions(1), { seq: 3 }))).rejects.toThrow(
      /Azure Monitor answered 404: Stream Custom-CitrixMonitorSessions is not declared/,
    );
    expect(await sink().check()).toMatch(
      /^authenticated to Azure Monitor \(127\.0\.0\.1:\d+\) and allowed to send to dcr-/,
    );
  });

  it('delivers every record once across a run stopped mid-window, refused records dead-lettered', async () => {
    const source = generatedSource({ start: FROM, pageSize: 40, invalidEvery: 50 });
    const deadLetters = fileSink(
      { directory: join(dir, 'out') },
      { logger: silentLogger(), clock: { now: Date.now } },
    );
    const routed = withDeadLetterSink(sink(), deadLetters);
    const clock = new ManualClock(new Date('2024-08-06T09:10:00Z'));
    const controller = new AbortController();
    let writes = 0;
    const stopping: Sink = {
      ...routed,
      async write(part) {
        const receipt = await routed.write(part);
        if (++writes === 5) controller.abort(new Error('stopped'));
        return receipt;
      },
    };
    const logger = silentLogger();
    await run({ source, sink: stopping, checkpoints, logger, clock, signal: controller.signal });
    await run({ source, sink: routed, checkpoints, logger, clock });
    const truth = [...source.truth('events', { from: FROM, to: new Date('2024-08-06T09:05:00Z') })];
    const valid = truth.filter((record) => typeof record.value === 'number');
    const ids = accepted('Custom-CitrixGeneratedEvents').map((record) => String(record.id));
    expect(ids.length).toBe(new Set(ids).size);
    expect(ids.sort()).toEqual(valid.map((record) => String(record.id)).sort());
    // Each row carries its record id: distinct, a digest's 12 characters.
    const recordIds = accepted('Custom-CitrixGeneratedEvents').map((record) => record[RECORD_ID_COLUMN]);
    expect(new Set(recordIds).size).toBe(valid.length);
    for (const id of recordIds) expect(id).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect((await readStoredRecords(join(dir, 'out', '_deadletter'))).length).toBe(
      truth.length - valid.length,
    );
  });
});
