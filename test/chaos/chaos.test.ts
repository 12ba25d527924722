/**
 * The chaos pass of `make test`: CHAOS_RUNS runs (default 40, a quarter each into the file sink, MinIO,
 * fake-gcs-server and Google SecOps' contract server) of the real collector process under random API
 * and SIEM-side faults, kills, signals, writers paused past their lease, overlaps, query timeouts and
 * time moved past the reconcile horizon (see chaos-driver.ts), then the sink against the emulator's
 * ground truth. Prints the figures of each target. A run that ends 3 (`blocked`: a killed run's lease
 * holds a stream) or 1 with its streams in `conflict` (taken over while paused) is an expected outcome;
 * a stream that fails otherwise is a finding. Files, S3 and GCS: nothing lost, nothing duplicated.
 * SecOps, which cannot be asked what it holds, has the documented resend bound: nothing lost; every
 * duplicated record version came in one request body accepted more than once (a byte-identical resend;
 * no record in two different accepted bodies); and no more duplicated than the `possiblyDuplicated`
 * the runs reported (their JSON summaries, or the resend warnings of a run that ended without one).
 * Locally: `CHAOS_RUNS=200 pnpm exec vitest run chaos` in test/. To study a failure: `CHAOS_KEEP=<folder>`
 * keeps the pass's folder (file sink, checkpoints, telemetry) and copies the MinIO and GCS passes'
 * checkpoints and window manifests there; `CHAOS_LOG_LEVEL=info` makes the collectors say more (their
 * output is kept in `CTXSIEM_TEST_LOGS`); `CHAOS_SEED` varies the faults; `CHAOS_HORIZON_MINUTES`
 * sets the reconcile horizon time is moved past (default 240; 1440 is the product's default).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { decodeNdjson, type JsonRecord } from '@ctxsiem/core';
import { type Emulator, startEmulator } from '@ctxsiem/emulator';
import {
  type RunningMinio,
  type RunningServer,
  type SecOpsApi,
  startFakeGcs,
  startMinio,
  startSecOpsApi,
} from '@ctxsiem/local-services';
import { ensureBucket, listObjectKeys } from '@ctxsiem/object-store-s3';
import { readStoredFiles } from '@ctxsiem/sink-file';
import { TEST_SECRETS } from '@ctxsiem/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCEPTED_IN,
  type ChaosFigures,
  type ChaosOptions,
  type ChaosTarget,
  formatFigures,
  runChaos,
} from './chaos-driver.ts';

const RUNS = Number(process.env.CHAOS_RUNS ?? 40);
const SEED = Number(process.env.CHAOS_SEED ?? 2026);

let directory: string;
let emulator: Emulator;
let minio: RunningMinio;
let gcs: RunningServer;
const offset = { value: 0 };
/** The runs of each target: a quarter of CHAOS_RUNS each. */
const PER_TARGET = Math.max(1, Math.round(RUNS / 4));

beforeAll(async () => {
  directory = process.env.CHAOS_KEEP ?? (await mkdtemp(join(tmpdir(), 'ctxsiem-chaos-')));
  [emulator, minio] = await Promise.all([
    startEmulator({
      seed: SEED,
      customers: [{ customerId: 'demo', clientId: 'chaos-client', clientSecret: TEST_SECRETS.chaos }],
      sessionsPerHour: 90,
      pageSize: 50,
      now: () => Date.now() + offset.value,
    }),
    startMinio(),
  ]);
  gcs = await startFakeGcs();
}, 300_000);
afterAll(async () => {
  await emulator?.close();
  await minio?.stop();
  await gcs?.stop();
  if (!process.env.CHAOS_KEEP) await rm(directory, { recursive: true, force: true });
});

