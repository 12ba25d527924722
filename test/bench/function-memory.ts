/**
 * The memory each built artifact needs: it runs through a catch-up of about 27,000 Monitor records (a
 * day of Sessions behind, as after a week-end stop), from the emulator in its own process, into its
 * usual sink — the Lambda into MinIO, the Cloud Run function (served by the functions framework) into
 * fake-gcs-server, the container's `collect` into files — and its peak RSS (the kernel's maxrss of the
 * artifact's process) is read at exit. Printed beside the minimum `MINIMUM_MEMORY_MB` declares and the
 * minimum this measurement implies (peak × headroom, rounded up to the platform's sizes).
 *
 *   node --conditions=@ctxsiem/source test/bench/function-memory.ts lambda|cloud-function|container
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Artifact, MEMORY_HEADROOM, MINIMUM_MEMORY_MB } from '@ctxsiem/deployment';
import { freePort, startFakeGcs, startMinio } from '@ctxsiem/local-services';
import { ensureBucket as ensureS3Bucket } from '@ctxsiem/object-store-s3';
import { packageFolder, packageFunction, unpackFunction } from '../../scripts/package-app.ts';

const artifact = (process.argv[2] ?? 'lambda') as Artifact;
const SESSIONS_PER_HOUR = 1_000;
const HOURS_BEHIND = 24;
const here = import.meta.dirname;
/** Prints the process's peak RSS (KiB) on stderr as it exits: loaded before the artifact. */
const PEAK_HOOK = `data:text/javascript,process.on("exit",()=>process.stderr.write("PEAK_RSS_KIB "+process.resourceUsage().maxRSS+"\\n"))`;

/** The platform's memory sizes a minimum is rounded up to. */
const STEP_MB: Record<Artifact, number> = { lambda: 64, 'cloud-function': 256, container: 64 };

function output(child: ChildProcess): { text: string } {
  const out = { text: '' };
  child.stdout?.on('data', (chunk) => {
    out.text += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    out.text += chunk;
  });
  return out;
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));

function peakOf(text: string): number {
  const kib = /PEAK_RSS_KIB (\d+)/.exec(text)?.[1];
  if (!kib) throw new Error(`no peak RSS in the artifact's output:\n${text.slice(-3000)}`);
  return Number(kib) / 1024;
}

/** The emulator in its own process (its memory is not the artifact's), its clock standing still. */
async function startEmulatorProcess(now: number): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@ctxsiem/source',
      join(here, 'emulator-process.ts'),
      JSON.stringify({
        seed: 29,
        sessionsPerHour: SESSIONS_PER_HOUR,
        pageSize: 1000,
        nowIso: new Date(now).toISOString(),
      }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const out = output(child);
  for (let waited = 0; !/listening (\S+)/.test(out.text); waited += 50) {
    if (waited > 60_000 || child.exitCode !== null)
      throw new Error(`the emulator did not start: ${out.text}`);
    await sleep(50);
  }
  const url = /listening (\S+)/.exec(out.text)![1]!;
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}

const now = Math.floor(Date.now() / 1000) * 1000;
const tenant = (url: string) => ({
  CITRIX_CUSTOMER_ID: 'demo',
  CITRIX_CLIENT_ID: 'demo',
  CITRIX_CLIENT_SECRET: 'demo',
  API_BASE: url,
  ENTITIES: 'Sessions',
  PAGE_SIZE: '1000',
  LOOKBACK_MINUTES: String(HOURS_BEHIND * 60),
  RECONCILE_HORIZON_MINUTES: '0',
  LOG_LEVEL: 'warn',
});

