/**
 * `ctxsiem serve` as a deployment runs it: three tenants, each with Monitor from the emulator on a
 * schedule and its risk events from a real Kafka broker (SASL_SSL, SCRAM, ACLs), into MinIO with
 * checkpoints in MinIO. SIGTERM lands while the first scheduled collection is mid-window; the restarted
 * daemon resumes. Afterwards every tenant's Sessions are exactly the emulator's for the range its
 * checkpoint covers and its risk events exactly those produced — nothing lost, nothing twice — and
 * `/metrics`, parsed with a Prometheus text-format parser, accounts for them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { checkpointKey, decodePart, type JsonRecord } from '@ctxsiem/core';
import { type Emulator, produceRiskEvents, riskEvents, startEmulator } from '@ctxsiem/emulator';
import { type RunningKafka, type RunningMinio, startKafka, startMinio } from '@ctxsiem/local-services';
import {
  createS3Client,
  ensureBucket,
  listObjectKeys,
  S3SinkConfigSchema,
  s3CheckpointStore,
} from '@ctxsiem/sink-s3';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = join(import.meta.dirname, '..', '..', 'apps', 'container', 'src', 'cli.ts');
const TENANTS = ['north', 'south', 'west'];
const EVENTS = 1_500;
/** Produced while the second daemon runs. */
const LATER = 400;
const USER = { name: 'cas-export', password: 'cas-export-password-3' };
const BUCKET = 'telemetry';