const common = (name: string): Omit<ChaosOptions, 'target' | 'runs'> => ({
  emulator,
  offset,
  seed: SEED + name.length,
  directory,
  // PublishedDesktopNames has no time column: a snapshot stream, read whole every run.
  monitorEntities: ['Sessions', 'Connections', 'Machines', 'PublishedDesktopNames'],
  analyticsEntities: ['sessions'],
  telemetryFolder: join(directory, `telemetry-${name}`),
  log: process.env.CHAOS_VERBOSE ? (line) => console.log(line) : undefined,
});

function fileTarget(): ChaosTarget {
  const out = join(directory, 'out');
  const parts = async (folder: string) =>
    (await readStoredFiles(join(out, folder))).flatMap((f) => f.records);
  return {
    name: 'file',
    config: {
      sink: { type: 'file', directory: out },
      checkpoint: { type: 'file', directory: join(directory, 'state') },
    },
    records: parts,
    deadLetters: async () => (await parts('_deadletter')).length,
  };
}

/** A bucket the chaos pass writes to, read back object by object. */
interface Bucket {
  /** The connection options, as the sink and checkpoint store of its type take them. */
  connection: Record<string, unknown>;
  names(prefix: string): Promise<string[]>;
  text(name: string): Promise<string>;
}

/** The MinIO bucket's connection options (as the S3 sink and checkpoint store take them), read by a client. */
function minioBucket(bucket: string): Bucket & { connection: MinioConnectionOptions } {
  const connection = {
    bucket,
    endpoint: minio.endpoint,
    forcePathStyle: true,
    region: minio.region,
    credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
  };
  const s3 = new S3Client({ ...connection, credentials: { ...connection.credentials } });
  return {
    connection,
    names: (prefix) => listObjectKeys({ ...connection, prefix }),
    text: async (key) => {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return (await object.Body?.transformToString('utf8')) ?? '';
    },
  };
}
type MinioConnectionOptions = Parameters<typeof ensureBucket>[0];

/** A bucket on fake-gcs-server, read back through its JSON API (list, then `alt=media`). */
function gcsBucket(bucket: string): Bucket & { create(): Promise<void> } {
  const names = async (prefix: string) => {
    const found: string[] = [];
    let pageToken: string | undefined;
    do {
      const url = new URL(`${gcs.endpoint}/storage/v1/b/${bucket}/o`);
      url.searchParams.set('prefix', prefix);
      if (pageToken) url.searchParams.set('pageToken', pageToken);
      const page = (await (await fetch(url)).json()) as {
        items?: { name: string }[];
        nextPageToken?: string;
      };
      found.push(...(page.items ?? []).map((item) => item.name));
      pageToken = page.nextPageToken;
    } while (pageToken);
    return found;
  };
  return {
    connection: { bucket, endpoint: gcs.endpoint, projectId: 'chaos' },
    names,
    text: async (name) => {
      const object = `${gcs.endpoint}/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}?alt=media`;
      const response = await fetch(object);
      if (!response.ok) throw new Error(`gs://${bucket}/${name}: HTTP ${response.status}`);
      return response.text();
    },
    create: async () => {
      const response = await fetch(`${gcs.endpoint}/storage/v1/b?project=chaos`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: bucket }),
      });
      if (!response.ok) throw new Error(`create gs://${bucket}: HTTP ${response.status}`);
    },
  };
}

/** Parts and checkpoints in a bucket: the sink and checkpoint store of `type` (`s3`, `gcs`). */
function bucketTarget(name: string, type: 's3' | 'gcs', bucket: Bucket): ChaosTarget {
  const read = async (prefix: string): Promise<JsonRecord[]> => {
    const records: JsonRecord[] = [];
    for (const key of await bucket.names(prefix)) records.push(...decodeNdjson(await bucket.text(key)));
    return records;
  };
  return {
    name,
    config: {
      sink: { type, ...bucket.connection, prefix: 'chaos' },
      checkpoint: { type, ...bucket.connection, prefix: 'chaos-state' },
    },
    records: (stream) => read(`chaos/${stream}/`),
    deadLetters: async () => (await read('_ctxsiem/chaos/deadletter/')).length,
  };
}

