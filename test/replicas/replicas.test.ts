/**
 * Replicas share the work (issue 32): three `ctxsiem serve` processes on one configuration, one state
 * store and one Kafka group, with no coordinator.
 *
 * - **Pull streams**: thirty emulator tenants (Monitor Sessions and Machines, pages answering after
 *   200 ms) on a schedule every two seconds, checkpoints and records in one shared folder — and again
 *   in MinIO (S3) and fake-gcs-server (GCS). Each replica walks the tenants in an order of its own
 *   and holds a tenant's source while it collects it (one request in flight per tenant across the
 *   replicas); a replica holding a stream mid-window is killed with SIGKILL, and the others take its
 *   streams over once its leases end (`runner.leaseSeconds`: 10 s here). Afterwards every tenant has
 *   progressed, its Sessions are the emulator's for the range its checkpoint covers, each once, each
 *   replica delivered some of the work, and the emulator never saw two requests of one tenant at once.
 * - **A stream source**: one tenant's sentinel source on a six-partition topic, one consumer group.
 *   Events are produced while the three replicas consume; one is killed with SIGKILL mid-consumption,
 *   the group gives its partitions to the others after its session (6 s here), and every event is
 *   stored once — the killed member's delivered-but-uncommitted batches are delivered again and found
 *   stored.
 *
 * Deadlines are generous liveness bounds (a shared two-core machine), never speed assertions.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import {
  type CheckpointStore,
  checkpointKey,
  decodePart,
  type JsonRecord,
  type StreamState,
  silentLogger,
  systemClock,
} from '@ctxsiem/core';
import { type Emulator, produceRiskEvents, riskEvents, startEmulator } from '@ctxsiem/emulator';
import {
  type RunningKafka,
  type RunningMinio,
  type RunningServer,
  startFakeGcs,
  startKafka,
  startMinio,
} from '@ctxsiem/local-services';
import { buildCheckpointStore } from '@ctxsiem/registry';
import { fileCheckpointStore, readStoredFiles } from '@ctxsiem/sink-file';
import * as s3 from '@ctxsiem/sink-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drain, Replica, until } from './replica.ts';

const TENANTS = Array.from({ length: 30 }, (_, i) => `tenant${String(i + 1).padStart(2, '0')}`);
const LAG_MINUTES = 5;
const TOPIC = 'risk-shared';
const GROUP = 'ctxsiem-replicas';
const USER = { name: 'cas-export', password: 'cas-export-password-32' };
const KAFKA_TENANT = 'kafka01';
const BUCKET = 'replicas';

let emulator: Emulator;
let emulatorNow: number;
let kafka: RunningKafka;
let minio: RunningMinio;
let gcs: RunningServer;
let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ctxsiem-replicas-'));
  // The emulator's clock stands still, so its data does not change under the comparison.
  emulatorNow = Date.now();
  emulator = await startEmulator({
    seed: 32,
    pageSize: 20,
    sessionsPerHour: 60,
    latencyMs: 200,
    now: () => emulatorNow,
    customers: TENANTS.map((id) => ({
      customerId: id,
      clientId: `client-${id}`,
      clientSecret: `secret-${id}`,
    })),
  });
  [kafka, minio] = await Promise.all([
    startKafka({
      users: [USER],
      topics: [{ name: TOPIC, partitions: 6 }],
      grants: [{ user: USER.name, topic: TOPIC, group: GROUP }],
    }),
    startMinio(),
  ]);
  gcs = await startFakeGcs();
  await s3.ensureBucket({ type: 's3', prefix: '', ...minio.connection(BUCKET) });
  const created = await fetch(`${gcs.endpoint}/storage/v1/b?project=replicas`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: BUCKET }),
  });
  if (!created.ok) throw new Error(`create gs://${BUCKET}: HTTP ${created.status}`);
}, 180_000);
afterAll(async () => {
  await emulator?.close();
  await kafka?.stop();
  await minio?.stop();
  await gcs?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** Starts three replicas of `config` (written to `{dir}/ctxsiem.json`). */
async function replicas(dir: string, config: object): Promise<Replica[]> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'ctxsiem.json');
  await writeFile(file, JSON.stringify(config));
  return ['a', 'b', 'c'].map((name) => new Replica(name, file));
}

/** Where the replicas keep state and records: the sink and checkpoint sections, and reading them back. */
interface SharedStore {
  sink: object;
  checkpoint: object;
  checkpoints: CheckpointStore;
  /** Every stored Sessions record, by tenant. */
  sessions(): Promise<Map<string, JsonRecord[]>>;
}