let emulator: Emulator;
let kafka: RunningKafka;
let minio: RunningMinio;
let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ctxsiem-serve-tenants-'));
  // Pages answer after 150 ms, so one tenant's first collection (3 hours, 20-record pages) takes
  // seconds: long enough for a SIGTERM to land in the middle of a window. The emulator's clock stands
  // still, so its data does not change under the comparison.
  const now = Date.now();
  emulator = await startEmulator({
    seed: 8,
    pageSize: 20,
    sessionsPerHour: 120,
    latencyMs: 150,
    now: () => now,
    customers: TENANTS.map((id) => ({
      customerId: id,
      clientId: `client-${id}`,
      clientSecret: `secret-${id}`,
    })),
  });
  [kafka, minio] = await Promise.all([
    startKafka({
      users: [USER],
      topics: TENANTS.map((id) => ({ name: `risk-${id}`, partitions: 2 })),
      grants: TENANTS.map((id) => ({ user: USER.name, topic: `risk-${id}`, group: `ctxsiem-${id}` })),
    }),
    startMinio(),
  ]);
  await ensureBucket({ type: 's3', prefix: '', ...minio.connection(BUCKET) });
  await produceForEveryTenant(20, EVENTS, '2026-11-02T00:00:00Z');
}, 180_000);
afterAll(async () => {
  await emulator?.close();
  await kafka?.stop();
  await minio?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** `count` risk events into each tenant's topic, tenant `i` from seed `seed + i`. */
async function produceForEveryTenant(seed: number, count: number, start: string): Promise<void> {
  for (const [index, id] of TENANTS.entries())
    await produceRiskEvents({
      connection: kafka.adminConnection,
      topic: `risk-${id}`,
      events: riskEvents({ seed: seed + index, tenant: id, count, start: new Date(start) }),
    });
}

function daemon(config: string): { child: ChildProcess; log: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--conditions=@ctxsiem/source', CLI, 'serve', '--config', config], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (chunk) => {
    log += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, log: () => log, exited };
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every stored record under `citrix/{tenant}/`, by tenant and stream. */
async function stored(): Promise<Map<string, JsonRecord[]>> {
  const sink = S3SinkConfigSchema.parse({ type: 's3', prefix: 'citrix', ...minio.connection(BUCKET) });
  const client = createS3Client(sink);
  const byStream = new Map<string, JsonRecord[]>();
  for (const key of await listObjectKeys(sink)) {
    const match = /^citrix\/([^/]+)\/([^_][^/]*)\/.*\.ndjson(\.gz)?$/.exec(key);
    if (!match) continue;
    const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const records = decodePart(await object.Body!.transformToByteArray());
    const name = `${match[1]}/${match[2]}`;
    byStream.set(name, [...(byStream.get(name) ?? []), ...records]);
  }
  return byStream;
}

const sessionsOf = async (tenant: string) => (await stored()).get(`${tenant}/Sessions`)?.length ?? 0;

/** A tenant's risk events: every stream but Sessions. */
const eventsOf = (streams: Map<string, JsonRecord[]>, tenant: string) =>
  [...streams]
    .filter(([name]) => name.startsWith(`${tenant}/`) && name !== `${tenant}/Sessions`)
    .flatMap(([, r]) => r);

/** Records stored per tenant and source: what a daemon's `ctxsiem_records_total` must add up to. */
const countsOf = (streams: Map<string, JsonRecord[]>) =>
  Object.fromEntries(
    TENANTS.map((id) => [
      id,
      { monitor: streams.get(`${id}/Sessions`)?.length ?? 0, sentinel: eventsOf(streams, id).length },
    ]),
  );

describe('ctxsiem serve: several tenants, Monitor on a schedule, Kafka continuously, into MinIO', () => {
  it('resumes after a SIGTERM mid-window with nothing lost or twice, and its metrics account for it', async () => {
    const config = join(scratch, 'ctxsiem.json');
    await writeFile(
      config,
      JSON.stringify({
        tenants: TENANTS.map((id) => ({
          customerId: id,
          clientId: `client-${id}`,
          clientSecret: `secret-${id}`,
          apiBase: emulator.url,
        })),
        sources: [
          { type: 'monitor', entities: ['Sessions'] },
          {
            type: 'sentinel',
            brokers: [kafka.bootstrap],
            topic: 'risk-{tenant}',
            groupId: 'ctxsiem-{tenant}',
            username: USER.name,
            password: USER.password,
            ca: kafka.ca,
            idleSeconds: 1,
          },
        ],
        sink: { type: 's3', prefix: 'citrix/{tenant}', ...minio.connection(BUCKET) },
        checkpoint: { type: 's3', prefix: 'citrix/_state', ...minio.connection(BUCKET) },
        runner: { lookbackMinutes: 180 },
        serve: { schedules: [{ cron: '*/3 * * * * *' }], host: '127.0.0.1', port: 0, drainSeconds: 30 },
      }),
    );

    // First daemon: stopped once some Sessions are stored but its first collection is still running.
    const first = daemon(config);
    try {
      await until(
        async () => (await sessionsOf('north')) > 0,
        60_000,
        () => `stored Sessions\n${first.log().slice(-3000)}`,
      );
      expect(first.log()).not.toMatch(/scheduled collection finished"/);
      first.child.kill('SIGTERM');
      expect(await first.exited, first.log().slice(-3000)).toBe(0);
    } finally {
      first.child.kill('SIGKILL');
    }
    expect(first.log()).toMatch(/SIGTERM: draining/);
    const afterFirst = countsOf(await stored());
    // It stopped inside a window: a claimed window is left to resume, the run recorded as partial.
    const checkpoints = s3CheckpointStore({
      type: 's3',
      prefix: 'citrix/_state',
      ...minio.connection(BUCKET),
    });
    const stopped = await Promise.all(
      TENANTS.map(async (id) => (await checkpoints.read(checkpointKey(id, 'monitor', 'Sessions')))?.state),
    );
    expect(stopped.some((state) => state?.window !== undefined && state.lastRun?.status === 'partial')).toBe(
      true,
    );

    // Second daemon: resumes; once a scheduled collection finished and every event is stored, stop it.
    const second = daemon(config);
    let metrics = '';
    try {
      await until(
        () => /scheduled collection finished"/.test(second.log()),
        120_000,
        () => `a finished collection\n${second.log().slice(-3000)}`,
      );
      // More risk events while it runs: consumed without a restart.
      await produceForEveryTenant(40, LATER, '2026-11-03T00:00:00Z');
      await until(
        async () => {
          const streams = await stored();
          return TENANTS.every((id) => eventsOf(streams, id).length >= EVENTS + LATER);
        },
        60_000,
        () => `every tenant's ${EVENTS + LATER} risk events\n${second.log().slice(-3000)}`,
      );
      const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(second.log())![1]!;
      metrics = await (await fetch(`${url}/metrics`)).text();
      second.child.kill('SIGTERM');
      expect(await second.exited, second.log().slice(-3000)).toBe(0);
    } finally {
      second.child.kill('SIGKILL');
    }

    const streams = await stored();
    for (const id of TENANTS) {
      // Sessions: the emulator's, for the range the checkpoint covers, each version once.
      const state = (await checkpoints.read(checkpointKey(id, 'monitor', 'Sessions')))!.state;
      const sessions = (streams.get(`${id}/Sessions`) ?? []).map((r) => `${r.SessionKey}@${r.ModifiedDate}`);
      const truth = [
        ...emulator.data.monitor('Sessions', { from: new Date(state.origin!), to: new Date(state.position) }),
      ].map((r) => `${r.SessionKey}@${r.ModifiedDate}`);
      expect(truth.length, id).toBeGreaterThan(0);
      expect(sessions.toSorted(), id).toEqual(truth.toSorted());

      // Risk events: every one produced for the tenant, once, and only the tenant's.
      const events = eventsOf(streams, id);
      const ids = events.map((event) => String(event.record_id));
      expect(ids, id).toHaveLength(EVENTS + LATER);
      expect(new Set(ids).size, id).toBe(EVENTS + LATER);
      expect(new Set(events.map((event) => event.tenant_id)), id).toEqual(new Set([id]));
    }

    // The second daemon's metrics, parsed as Prometheus reads them.
    const families = new Map(parsePrometheusTextFormat(metrics).map((family) => [family.name, family]));
    const sample = (name: string, labels: Record<string, string>) =>
      families
        .get(name)
        ?.metrics.filter((metric) => Object.entries(labels).every(([k, v]) => metric.labels?.[k] === v)) ??
      [];
    expect(families.get('ctxsiem_records_total')?.type).toBe('COUNTER');
    expect(families.get('ctxsiem_run_duration_seconds')?.type).toBe('HISTOGRAM');
    const total = (name: string, labels: Record<string, string>) =>
      sample(name, labels).reduce((sum, metric) => sum + Number(metric.value), 0);
    const final = countsOf(streams);
    for (const id of TENANTS) {
      // What the second daemon delivered: everything stored after the first one stopped.
      for (const source of ['monitor', 'sentinel'] as const)
        expect(total('ctxsiem_records_total', { tenant: id, source }), `${id} ${source}`).toBe(
          final[id]![source] - afterFirst[id]![source],
        );
      expect(
        sample('ctxsiem_lag_seconds', { tenant: id, source: 'monitor', stream: 'Sessions' }),
      ).toHaveLength(1);
      const lag = sample('ctxsiem_kafka_lag_messages', { tenant: id, source: 'sentinel' });
      expect(lag.map((metric) => metric.labels?.partition).toSorted(), id).toEqual(['0', '1']);
    }
    // Scheduled collections as a histogram. (The parser folds a labelled histogram's series into one
    // set of buckets, without labels; there is one schedule here, and one finished collection at least.)
    const runs = families.get('ctxsiem_run_duration_seconds')?.metrics ?? [];
    expect(Number(runs[0]?.buckets?.['+Inf'])).toBeGreaterThanOrEqual(1);
  }, 300_000);
});