/** Copies the objects under `prefix` to `folder` (CHAOS_KEEP: a bucket pass's checkpoints, to study). */
async function keepBucket(bucket: Bucket, prefix: string, folder: string): Promise<void> {
  for (const key of await bucket.names(prefix)) {
    const path = join(folder, key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, await bucket.text(key));
  }
}

/** Records per SecOps request in the chaos pass: its requests are kept small, so parts take several. */
const SECOPS_REQUEST_BYTES = 20_000;
const SECOPS_LOG_TYPES: Record<string, string> = {
  'monitor/Sessions': 'CHAOS_SESSIONS',
  'monitor/Connections': 'CHAOS_CONNECTIONS',
  'monitor/Machines': 'CHAOS_MACHINES',
  'monitor/PublishedDesktopNames': 'CHAOS_PUBLISHED_DESKTOP_NAMES',
  'analytics/sessions': 'CHAOS_ANALYTICS_SESSIONS',
  'licensing/telemetry': 'CHAOS_LICENSING_TELEMETRY',
  'systemlog/records': 'CHAOS_SYSTEMLOG',
  'daasconfiglog/operations': 'CHAOS_DAAS_OPERATIONS',
  // Its own type: in the operations' one, session records would be tallied as operations.
  'daasconfiglog/daasSessions': 'CHAOS_DAAS_SESSIONS',
  // SecOps has no log type for these sources: a deployment names one per source (custom log types).
  licensing: 'CHAOS_LICENSING_TELEMETRY',
  daasconfiglog: 'CHAOS_DAAS_OPERATIONS',
};
/** The source of each stream the chaos pass collects (Monitor sets are capitalised, casodata's not). */
const SOURCE_OF: Record<string, string> = {
  telemetry: 'licensing',
  records: 'systemlog',
  operations: 'daasconfiglog',
};

function secopsTarget(api: SecOpsApi): ChaosTarget {
  const dead = join(directory, 'secops-dead');
  return {
    name: 'secops',
    config: {
      sink: {
        type: 'secops',
        project: 'chaos',
        instance: 'chaos',
        endpoint: api.endpoint,
        tokenUrl: api.tokenUrl,
        serviceAccountKey: api.serviceAccountKey,
        logTypes: SECOPS_LOG_TYPES,
        maxRequestBytes: SECOPS_REQUEST_BYTES,
      },
      deadLetters: { type: 'file', directory: dead },
      checkpoint: { type: 'file', directory: join(directory, 'secops-state') },
    },
    // Monitor sets are capitalised, casodata entities not: `Sessions` and `sessions` are two streams.
    records: async (stream) => {
      const source = SOURCE_OF[stream] ?? (/^[A-Z]/.test(stream) ? 'monitor' : 'analytics');
      const logType = SECOPS_LOG_TYPES[`${source}/${stream}`];
      // Without the record id every log carries (recordIdField): the records as the source gave them,
      // each marked with the request body that carried it.
      return api.accepted
        .filter((log) => log.logType === logType)
        .map((log) => {
          const { ctxsiemRecordId: _id, ...record } = JSON.parse(log.text) as JsonRecord;
          return Object.defineProperty(record, ACCEPTED_IN, { value: log.body, enumerable: false });
        });
    },
    deadLetters: async () => (await readStoredFiles(join(dead, '_deadletter'))).length,
    siem: {
      setFaults: (faults) => api.setFaults(faults),
      nextRequest: () => api.nextRequest(),
      faults: () => Object.values(api.stats.faults).reduce((sum, n) => sum + (n ?? 0), 0),
    },
  };
}

/**
 * Logs SecOps accepted, as sent (record id included), that came in more than one different request
 * body: a record sent twice other than by a byte-identical resend.
 */
function inDifferentBodies(api: SecOpsApi): string[] {
  const bodies = new Map<string, Set<string>>();
  for (const log of api.accepted) bodies.set(log.text, (bodies.get(log.text) ?? new Set()).add(log.body));
  return [...bodies]
    .filter(([, carriers]) => carriers.size > 1)
    .map(([text, carriers]) => `${text.slice(0, 120)} in ${carriers.size} bodies`);
}