const STORES: Record<string, (dir: string) => SharedStore | Promise<SharedStore>> = {
  'one folder': (dir) => {
    const out = join(dir, 'out');
    const checkpoint = { type: 'file', directory: join(dir, 'state') };
    return {
      sink: { type: 'file', directory: out, prefix: '{tenant}' },
      checkpoint,
      checkpoints: fileCheckpointStore(checkpoint),
      sessions: async () => {
        const stored = new Map<string, JsonRecord[]>();
        for (const file of await readStoredFiles(out)) {
          const [tenant, stream] = file.path.split('/');
          if (stream === 'Sessions') stored.set(tenant!, [...(stored.get(tenant!) ?? []), ...file.records]);
        }
        return stored;
      },
    };
  },
  'MinIO (S3)': () => {
    const sink = { type: 's3', prefix: 'citrix/{tenant}', ...minio.connection(BUCKET) };
    const checkpoint = { type: 's3', prefix: 'citrix/_state', ...minio.connection(BUCKET) };
    return {
      sink,
      checkpoint,
      checkpoints: s3.s3CheckpointStore(checkpoint),
      sessions: async () => {
        const config = s3.S3SinkConfigSchema.parse({ ...sink, prefix: 'citrix' });
        const client = s3.createS3Client(config);
        const stored = new Map<string, JsonRecord[]>();
        for (const key of await s3.listObjectKeys(config)) {
          const tenant = /^citrix\/([^/]+)\/Sessions\/.*\.ndjson(\.gz)?$/.exec(key)?.[1];
          if (!tenant) continue;
          const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
          const records = decodePart(await object.Body!.transformToByteArray());
          stored.set(tenant, [...(stored.get(tenant) ?? []), ...records]);
        }
        return stored;
      },
    };
  },
  'fake-gcs-server (GCS)': async () => {
    const connection = { bucket: BUCKET, endpoint: gcs.endpoint, projectId: 'replicas' };
    const checkpoint = { type: 'gcs', prefix: 'citrix/_state', ...connection };
    const objects = `${gcs.endpoint}/storage/v1/b/${BUCKET}/o`;
    return {
      sink: { type: 'gcs', prefix: 'citrix/{tenant}', ...connection },
      checkpoint,
      checkpoints: await buildCheckpointStore(checkpoint, { logger: silentLogger(), clock: systemClock }),
      sessions: async () => {
        const stored = new Map<string, JsonRecord[]>();
        let pageToken: string | undefined;
        do {
          const url = new URL(objects);
          url.searchParams.set('prefix', 'citrix/');
          if (pageToken) url.searchParams.set('pageToken', pageToken);
          const page = (await (await fetch(url)).json()) as {
            items?: { name: string }[];
            nextPageToken?: string;
          };
          for (const { name } of page.items ?? []) {
            const tenant = /^citrix\/([^/]+)\/Sessions\/.*\.ndjson(\.gz)?$/.exec(name)?.[1];
            if (!tenant) continue;
            const body = await fetch(`${objects}/${encodeURIComponent(name)}?alt=media`);
            const records = decodePart(new Uint8Array(await body.arrayBuffer()));
            stored.set(tenant, [...(stored.get(tenant) ?? []), ...records]);
          }
          pageToken = page.nextPageToken;
        } while (pageToken);
        return stored;
      },
    };
  },
};

