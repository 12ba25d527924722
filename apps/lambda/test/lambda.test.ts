/**
 * The Lambda as users deploy it: `dist/lambda.zip` built by the project's packaging script, unzipped,
 * and loaded in a fresh Node process that invokes its handler as the Lambda runtime does, against the
 * emulator (Citrix Cloud), MinIO (the bucket) and moto (Secrets Manager). Configured with the seeds'
 * documented environment variables.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { decodeNdjson, HOUR_MS, type JsonRecord } from '@ctxsiem/core';
import { MINIMUM_MEMORY_MB } from '@ctxsiem/deployment';
import { type Emulator, startEmulator } from '@ctxsiem/emulator';
import { type RunningMinio, type RunningMoto, startMinio, startMoto } from '@ctxsiem/local-services';
import { ensureBucket, listObjectKeys } from '@ctxsiem/object-store-s3';
import { runCli, TEST_SECRETS } from '@ctxsiem/test-kit';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIGURES_COMMAND, staleFigures } from '../../../scripts/artifact-figures.ts';
import { type PackagedFunction, packageFunction, unpackFunction } from '../../../scripts/package-app.ts';

const INVOKER = join(import.meta.dirname, 'support', 'invoke-handler.ts');
const BUCKET = 'citrix-monitor-logs';
const SECRET = TEST_SECRETS.cloudFunction;
/** The emulator's clock stands still, so its data (the truth compared with) does not move. */
const NOW = Math.floor(Date.now() / 1000) * 1000;
const LAST_HOUR = new Date(Math.floor(NOW / HOUR_MS) * HOUR_MS - 3 * HOUR_MS);
/** An EventBridge Scheduler schedule's input: one schedule per tenant. */
const SCHEDULE = { tenants: ['acme'] };
/** An EventBridge rule's scheduled event. */
const RULE_EVENT = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: new Date(NOW).toISOString(),
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/CitrixMonitorCollector'],
  detail: {},
};

let dir: string;
let packaged: PackagedFunction;
let indexFile: string;
let minio: RunningMinio;
let moto: RunningMoto;
let emulator: Emulator;
let s3: S3Client;