/** Prints the figures (the line `make test` shows) and checks them: nothing lost, nothing duplicated. */
function expectNothingLostOrDuplicated(figures: ChaosFigures): void {
  console.log(formatFigures(figures));
  expect(figures.expected).toBeGreaterThan(0);
  expect(figures.converged, 'the runs after the faults stopped still found something to deliver').toBe(true);
  expect(figures.failedExamples, 'streams that failed (not a conflict after a pause)').toEqual([]);
  expect(figures.lostExamples).toEqual([]);
  expect(figures.duplicatedExamples).toEqual([]);
  expect([figures.lost, figures.duplicated, figures.deadLetters]).toEqual([0, 0, 0]);
}

describe('chaos: nothing lost, nothing duplicated', () => {
  it(`Google SecOps: ${PER_TARGET} runs with API and SIEM-side faults, kills, signals, pauses and overlaps; nothing lost, duplicates only from counted byte-identical resends`, async () => {
    // The instance has the chaos pass's log types: custom ones, as an administrator would create.
    const api = await startSecOpsApi({ customLogTypes: Object.values(SECOPS_LOG_TYPES) });
    try {
      const figures = await runChaos({ ...common('secops'), target: secopsTarget(api), runs: PER_TARGET });
      console.log(formatFigures(figures));
      if (figures.duplicated > 0)
        console.log(`sent again, byte-identical, and counted: ${figures.duplicatedExamples.join('; ')}`);
      expect(figures.expected).toBeGreaterThan(0);
      expect(figures.converged, 'the runs after the faults stopped still found something to deliver').toBe(
        true,
      );
      expect(figures.failedExamples, 'streams that failed (not a conflict after a pause)').toEqual([]);
      expect(figures.lostExamples).toEqual([]);
      expect([figures.lost, figures.deadLetters]).toEqual([0, 0]);
      // The documented resend bound: a record stored twice came in one body accepted twice…
      expect(figures.differentBodyExamples).toEqual([]);
      expect(inDifferentBodies(api)).toEqual([]);
      // …and every such record was reported as possibly duplicated in a run's summary: by the run that
      // sent it again, or — that run killed — by the next run that took the stream.
      expect(figures.duplicated).toBeLessThanOrEqual(figures.possiblyDuplicated);
    } finally {
      await api.close();
    }
  }, 1_800_000);

  it(`file sink: ${PER_TARGET} runs with faults, kills, signals, pauses and overlaps`, async () => {
    const figures = await runChaos({ ...common('file'), target: fileTarget(), runs: PER_TARGET });
    expectNothingLostOrDuplicated(figures);
  }, 1_800_000);

  it(`MinIO: ${PER_TARGET} runs with faults, kills, signals, pauses and overlaps`, async () => {
    const bucket = minioBucket('chaos');
    await ensureBucket(bucket.connection);
    const figures = await runChaos({
      ...common('minio'),
      target: bucketTarget('minio', 's3', bucket),
      runs: PER_TARGET,
    });
    if (process.env.CHAOS_KEEP) await keepBucket(bucket, 'chaos-state/', join(directory, 'minio-state'));
    expectNothingLostOrDuplicated(figures);
  }, 1_800_000);

  it(`GCS (fake-gcs-server): ${PER_TARGET} runs with faults, kills, signals, pauses and overlaps`, async () => {
    const bucket = gcsBucket('chaos');
    await bucket.create();
    const figures = await runChaos({
      ...common('gcs'),
      target: bucketTarget('gcs', 'gcs', bucket),
      runs: PER_TARGET,
    });
    if (process.env.CHAOS_KEEP) await keepBucket(bucket, 'chaos-state/', join(directory, 'gcs-state'));
    expectNothingLostOrDuplicated(figures);
  }, 1_800_000);
});
