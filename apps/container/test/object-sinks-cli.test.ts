import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { HOUR_MS } from '@ctxsiem/core';
import { type RunningMinio, startFakeGcs, startMinio } from '@ctxsiem/local-services';
import { ensureBucket as ensureGcsBucket, listObjectKeys as listGcsKeys } from '@ctxsiem/object-store-gcs';
import { ensureBucket, listObjectKeys } from '@ctxsiem/object-store-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctxsiem, ctxsiemEmulator, emulatorTenant } from './run-cli.ts';

let dir: string;
let minio: RunningMinio;
let emulator: Awaited<ReturnType<typeof ctxsiemEmulator>>;
let s3: S3Client;
const BUCKET = 'citrix-monitor-logs';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctxsiem-object-cli-'));
  [minio, emulator] = await Promise.all([startMinio(), ctxsiemEmulator(['--seed', '11'])]);
  const connection = minio.connection(BUCKET);
  await ensureBucket(connection);
  s3 = new S3Client({ ...connection, credentials: { ...connection.credentials } });
}, 300_000);
afterAll(async () => {
  s3?.destroy();
  await Promise.all([minio?.stop(), emulator?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

const seedEnv = () => ({
  ...emulatorTenant(emulator.url),
  ENTITIES: 'Sessions,Users',
  SINK: 's3',
  S3_BUCKET: BUCKET,
  S3_PREFIX: 'citrix_monitor',
  STATE_KEY: 'citrix_monitor/state.json',
  S3_ENDPOINT: minio.endpoint,
  S3_FORCE_PATH_STYLE: 'true',
  AWS_REGION: minio.region,
  AWS_ACCESS_KEY_ID: minio.accessKeyId,
  AWS_SECRET_ACCESS_KEY: minio.secretAccessKey,
});

describe('SINK=s3 with the seed environment variables', () => {
  it("continues where the seed's state.json stopped, writes the seed layout, and keeps the seed's file", async () => {
    const lastHour = new Date(Math.floor(Date.now() / 3600_000) * 3600_000 - 3 * 3600_000);
    const legacy = JSON.stringify({ last_hour_utc: lastHour.toISOString().replace('.000Z', 'Z') });
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'citrix_monitor/state.json', Body: legacy }));

    const result = await ctxsiem(['collect', '--json'], { env: { ...seedEnv(), LOG_LEVEL: 'debug' } });
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    for (const stream of summary.streams) {
      expect(stream.status).toBe('ok');
      expect(stream.from).toBe(new Date(lastHour.getTime() + 3600_000).toISOString());
    }
    expect(result.stdout + result.stderr).not.toContain(minio.secretAccessKey);

    const keys = await listObjectKeys({ ...minio.connection(BUCKET), prefix: '' });
    expect(
      keys.some((k) =>
        /^citrix_monitor\/Sessions\/year=\d{4}\/month=\d\d\/day=\d\d\/hour=\d\d\/part-\d{8}T\d{6}\.\d{3}Z-\d{5}-monitor-demo\.ndjson$/.test(
          k,
        ),
      ),
    ).toBe(true);
    // Checkpoints beside the prefix the SecOps feed reads, not under it: under the prefix, only data
    // and the seed's own state.json.
    expect(keys).toContain('_ctxsiem/citrix_monitor/state/demo/monitor/Sessions.json');
    expect(keys.filter((k) => k.startsWith('citrix_monitor/_'))).toEqual([]);
    const seedState = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'citrix_monitor/state.json' }),
    );
    expect(await seedState.Body?.transformToString()).toBe(legacy);

    // A second run resumes from our checkpoint, not from the seed's file.
    const again = JSON.parse((await ctxsiem(['collect', '--json'], { env: seedEnv() })).stdout);
    expect(again.streams[0].from).toBe(summary.streams[0].to);
  });

  it('a missing bucket fails clearly and exits 1 with the checkpoint untouched', async () => {
    const result = await ctxsiem(['collect', '--json'], {
      env: { ...seedEnv(), S3_BUCKET: 'no-such-bucket-here' },
    });
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout);
    expect(summary.totals.failed.length).toBe(2);
    expect(summary.streams[0].error).toMatch(/no-such-bucket-here/);
  });

  it('`check` probes the bucket with a real write', async () => {
    const result = await ctxsiem(['check'], { env: seedEnv() });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/ok +sink s3/);
  });
});