describe.each(Object.keys(STORES))('replicas of ctxsiem serve on %s', (where) => {
  it('split thirty tenants between them; a killed one’s streams are taken over; every record once', async () => {
    const dir = join(scratch, where.replaceAll(/\W+/g, '-'));
    const store = await STORES[where]!(dir);
    const { checkpoints } = store;
    const stateOf = async (tenant: string): Promise<StreamState | undefined> =>
      (await checkpoints.read(checkpointKey(tenant, 'monitor', 'Sessions')))?.state;
    // Caught up: the checkpoint is at now − lag of a run that started after the emulator's now (later
    // ticks keep claiming the few seconds since: a window may be claimed at any moment).
    const caughtUp = (s: StreamState | undefined) =>
      s !== undefined && Date.parse(s.position) >= emulatorNow - LAG_MINUTES * 60_000 - 1_000;

    emulator.resetStats();
    const group = await replicas(dir, {
      tenants: TENANTS.map((id) => ({
        customerId: id,
        clientId: `client-${id}`,
        clientSecret: `secret-${id}`,
        apiBase: emulator.url,
      })),
      // Two streams per tenant: replicas must not send one tenant two requests at once (source holds).
      sources: [{ type: 'monitor', entities: ['Sessions', 'Machines'], lagMinutes: LAG_MINUTES }],
      sink: store.sink,
      checkpoint: store.checkpoint,
      runner: { lookbackMinutes: 180, tenantConcurrency: 3, leaseSeconds: 10, reconcileHorizonMinutes: 0 },
      serve: { schedules: [{ cron: '*/2 * * * * *' }], host: '127.0.0.1', port: 0, drainSeconds: 20 },
    });
    const logs = () => group.map((r) => `--- ${r.name}\n${r.log(1500)}`).join('\n');
    try {
      // The victim: the first replica found holding a stream mid-window (its lease in the checkpoint).
      let victim: { replica: Replica; tenant: string; position: string; delivered: number } | undefined;
      await until(
        async () => {
          for (const tenant of TENANTS) {
            const s = await stateOf(tenant);
            const holder = group.find((r) => s?.lease?.owner.startsWith(`${hostname()}:${r.pid}:`));
            if (!holder || !s?.window || Date.parse(s.lease!.expiresAt) <= Date.now()) continue;
            const delivered = await holder.total('ctxsiem_records_total', { source: 'monitor' });
            if (delivered === 0) continue;
            holder.signal('SIGKILL');
            victim = { replica: holder, tenant, position: s.position, delivered };
            return true;
          }
          return false;
        },
        120_000,
        () => `a replica holding a stream mid-window\n${logs()}`,
      );
      const { replica: killed, tenant: orphan } = victim!;
      expect((await killed.exited).signal).toBe('SIGKILL');
      const live = group.filter((r) => r !== killed);

      // Every tenant caught up, the killed replica's stream too (its lease ended, another took it).
      let behind: string[] = [];
      await until(
        async () => {
          const states = await Promise.all(TENANTS.map(stateOf));
          behind = TENANTS.filter((_, i) => !caughtUp(states[i]));
          return behind.length === 0;
        },
        240_000,
        () => `every tenant caught up; behind: ${behind.join(', ')}\n${logs()}`,
      );
      const orphanState = (await stateOf(orphan))!;
      expect(Date.parse(orphanState.position)).toBeGreaterThan(Date.parse(victim!.position));

      // What each live replica did, from its own metrics.
      const shares = await Promise.all(live.map((r) => r.recordsByTenant('monitor', TENANTS)));
      const blocked = await Promise.all(live.map((r) => r.total('ctxsiem_stream_blocked_total')));
      const busy = await Promise.all(live.map((r) => r.total('ctxsiem_stream_busy_total')));
      expect(await drain(live), logs()).toEqual([0, 0]);

      // Every tenant: the emulator's Sessions for its range, each once — nothing lost, nothing twice.
      const stored = await store.sessions();
      const versionOf = (r: JsonRecord) => `${r.SessionKey}@${r.ModifiedDate}`;
      // A window a drained replica left claimed may hold part of its records: they are the emulator's
      // for [position, the window's end).
      const truthOf = (from: string, to: string) =>
        [...emulator.data.monitor('Sessions', { from: new Date(from), to: new Date(to) })].map(versionOf);
      for (const tenant of TENANTS) {
        const s = (await stateOf(tenant))!;
        const keys = (stored.get(tenant) ?? []).map(versionOf);
        const truth = truthOf(s.origin!, s.position);
        expect(truth.length, tenant).toBeGreaterThan(0);
        expect(new Set(keys).size, `${tenant}: stored twice`).toBe(keys.length);
        const claimed = new Set(s.window ? truthOf(s.position, s.window.to) : []);
        expect(keys.filter((key) => !claimed.has(key)).toSorted(), tenant).toEqual(truth.toSorted());
      }

      console.log(
        `replicas over ${TENANTS.length} tenants on ${where}: killed ${killed.name} (pid ${killed.pid}) holding ${orphan} mid-window after it delivered ${victim!.delivered} records; ` +
          live
            .map(
              (r, i) =>
                `${r.name} delivered for ${Object.keys(shares[i]!).length} tenants (${Object.values(shares[i]!).reduce((a, b) => a + b, 0)} records), ${busy[i]} busy, ${blocked[i]} blocked`,
            )
            .join('; '),
      );
      // Citrix's limit held across the replicas: one request in flight per tenant, none refused for it.
      const stats = emulator.stats();
      expect(stats.maxConcurrentPerCustomer).toBe(1);
      expect(stats.rejectedConcurrent).toBe(0);
      // The work was shared: the killed replica and each live one delivered some of it.
      expect(victim!.delivered).toBeGreaterThan(0);
      for (const share of shares) expect(Object.keys(share).length).toBeGreaterThan(0);
    } finally {
      for (const replica of group) replica.signal('SIGKILL');
    }
  }, 420_000);
});

