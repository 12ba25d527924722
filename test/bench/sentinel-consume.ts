/**
 * The sentinel source on a real broker (SASL_SSL, SCRAM) into the file sink (or MinIO), with everything
 * the guarantee costs: each batch claimed in the sink's checkpoint store before its parts are written,
 * one part per event type per batch, the commit after the sink's acknowledgement. The events carry every
 * column of Citrix's data collection rule (`dcr-shaped-events.ts`, ~0.83 KB each). Events/s from the first
 * message to the last commit, against the client alone consuming the same topic (no sink, no claims, one
 * commit per 1,000 messages per partition) — the target is ≥ 50,000 events/s. The broker runs with the
 * JVM's full JIT (`throughput`), as a production broker does; `cpuShare` is the collector's CPU time
 * (routing workers included) over its wall time (1.0: one core busy throughout).
 *
 *   node test/bench/sentinel-consume.ts [file|minio] [routingWorkers: auto|0|1|2…]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consume, silentLogger, systemClock } from '@ctxsiem/core';
import { produceRiskEvents } from '@ctxsiem/emulator';
import { startKafka, startMinio } from '@ctxsiem/local-services';
import { ensureBucket } from '@ctxsiem/object-store-s3';
import { fileCheckpointStore, fileSink } from '@ctxsiem/sink-file';
import { s3CheckpointStore, s3Sink } from '@ctxsiem/sink-s3';
import { KafkaLogConsumer, SentinelOptionsSchema, sentinelSource } from '@ctxsiem/source-sentinel';
import { dcrShapedEvents } from './dcr-shaped-events.ts';

const EVENTS = 200_000;
const target = process.argv[2] ?? 'file';
const routingWorkers =
  process.argv[3] === undefined || process.argv[3] === 'auto' ? 'auto' : Number(process.argv[3]);
const user = { name: 'bench', password: 'bench-scram-password-1' };
const topics = ['bench-ours', 'bench-raw'];
const kafka = await startKafka({
  users: [user],
  topics: topics.map((name) => ({ name, partitions: 3 })),
  grants: topics.map((topic) => ({ user: user.name, topic, group: `g-${topic}` })),
  throughput: true,
});
const scratch = await mkdtemp(join(tmpdir(), 'ctxsiem-bench-sentinel-'));
try {
  const events = dcrShapedEvents({ tenant: 'bench', count: EVENTS, start: new Date('2026-11-01T00:00:00Z') });
  const averageBytes = Math.round(
    events.reduce((sum, event) => sum + JSON.stringify(event).length, 0) / EVENTS,
  );
  for (const topic of topics)
    await produceRiskEvents({ connection: kafka.adminConnection, topic, events, batchSize: 500 });

  // The client alone (through the source's own member, which only bridges its stream): consume, and
  // commit each partition every 1,000 messages; no routing, no sink, no claims.
  const raw = await KafkaLogConsumer.join({
    connection: {
      clientId: 'bench-raw',
      bootstrapBrokers: [kafka.bootstrap],
      tls: { ca: kafka.ca },
      sasl: { mechanism: 'SCRAM-SHA-256', username: user.name, password: user.password },
    },
    topic: 'bench-raw',
    groupId: 'g-bench-raw',
    maxBytes: 1024 * 1024,
    highWaterMark: 64,
    sessionTimeoutMs: 10_000,
  });
  let seen = 0;
  let rawStart = 0;
  for await (const message of raw.messages()) {
    if (seen === 0) rawStart = performance.now();
    seen++;
    if (message.offset % 1_000 === 999) await raw.commit(message.partition, message.offset + 1);
    if (seen === EVENTS) break;
  }
  const rawSeconds = (performance.now() - rawStart) / 1000;
  await raw.close();

  const deps = { logger: silentLogger(), clock: systemClock };
  /** Where the run delivers and claims: a folder, or a MinIO bucket (as the container stacks deploy). */
  async function destination() {
    if (target === 'file')
      return {
        sink: fileSink({ directory: join(scratch, 'out') }, deps),
        claims: fileCheckpointStore({ directory: join(scratch, 'state') }).manifests,
        stop: async () => {},
      };
    const minio = await startMinio();
    const connection = minio.connection('bench');
    await ensureBucket(connection);
    return {
      sink: s3Sink(connection, deps),
      claims: s3CheckpointStore(connection).manifests,
      stop: () => minio.stop(),
    };
  }
  const { sink, claims, stop } = await destination();
  const options = SentinelOptionsSchema.parse({
    type: 'sentinel',
    brokers: [kafka.bootstrap],
    topic: 'bench-ours',
    groupId: 'g-bench-ours',
    username: user.name,
    password: user.password,
    ca: kafka.ca,
    idleSeconds: 0.5,
  });
  const source = sentinelSource({ options, tenant: 'bench' }, deps);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const summary = await consume({
    source,
    sink,
    claims,
    ...deps,
    ...source.consumption,
    routingWorkers,
    untilCaughtUp: true,
  });
  await stop();
  // The quiet spell that tells a one-shot run it caught up is not consuming: leave it out.
  const seconds = (performance.now() - started) / 1000 - options.idleSeconds;
  const cpu = process.cpuUsage(cpuBefore);
  if (summary.records !== EVENTS)
    throw new Error(`delivered ${summary.records} of ${EVENTS} (${summary.error ?? ''})`);
  console.log(
    JSON.stringify({
      target,
      routingWorkers,
      events: EVENTS,
      averageBytes,
      eventsPerSecond: Math.round(EVENTS / seconds),
      rawPerSecond: Math.round(EVENTS / rawSeconds),
      ratio: Number((rawSeconds / seconds).toFixed(2)),
      batches: summary.batches,
      cpuShare: Number(((cpu.user + cpu.system) / 1e6 / seconds).toFixed(2)),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
} finally {
  await kafka.stop();
  await rm(scratch, { recursive: true, force: true });
}