const dir = await mkdtemp(join(tmpdir(), `ctxsiem-bench-memory-${artifact}-`));
const emulator = await startEmulatorProcess(now);
let peakMb: number;
let records: number;
try {
  if (artifact === 'lambda') {
    const minio = await startMinio();
    try {
      await ensureS3Bucket(minio.connection('citrix-monitor-logs'));
      const packaged = await packageFunction('lambda', join(dir, 'build'));
      await unpackFunction(packaged.zip, join(dir, 'unzipped'));
      const child = spawn(
        process.execPath,
        [
          '--import',
          PEAK_HOOK,
          join(here, '..', '..', 'apps', 'lambda', 'test', 'support', 'invoke-handler.ts'),
          join(dir, 'unzipped', 'index.mjs'),
          JSON.stringify([{ event: {}, remainingMs: 900_000 }]),
        ],
        {
          env: {
            PATH: process.env.PATH ?? '',
            ...tenant(emulator.url),
            S3_BUCKET: 'citrix-monitor-logs',
            S3_PREFIX: 'citrix_monitor',
            AWS_REGION: minio.region,
            AWS_ACCESS_KEY_ID: minio.accessKeyId,
            AWS_SECRET_ACCESS_KEY: minio.secretAccessKey,
            S3_ENDPOINT: minio.endpoint,
            S3_FORCE_PATH_STYLE: 'true',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const out = output(child);
      if ((await exited(child)) !== 0) throw new Error(out.text.slice(-3000));
      const line = out.text.split('\n').find((l) => l.startsWith('INVOCATION '))!;
      const outcome = JSON.parse(line.slice('INVOCATION '.length)) as {
        ok: boolean;
        result?: { body: string };
      };
      if (!outcome.ok) throw new Error(line);
      records = (JSON.parse(outcome.result!.body) as { records_written: number }).records_written;
      peakMb = peakOf(out.text);
    } finally {
      await minio.stop();
    }
  } else if (artifact === 'cloud-function') {
    const gcs = await startFakeGcs();
    try {
      // The bucket, through fake-gcs-server's JSON API (the bench does not depend on the GCS sink).
      const created = await fetch(`${gcs.endpoint}/storage/v1/b?project=test`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'citrix-session-logs' }),
      });
      if (!created.ok) throw new Error(`creating the bucket: ${created.status} ${await created.text()}`);
      const packaged = await packageFunction('cloud-function', join(dir, 'build'));
      await unpackFunction(packaged.zip, join(dir, 'unzipped'));
      const framework = join(
        dirname(
          createRequire(join(here, '..', '..', 'apps', 'cloud-function', 'package.json')).resolve(
            '@google-cloud/functions-framework',
          ),
        ),
        'main.js',
      );
      const port = await freePort();
      const child = spawn(
        process.execPath,
        [
          '--import',
          PEAK_HOOK,
          framework,
          '--target=collect',
          '--signature-type=http',
          `--source=${join(dir, 'unzipped')}`,
          `--port=${port}`,
        ],
        {
          env: {
            PATH: process.env.PATH ?? '',
            ...tenant(emulator.url),
            GCS_BUCKET: 'citrix-session-logs',
            GCS_PREFIX: 'citrix_sessions',
            GCS_ENDPOINT: gcs.endpoint,
            GOOGLE_CLOUD_PROJECT: 'test',
            FUNCTION_TIMEOUT_SECONDS: '900',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const out = output(child);
      for (let waited = 0; !/Serving function/.test(out.text); waited += 50) {
        if (waited > 60_000 || child.exitCode !== null)
          throw new Error(`the framework did not start: ${out.text}`);
        await sleep(50);
      }
      const response = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST' });
      const body = (await response.json()) as { records_written?: number; error?: string };
      if (response.status !== 200) throw new Error(`${response.status}: ${body.error}`);
      records = body.records_written ?? 0;
      child.kill('SIGTERM');
      await exited(child);
      peakMb = peakOf(out.text);
    } finally {
      await gcs.stop();
    }
  } else {
    const image = await packageFolder('container', join(dir, 'image'));
    const child = spawn(
      process.execPath,
      ['--import', PEAK_HOOK, join(image.dir, 'cli.mjs'), 'collect', '--json'],
      {
        env: { PATH: process.env.PATH ?? '', ...tenant(emulator.url), OUTPUT_DIR: join(dir, 'out') },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
    });
    const out = output(child);
    if ((await exited(child)) !== 0) throw new Error(out.text.slice(-3000));
    records = (JSON.parse(stdout) as { totals: { records: number } }).totals.records;
    peakMb = peakOf(out.text);
  }
} finally {
  await emulator.stop();
  await rm(dir, { recursive: true, force: true });
}

const step = STEP_MB[artifact];
const implied = Math.ceil((peakMb * MEMORY_HEADROOM) / step) * step;
console.log(
  JSON.stringify({
    artifact,
    records,
    peakRssMb: Math.round(peakMb),
    impliedMinimumMb: implied,
    declaredMinimumMb: MINIMUM_MEMORY_MB[artifact],
    declaredCovers: MINIMUM_MEMORY_MB[artifact] >= implied,
  }),
);
