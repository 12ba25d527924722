/**
 * The chaos pass of `make test`: CHAOS_RUNS runs (default 40, half into the file sink, half into
 * MinIO) of the real collector process under random faults, kills and overlaps, then the sink against
 * the emulator's ground truth. Prints the figures; lost and duplicated must be 0. A quarter as many
 * again go into Google SecOps (its contract server), where a kill can leave one accepted request
 * unrecorded: nothing may be lost, and only that can be duplicated (at most one request per kill).
 * Locally: `CHAOS_RUNS=200 pnpm exec vitest run test/chaos`. To study a failure: `CHAOS_KEEP=<folder>` keeps
 * the pass's folder (file sink, checkpoints, telemetry) and copies the MinIO pass's checkpoints and window
 * manifests there; `CHAOS_LOG_LEVEL=info` makes the collectors say more (their output is kept in
 * `CTXSIEM_TEST_LOGS`); `CHAOS_SEED` varies the faults.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { decodeNdjson, type JsonRecord } from '@ctxsiem/core';
import { type Emulator, startEmulator } from '@ctxsiem/emulator';
import { readStoredFiles } from '@ctxsiem/sink-file';
import { ensureBucket, listObjectKeys } from '@ctxsiem/sink-s3';
import { TEST_SECRETS } from '@ctxsiem/test-kit';
import { type RunningMinio, type SecOpsApi, startMinio, startSecOpsApi } from '@ctxsiem/test-kit/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
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
const offset = { value: 0 };

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
}, 300_000);
afterAll(async () => {
  await emulator?.close();
  await minio?.stop();
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

/** The MinIO bucket's connection options (as the S3 sink and checkpoint store take them) and a client. */
function minioBucket(bucket: string) {
  const connection = {
    bucket,
    endpoint: minio.endpoint,
    forcePathStyle: true,
    region: minio.region,
    credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
  };
  return { connection, s3: new S3Client({ ...connection, credentials: { ...connection.credentials } }) };
}

function minioTarget(bucket: string): ChaosTarget {
  const { connection, s3 } = minioBucket(bucket);
  const read = async (prefix: string): Promise<JsonRecord[]> => {
    const keys = await listObjectKeys({ ...connection, prefix });
    const records: JsonRecord[] = [];
    for (const key of keys) {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      records.push(...decodeNdjson((await object.Body?.transformToString('utf8')) ?? ''));
    }
    return records;
  };
  return {
    name: 'minio',
    config: {
      sink: { type: 's3', ...connection, prefix: 'chaos' },
      checkpoint: { type: 's3', ...connection, prefix: 'chaos-state' },
    },
    records: (stream) => read(`chaos/${stream}/`),
    deadLetters: async () => (await read('_ctxsiem/chaos/deadletter/')).length,
  };
}

/** Copies the objects under `prefix` to `folder` (CHAOS_KEEP: the MinIO pass's checkpoints, to study). */
async function keepBucket(bucket: string, prefix: string, folder: string): Promise<void> {
  const { connection, s3 } = minioBucket(bucket);
  for (const key of await listObjectKeys({ ...connection, prefix })) {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const path = join(folder, key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, (await object.Body?.transformToString('utf8')) ?? '');
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
      // Without the record id every log carries (recordIdField): the records as the source gave them.
      return api.accepted
        .filter((log) => log.logType === logType)
        .map((log) => {
          const { ctxsiemRecordId: _id, ...record } = JSON.parse(log.text) as JsonRecord;
          return record;
        });
    },
    deadLetters: async () => (await readStoredFiles(join(dead, '_deadletter'))).length,
  };
}

/** Prints the figures (the line `make test` shows) and checks them. */
function expectNothingLostOrDuplicated(figures: ChaosFigures): void {
  console.log(formatFigures(figures));
  expect(figures.expected).toBeGreaterThan(0);
  expect(figures.converged, 'the runs after the faults stopped still found something to deliver').toBe(true);
  expect(figures.lostExamples).toEqual([]);
  expect(figures.duplicatedExamples).toEqual([]);
  expect([figures.lost, figures.duplicated, figures.deadLetters]).toEqual([0, 0, 0]);
}

describe('chaos: nothing lost, nothing duplicated', () => {
  it(`Google SecOps: ${Math.ceil(RUNS / 4)} runs with faults, kills and overlaps, nothing lost, at most a request per kill again`, async () => {
    // The instance has the chaos pass's log types: custom ones, as an administrator would create.
    const api = await startSecOpsApi({ customLogTypes: Object.values(SECOPS_LOG_TYPES) });
    try {
      const figures = await runChaos({
        ...common('secops'),
        target: secopsTarget(api),
        runs: Math.ceil(RUNS / 4),
      });
      console.log(formatFigures(figures));
      if (figures.duplicated > 0)
        console.log(`sent again after a kill (allowed): ${figures.duplicatedExamples.join('; ')}`);
      expect(figures.expected).toBeGreaterThan(0);
      expect(figures.converged, 'the runs after the faults stopped still found something to deliver').toBe(
        true,
      );
      expect(figures.lostExamples).toEqual([]);
      expect([figures.lost, figures.deadLetters]).toEqual([0, 0]);
      // What a killed process had sent and SecOps accepted, but the ledger had not yet recorded.
      const perRequest = Math.floor(SECOPS_REQUEST_BYTES / 200);
      expect(figures.duplicated).toBeLessThanOrEqual(figures.kills * perRequest);
    } finally {
      await api.close();
    }
  }, 1_800_000);

  it(`file sink: ${Math.ceil(RUNS / 2)} runs with faults, kills and overlaps`, async () => {
    const figures = await runChaos({ ...common('file'), target: fileTarget(), runs: Math.ceil(RUNS / 2) });
    expectNothingLostOrDuplicated(figures);
  }, 1_800_000);

  it(`MinIO: ${Math.floor(RUNS / 2)} runs with faults, kills and overlaps`, async () => {
    await ensureBucket(minioBucket('chaos').connection);
    const figures = await runChaos({
      ...common('minio'),
      target: minioTarget('chaos'),
      runs: Math.floor(RUNS / 2),
    });
    if (process.env.CHAOS_KEEP) await keepBucket('chaos', 'chaos-state/', join(directory, 'minio-state'));
    expectNothingLostOrDuplicated(figures);
  }, 1_800_000);
});