describe('SINK=gcs', () => {
  it('collects into a GCS bucket through GCS_BUCKET / GCS_PREFIX / GCS_ENDPOINT', async () => {
    const gcs = await startFakeGcs();
    try {
      const bucket = { bucket: 'citrix-gcs', endpoint: gcs.endpoint, projectId: 'test' };
      await ensureGcsBucket(bucket);
      const env = {
        ...seedEnv(),
        SINK: 'gcs',
        GCS_BUCKET: 'citrix-gcs',
        GCS_PREFIX: 'citrix_monitor',
        GCS_ENDPOINT: gcs.endpoint,
        START: new Date(Math.floor(Date.now() / 3600_000) * 3600_000 - 2 * 3600_000).toISOString(),
      };
      const result = await ctxsiem(['collect', '--json'], { env });
      expect(result.code, result.stderr).toBe(0);
      const keys = await listGcsKeys({ ...bucket, prefix: '' });
      expect(keys.some((k) => k.startsWith('citrix_monitor/Users/year='))).toBe(true);
      expect(keys).toContain('_ctxsiem/citrix_monitor/state/demo/monitor/Users.json');
      expect(keys.filter((k) => k.startsWith('citrix_monitor/_'))).toEqual([]);
    } finally {
      await gcs.stop();
    }
  });
});

describe('ctxsiem demo --sink', () => {
  it('s3: runs the demo into a MinIO it starts', async () => {
    const result = await ctxsiem(['demo', '--sink', 's3', '--out', join(dir, 'demo-s3'), '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).sink).toBe('s3');
    expect(result.stderr).toMatch(/\d+ objects in s3:\/\/ctxsiem-demo\/citrix\//);
  });

  it('gcs: runs the demo into a fake-gcs-server it starts', async () => {
    const result = await ctxsiem(['demo', '--sink', 'gcs', '--out', join(dir, 'demo-gcs'), '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).sink).toBe('gcs');
    expect(result.stderr).toMatch(/\d+ objects in gs:\/\/ctxsiem-demo\/citrix\//);
  });

  it('secops: runs the demo into the SecOps contract server it starts, and resumes without sending again', async () => {
    const out = join(dir, 'demo-secops');
    const first = await ctxsiem(['demo', '--sink', 'secops', '--out', out, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary.sink).toBe('secops');
    const imported = Number(/(\d+) logs imported into the SecOps contract server/.exec(first.stderr)?.[1]);
    expect(imported).toBe(summary.totals.records);
    expect(first.stderr).toMatch(/CITRIX_MONITOR \d+/);
    // A second demo resumes from the checkpoints: only what became due since is sent.
    const second = await ctxsiem(['demo', '--sink', 'secops', '--out', out, '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).totals.records).toBeLessThan(summary.totals.records);
  });

  it('each demo sink keeps its own state: a SIEM demo after a file demo in the same folder sends it all', async () => {
    const out = join(dir, 'demo-shared');
    const files = await ctxsiem(['demo', '--out', out, '--json']);
    expect(files.code, files.stderr).toBe(0);
    type Positions = { streams: { stream: string; from: string; to: string }[] };
    const filesRun = JSON.parse(files.stdout) as Positions;
    const azure = await ctxsiem(['demo', '--sink', 'azure-monitor', '--out', out, '--json']);
    expect(azure.code, azure.stderr).toBe(0);
    // Its own six hours, not the file demo's checkpoints: each stream starts where the file demo's
    // started (or an hour later, had the hour turned in between), far before where that one ended. The
    // record counts are not compared: the emulator's rows change between the runs as Monitor's do.
    const azureRun = JSON.parse(azure.stdout) as Positions;
    expect(azureRun.streams.map((s) => s.stream).sort()).toEqual(
      filesRun.streams.map((s) => s.stream).sort(),
    );
    for (const stream of azureRun.streams) {
      const before = filesRun.streams.find((s) => s.stream === stream.stream)!;
      expect(Date.parse(stream.from) - Date.parse(before.from), stream.stream).toBeLessThanOrEqual(HOUR_MS);
      expect(Date.parse(stream.from), stream.stream).toBeLessThan(Date.parse(before.to) - 4 * HOUR_MS);
    }
    expect(azure.stderr).toContain(`Dead letters and checkpoints are under ${join(out, '_azure-monitor')}/`);
  });

  it('azure-monitor: runs the demo into the Azure Monitor contract server it starts, over HTTPS', async () => {
    const result = await ctxsiem([
      'demo',
      '--sink',
      'azure-monitor',
      '--out',
      join(dir, 'demo-azure'),
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).sink).toBe('azure-monitor');
    expect(result.stderr).toMatch(/Custom-CitrixMonitorSessions \d+/);
    // The server stored the records as Azure would, under the DCR the deployment generates.
    expect(result.stderr).toMatch(/Azure would store [1-9]\d* rows in [1-9]\d* tables; nothing dropped/);
  });
});