describe('replicas of ctxsiem serve in one Kafka group', () => {
  it('split a six-partition topic in one group; a killed member’s partitions go to the others; every event once', async () => {
    const dir = join(scratch, 'kafka');
    const out = join(dir, 'out');
    const group = await replicas(dir, {
      tenants: [{ customerId: KAFKA_TENANT, clientId: 'unused', clientSecret: 'unused' }],
      sources: [
        {
          type: 'sentinel',
          brokers: [kafka.bootstrap],
          topic: TOPIC,
          groupId: GROUP,
          username: USER.name,
          password: USER.password,
          ca: kafka.ca,
          idleSeconds: 1,
          // Small batches, so a kill lands between a delivery and its commit; a short session, so the
          // group notices the killed member in seconds instead of Citrix's 60.
          sessionTimeoutMs: 6_000,
          batch: { records: 200, bytes: 1_048_576, waitMs: 100 },
        },
      ],
      sink: { type: 'file', directory: out },
      checkpoint: { type: 'file', directory: join(dir, 'state') },
      serve: { host: '127.0.0.1', port: 0, drainSeconds: 20 },
    });
    const logs = () => group.map((r) => `--- ${r.name}\n${r.log(1500)}`).join('\n');
    let produced = 0;
    const produce = async (count: number) => {
      const events = riskEvents({
        seed: 32 + produced,
        tenant: KAFKA_TENANT,
        count,
        start: new Date(Date.UTC(2026, 10, 2) + produced * 1000),
      });
      produced += count;
      await produceRiskEvents({ connection: kafka.adminConnection, topic: TOPIC, events });
    };
    const storedIds = async () =>
      (await readStoredFiles(out))
        .filter((file) => !file.path.startsWith('_'))
        .flatMap((file) => file.records.map((record) => String(record.record_id)));
    const consumed = (r: Replica) => r.total('ctxsiem_records_total', { source: 'sentinel' });
    try {
      await until(
        async () => (await Promise.all(group.map((r) => r.ready()))).every(Boolean),
        120_000,
        () => `every replica joined the group\n${logs()}`,
      );
      // Once all three are members, events on every partition: each consumes its share.
      await produce(6_000);
      await until(
        async () => (await storedIds()).length >= produced,
        120_000,
        () => `${produced} events stored\n${logs()}`,
      );
      const before = await Promise.all(group.map(consumed));

      // More events; a member is killed while it consumes them.
      const producing = produce(20_000);
      const killed = group[0]!;
      await until(
        async () => (await consumed(killed)) > before[0]!,
        120_000,
        () => `replica ${killed.name} consuming the second batch\n${logs()}`,
      );
      killed.signal('SIGKILL');
      await producing;
      const live = group.slice(1);
      await until(
        async () => (await storedIds()).length >= produced,
        180_000,
        () => `${produced} events stored after the kill\n${logs()}`,
      );
      // After the group rebalanced: the two left share every partition.
      const afterKill = await Promise.all(live.map(consumed));
      await produce(6_000);
      await until(
        async () => (await storedIds()).length >= produced,
        180_000,
        () => `${produced} events stored after the rebalance\n${logs()}`,
      );
      const shares = await Promise.all(live.map(consumed));
      expect(await drain(live), logs()).toEqual([0, 0]);

      const ids = await storedIds();
      console.log(
        `replicas on a 6-partition topic: ${produced} events produced, ${ids.length} stored (${new Set(ids).size} distinct); first batch by member ${before.join(' / ')}; after the kill of ${killed.name}: ${live.map((r, i) => `${r.name} ${shares[i]! - afterKill[i]!}`).join(', ')}`,
      );
      expect(new Set(ids).size).toBe(produced);
      expect(ids).toHaveLength(produced);
      // Shared: all three consumed the first batch; both survivors the last one.
      for (const count of before) expect(count).toBeGreaterThan(0);
      for (const [i, share] of shares.entries()) expect(share - afterKill[i]!).toBeGreaterThan(0);
    } finally {
      for (const replica of group) replica.signal('SIGKILL');
    }
  }, 480_000);
});