interface Outcome {
  ok: boolean;
  result?: { statusCode: number; body: string };
  errorType?: string;
  errorMessage?: string;
  elapsedMs: number;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctxsiem-lambda-'));
  packaged = await packageFunction('lambda', join(dir, 'build'));
  await unpackFunction(packaged.zip, join(dir, 'unzipped'));
  indexFile = join(dir, 'unzipped', 'index.mjs');
  [minio, moto, emulator] = await Promise.all([
    startMinio(),
    startMoto(),
    startEmulator({
      seed: 17,
      now: () => NOW,
      latencyMs: 200,
      customers: [{ customerId: 'acme', clientId: 'acme-client', clientSecret: SECRET }],
    }),
  ]);
  const connection = minio.connection(BUCKET);
  await ensureBucket(connection);
  s3 = new S3Client(connection);
  const secrets = new SecretsManagerClient({
    endpoint: moto.endpoint,
    region: moto.region,
    credentials: moto,
  });
  await secrets.send(
    new CreateSecretCommand({
      Name: 'ctxsiem/citrix',
      SecretString: JSON.stringify({ clientSecret: SECRET }),
    }),
  );
  secrets.destroy();
}, 300_000);
afterAll(async () => {
  s3?.destroy();
  await Promise.all([minio?.stop(), moto?.stop(), emulator?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Seed 002's documented variables, pointed at the local servers, the secret in Secrets Manager. */
function seedEnvironment(prefix: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    S3_BUCKET: BUCKET,
    S3_PREFIX: prefix,
    STATE_KEY: `${prefix}/state.json`,
    CITRIX_CLIENT_ID: 'acme-client',
    CITRIX_CLIENT_SECRET: 'secretsmanager:ctxsiem/citrix#clientSecret',
    CITRIX_CUSTOMER_ID: 'acme',
    API_BASE: emulator.url,
    ENTITIES: 'Sessions,Machines',
    PAGE_SIZE: '1000',
    LOOKBACK_MINUTES: '75',
    USE_TIME_FILTER: 'true',
    // What the Lambda runtime and the test servers add.
    AWS_REGION: minio.region,
    AWS_ACCESS_KEY_ID: minio.accessKeyId,
    AWS_SECRET_ACCESS_KEY: minio.secretAccessKey,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.endpoint,
    S3_ENDPOINT: minio.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    LAMBDA_SAFETY_MARGIN_SECONDS: '1',
    LOG_LEVEL: 'info',
    ...overrides,
  };
}

/** Invokes the unzipped handler in one fresh Node process (a new container), in order. */
async function invoke(
  env: Record<string, string>,
  invocations: { event: unknown; remainingMs: number }[],
): Promise<{ outcomes: Outcome[]; stdout: string; stderr: string }> {
  const run = await runCli(INVOKER, [indexFile, JSON.stringify(invocations)], { env, label: 'lambda' });
  const outcomes = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('INVOCATION '))
    .map((line) => JSON.parse(line.slice('INVOCATION '.length)) as Outcome);
  expect(outcomes.length, `${run.stdout}\n${run.stderr}`).toBe(invocations.length);
  for (const secret of [SECRET, minio.secretAccessKey]) expect(run.stdout + run.stderr).not.toContain(secret);
  return { outcomes, stdout: run.stdout, stderr: run.stderr };
}

const body = (outcome: Outcome) => {
  expect(outcome.ok, `${outcome.errorType}: ${outcome.errorMessage}`).toBe(true);
  expect(outcome.result?.statusCode).toBe(200);
  return JSON.parse(outcome.result!.body) as {
    success: boolean;
    records_written: number;
    entities_processed: string[];
    summary: {
      budgetExhausted: boolean;
      streams: { stream: string; from: string; to: string; status: string }[];
      totals: { busy: string[]; blocked: string[] };
    };
  };
};

async function storedRecords(prefix: string, entity: string): Promise<JsonRecord[]> {
  const keys = await listObjectKeys({ ...minio.connection(BUCKET), prefix: `${prefix}/${entity}/` });
  const records: JsonRecord[] = [];
  for (const key of keys) {
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    records.push(...decodeNdjson((await object.Body?.transformToString()) ?? ''));
  }
  return records;
}

const versions = (records: Iterable<JsonRecord>, key: string, cursor: string) =>
  [...records].map((r) => `${String(r[key])}@${String(r[cursor])}`).sort();

describe('the Lambda artifact', () => {
  it('is index.mjs and its chunks in a zip under 1.5 MB, byte-identical across clean builds, with its base64 SHA-256 beside it', async () => {
    const again = await packageFunction('lambda', join(dir, 'build-again'));
    expect(await readFile(again.zip)).toEqual(await readFile(packaged.zip));
    expect(again.sha256).toBe(packaged.sha256);
    expect((await readFile(`${packaged.zip}.base64sha256`, 'utf8')).trim()).toBe(packaged.sha256);
    expect(packaged.bytes).toBeLessThanOrEqual(1.5 * 1024 * 1024);
    const files = Object.keys(unzipSync(await readFile(packaged.zip)));
    expect(files[files.length - 1]).toBe('index.mjs');
    expect(files.slice(0, -1).every((path) => /^chunks\/[\w-]+\.mjs$/.test(path))).toBe(true);
  });

  it('has its size and memory minimum in the README as the build and the measurement give them', async () => {
    const readme = await readFile(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    expect(staleFigures(readme, 'lambda', packaged.bytes), `stale: run ${FIGURES_COMMAND}`).toBeUndefined();
    // A build a fifth larger than the README says makes it stale.
    expect(staleFigures(readme, 'lambda', packaged.bytes * 1.2)).toMatch(/% off/);
  });

  it("stops inside each invocation's time, continues the seed's state.json in the next, and ends with exactly the emulator's records", async () => {
    const prefix = 'citrix_monitor';
    const legacy = JSON.stringify({ last_hour_utc: LAST_HOUR.toISOString().replace('.000Z', 'Z') });
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/state.json`, Body: legacy }));
    // Small pages (Prefer: odata.maxpagesize) at 200 ms each: more than one invocation's worth. A 2 s
    // budget, and 2 s of margin for stopping: a loaded machine is slower to stop than an idle one.
    const env = seedEnvironment(prefix, { PAGE_SIZE: '50', LAMBDA_SAFETY_MARGIN_SECONDS: '2' });
    const remainingMs = 4_000;

    const first = await invoke(env, [{ event: SCHEDULE, remainingMs }]);
    const firstBody = body(first.outcomes[0]!);
    expect(firstBody.summary.budgetExhausted).toBe(true);
    expect(first.outcomes[0]!.elapsedMs).toBeLessThan(remainingMs);
    for (const stream of firstBody.summary.streams)
      expect(stream.from).toBe(new Date(LAST_HOUR.getTime() + HOUR_MS).toISOString());
    // Powertools metrics: one Embedded Metric Format line per invocation.
    expect(first.stdout).toMatch(/"_aws":\{.*"Metrics":\[.*"RecordsWritten"/);

    // New containers continue, invocation after invocation, until nothing is due: as many as the
    // machine's speed needs (an idle one, five or so), each inside its time.
    const events = Array.from({ length: 12 }, (_, i) => ({
      event: i % 2 ? RULE_EVENT : SCHEDULE,
      remainingMs,
    }));
    const bodies: ReturnType<typeof body>[] = [];
    while (bodies.length < 60 && bodies.every((b) => b.summary.budgetExhausted)) {
      const rest = await invoke(env, events);
      for (const outcome of rest.outcomes) expect(outcome.elapsedMs).toBeLessThan(remainingMs);
      bodies.push(...rest.outcomes.map(body));
    }
    expect(
      bodies.some((b) => !b.summary.budgetExhausted),
      'some invocation caught up',
    ).toBe(true);
    // The last one too: each later invocation only delivers the seconds that became due meanwhile.
    const final = bodies.at(-1)!;
    expect(final.summary.budgetExhausted).toBe(false);
    expect(final.entities_processed.sort()).toEqual(['Machines', 'Sessions']);
    const written = [firstBody, ...bodies].reduce((sum, b) => sum + b.records_written, 0);

    let stored = 0;
    for (const stream of final.summary.streams) {
      const key = emulator.data.keyColumn(stream.stream);
      const cursor = emulator.data.cursorColumn(stream.stream);
      const truth = [
        ...emulator.data.monitor(stream.stream, {
          from: new Date(LAST_HOUR.getTime() + HOUR_MS),
          to: new Date(stream.to),
        }),
      ];
      const records = await storedRecords(prefix, stream.stream);
      expect(truth.length).toBeGreaterThan(0);
      expect(versions(records, key, cursor), `${stream.stream}: nothing lost, nothing duplicated`).toEqual(
        versions(truth, key, cursor),
      );
      stored += records.length;
    }
    expect(written).toBe(stored);
    // The seed's state file is left as it was.
    const seedState = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${prefix}/state.json` }));
    expect(await seedState.Body?.transformToString()).toBe(legacy);
  }, 400_000);

  it('two overlapping invocations both succeed: the one that finds a stream held leaves it busy', async () => {
    // Twelve hours behind in small pages: each invocation holds a stream until its 9 s budget ends, so
    // the two overlap even when a loaded machine starts their processes seconds apart.
    const env = seedEnvironment('overlap', { PAGE_SIZE: '50', LOOKBACK_MINUTES: '720' });
    const [a, b] = await Promise.all([
      invoke(env, [{ event: SCHEDULE, remainingMs: 10_000 }]),
      invoke(env, [{ event: SCHEDULE, remainingMs: 10_000 }]),
    ]);
    const busy = [a, b].flatMap((run) => body(run.outcomes[0]!).summary.totals.busy);
    expect(busy.length).toBeGreaterThan(0);
  });

  it('an invocation killed at its deadline blocks its streams a minute past that deadline at most, then the next one resumes them', async () => {
    const prefix = 'killed';
    // Twelve hours behind: more than one invocation's worth of small pages.
    const env = seedEnvironment(prefix, { PAGE_SIZE: '50', LOOKBACK_MINUTES: '720' });
    const remainingMs = 8_000;
    const stateKeys = ['Sessions', 'Machines'].map((s) => `_ctxsiem/${prefix}/state/acme/monitor/${s}.json`);
    const leaseOf = async (key: string) => {
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
        const stored = JSON.parse((await object.Body?.transformToString()) ?? '{}') as {
          state: { position: string; lease?: { owner: string; expiresAt: string } };
        };
        return stored.state;
      } catch {
        return undefined;
      }
    };
    // The platform's kill: SIGKILL while the run holds its streams, before it could stop and let go.
    const child = spawn(
      process.execPath,
      [
        '--conditions=@ctxsiem/source',
        INVOKER,
        indexFile,
        JSON.stringify([{ event: SCHEDULE, remainingMs }]),
      ],
      {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    let running = true;
    void exited.then(() => {
      running = false;
    });
    let held: Awaited<ReturnType<typeof leaseOf>>;
    while (running && !held?.lease) {
      held = await leaseOf(stateKeys[0]!);
      if (!held?.lease) await sleep(50);
    }
    child.kill('SIGKILL');
    const killedAt = Date.now();
    await exited;
    expect(held?.lease, `the invocation took its lease before it was killed\n${output}`).toBeDefined();
    // Its lease ends within a minute of the invocation's deadline (not runner.leaseSeconds, 10 min).
    const expiresAt = Date.parse(held!.lease!.expiresAt);
    expect(expiresAt).toBeLessThanOrEqual(killedAt + remainingMs + 60_000);

    // The next invocation, at once: the stream is still held by a process that is gone — blocked, and
    // says until when.
    const early = body((await invoke(env, [{ event: SCHEDULE, remainingMs }])).outcomes[0]!);
    expect(early.summary.totals.blocked).toContain('acme/monitor/Sessions');

    // Once that minute has passed, the next invocation takes the streams over and resumes them.
    const stillHeld = await Promise.all(stateKeys.map(leaseOf));
    const until = Math.max(...stillHeld.map((s) => (s?.lease ? Date.parse(s.lease.expiresAt) : 0)));
    await sleep(Math.max(0, until - Date.now()) + 500);
    const after = body((await invoke(env, [{ event: SCHEDULE, remainingMs }])).outcomes[0]!);
    expect(after.summary.totals.busy).toEqual([]);
    expect(after.summary.totals.blocked).toEqual([]);
    const sessions = after.summary.streams.find((s) => s.stream === 'Sessions')!;
    expect(sessions.status).not.toBe('busy');
    expect(sessions.status).not.toBe('blocked');
    expect(sessions.from).toBe(stillHeld[0]!.position);
  }, 240_000);

  it("runs seed 001's documented environment unchanged: Analytics into its bucket", async () => {
    const env = seedEnvironment('citrix_analytics', {
      API_BASE: `${emulator.url}/casodata`,
      ENTITIES: 'sessions,machines,users',
      TOP_N: '1000',
      LAMBDA_SAFETY_MARGIN_SECONDS: '5',
      // From three hours back: with the first run's default start (the hour of now − 75 min) the one
      // hour due may not be published yet at some minutes of the hour, and the run rightly collects
      // nothing — the test must not depend on the time of day.
      START: LAST_HOUR.toISOString(),
    });
    delete env.PAGE_SIZE;
    delete env.USE_TIME_FILTER;
    const { outcomes } = await invoke(env, [{ event: RULE_EVENT, remainingMs: 120_000 }]);
    const result = body(outcomes[0]!);
    expect(result.entities_processed.sort()).toEqual(['machines', 'sessions', 'users']);
    expect(result.records_written).toBeGreaterThan(0);
    expect((await storedRecords('citrix_analytics', 'sessions')).length).toBeGreaterThan(0);
  });

  it('fails the invocation when a stream fails, naming it, with its checkpoint kept', async () => {
    const forbidden = await startEmulator({
      now: () => NOW,
      customers: [{ customerId: 'acme', clientId: 'acme-client', clientSecret: SECRET }],
      faults: { forbidden: true },
    });
    try {
      const { outcomes } = await invoke(seedEnvironment('forbidden', { API_BASE: forbidden.url }), [
        { event: SCHEDULE, remainingMs: 10_000 },
      ]);
      expect(outcomes[0]).toMatchObject({ ok: false, errorType: 'StreamsFailedError' });
      expect(outcomes[0]!.errorMessage).toMatch(
        /^2 stream\(s\) failed: acme\/monitor\/(Sessions|Machines): the API client lacks permission/,
      );
      expect(outcomes[0]!.errorMessage).toMatch(/checkpoint kept at/);
    } finally {
      await forbidden.close();
    }
  });

  it('warns at start when the function has less memory than the Lambda was measured to need', async () => {
    const small = await invoke(seedEnvironment('memory', { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128' }), [
      { event: { tenants: ['globex'] }, remainingMs: 5_000 },
    ]);
    expect(small.stdout + small.stderr).toMatch(
      new RegExp(
        `this lambda has 128 MB of memory; it was measured to need ${MINIMUM_MEMORY_MB.lambda} MB .*give it at least ${MINIMUM_MEMORY_MB.lambda} MB`,
      ),
    );
    const enough = await invoke(
      seedEnvironment('memory', { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(MINIMUM_MEMORY_MB.lambda) }),
      [{ event: { tenants: ['globex'] }, remainingMs: 5_000 }],
    );
    expect(enough.stdout + enough.stderr).not.toMatch(/measured to need/);
  });

  it.each([
    ['a missing variable', { CITRIX_CLIENT_ID: '' }, {}, /CITRIX_CLIENT_ID/],
    ['an invalid variable', { PAGE_SIZE: 'lots' }, {}, /sources\[0\]\.pageSize: .*\(from PAGE_SIZE\)/],
    [
      "the test kit's generated source, which the artifact does not hold",
      { SOURCE: 'generated' },
      {},
      /sources\[0\]\.type: Invalid discriminator value\. Expected 'analytics'(?:(?!generated).)*'monitor'(?:(?!generated).)*\(from SOURCE\)/,
    ],
    [
      'a secret that is not there',
      { CITRIX_CLIENT_SECRET: 'secretsmanager:ctxsiem/none' },
      {},
      /tenants\[0\]\.clientSecret: could not read secretsmanager:ctxsiem\/none: ResourceNotFoundException/,
    ],
    [
      'an event naming a tenant not configured',
      {},
      { tenants: ['globex'] },
      /event\.tenants: "globex" is not configured \(configured: acme\)/,
    ],
    [
      'a timeout too short for the margin',
      { LAMBDA_SAFETY_MARGIN_SECONDS: '60' },
      {},
      /LAMBDA_SAFETY_MARGIN_SECONDS: leaves 0 ms of the \d+ ms/,
    ],
  ])('fails at the start on %s, naming it', async (_label, overrides, event, message) => {
    const env = seedEnvironment('bad', overrides);
    for (const [name, value] of Object.entries(overrides)) if (value === '') delete env[name];
    const { outcomes } = await invoke(env, [{ event, remainingMs: 5_000 }]);
    expect(outcomes[0]!.ok).toBe(false);
    expect(outcomes[0]!.errorMessage).toMatch(message);
  });
});
