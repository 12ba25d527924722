/**
 * The Cloud Run function as users deploy it: `dist/function.zip` built by the project's packaging
 * script, unzipped, and served by the functions framework in a child process — over HTTP as Cloud
 * Scheduler calls it, and as a Pub/Sub CloudEvent — against the emulator (Citrix Cloud),
 * fake-gcs-server (the bucket) and a Secret Manager contract server.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeNdjson, type JsonRecord } from '@ctxsiem/core';
import { type Emulator, startEmulator } from '@ctxsiem/emulator';
import {
  freePort,
  type RunningServer,
  type SecretManagerApi,
  startFakeGcs,
  startSecretManagerApi,
} from '@ctxsiem/local-services';
import { ensureBucket } from '@ctxsiem/object-store-gcs';
import { keepProcessOutput, TEST_SECRETS } from '@ctxsiem/test-kit';
import { Storage } from '@google-cloud/storage';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIGURES_COMMAND, staleFigures } from '../../../scripts/artifact-figures.ts';
import {
  FUNCTIONS_FRAMEWORK_VERSION,
  type PackagedFunction,
  packageFunction,
  unpackFunction,
} from '../../../scripts/package-app.ts';

/** The framework's command (its package's `bin`), beside its main module. */
const FRAMEWORK = join(
  dirname(createRequire(import.meta.url).resolve('@google-cloud/functions-framework')),
  'main.js',
);
const BUCKET = 'citrix-session-logs';
const SECRET = TEST_SECRETS.cloudFunction;
const NOW = Math.floor(Date.now() / 1000) * 1000;

let dir: string;
let source: string;
let packaged: PackagedFunction;
let gcs: RunningServer;
let secretManager: SecretManagerApi;
let emulator: Emulator;
let storage: Storage;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctxsiem-function-'));
  packaged = await packageFunction('cloud-function', join(dir, 'build'));
  source = join(dir, 'unzipped');
  await unpackFunction(packaged.zip, source);
  [gcs, secretManager, emulator] = await Promise.all([
    startFakeGcs(),
    startSecretManagerApi(),
    startEmulator({
      seed: 23,
      now: () => NOW,
      latencyMs: 200,
      customers: [{ customerId: 'acme', clientId: 'acme-client', clientSecret: SECRET }],
    }),
  ]);
  secretManager.addVersion('citrix-prod', 'citrix-client', SECRET);
  secretManager.addVersion('citrix-prod', 'other-team', 'other-team-secret-9a8b');
  secretManager.denied.add('projects/citrix-prod/secrets/other-team');
  await ensureBucket({ bucket: BUCKET, endpoint: gcs.endpoint, projectId: 'test' });
  storage = new Storage({ apiEndpoint: gcs.endpoint, projectId: 'test' });
}, 300_000);
afterAll(async () => {
  await Promise.all([gcs?.stop(), secretManager?.close(), emulator?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Seed 000's documented variables, the sink's bucket, and the local servers. */
function environment(prefix: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    URL_DOMAIN: emulator.url,
    CITRIX_CUSTOMER_ID: 'acme',
    CITRIX_CLIENT_ID: 'acme-client',
    CITRIX_CLIENT_SECRET: 'gcpsecret:projects/citrix-prod/secrets/citrix-client/versions/latest',
    CHRONICLE_FUNCTION_INTERVAL: '180',
    ENTITIES: 'Sessions,Machines',
    GCS_BUCKET: BUCKET,
    GCS_PREFIX: prefix,
    GCS_ENDPOINT: gcs.endpoint,
    GOOGLE_CLOUD_PROJECT: 'test',
    GCP_SECRET_MANAGER_ENDPOINT: secretManager.endpoint,
    FUNCTION_TIMEOUT_SECONDS: '60',
    FUNCTION_SAFETY_MARGIN_SECONDS: '1',
    LOG_LEVEL: 'info',
    ...overrides,
  };
}

interface Served {
  url: string;
  /** What the function printed so far (its JSON log lines). */
  output(): string;
  stop(): Promise<void>;
}

/** Serves the unzipped function with the functions framework, as Cloud Run does. */
async function serve(target: 'collect' | 'collectEvent', env: Record<string, string>): Promise<Served> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      FRAMEWORK,
      `--target=${target}`,
      `--signature-type=${target === 'collect' ? 'http' : 'cloudevent'}`,
      `--source=${source}`,
      `--port=${port}`,
    ],
    {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const url = `http://127.0.0.1:${port}/`;
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`the functions framework exited: ${stdout}\n${stderr}`);
    if (/Serving function/.test(stdout)) break;
    if (attempt > 300) throw new Error(`the functions framework did not start: ${stdout}\n${stderr}`);
    await sleep(50);
  }
  return {
    url,
    output: () => stdout + stderr,
    stop: async () => {
      if (child.exitCode === null) {
        const closed = new Promise((resolve) => child.once('close', resolve));
        child.kill('SIGTERM');
        await closed;
      }
      keepProcessOutput('cloud-function', stdout, stderr);
      for (const secret of [SECRET]) expect(stdout + stderr).not.toContain(secret);
    },
  };
}

interface Answer {
  status: number;
  body: {
    success: boolean;
    error?: string;
    records_written?: number;
    entities_processed?: string[];
    summary?: { budgetExhausted: boolean; streams: { stream: string; to: string; status: string }[] };
  };
  elapsedMs: number;
}

/**
 * Cloud Scheduler's call: POST with a JSON body, sent as `application/octet-stream` (Scheduler's
 * default when the job sets no Content-Type header) unless another type is given; a string is sent as is.
 */
async function schedulerCall(
  url: string,
  body?: unknown,
  contentType = 'application/octet-stream',
): Promise<Answer> {
  const started = Date.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType, 'user-agent': 'Google-Cloud-Scheduler' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return {
    status: response.status,
    body: (await response.json()) as Answer['body'],
    elapsedMs: Date.now() - started,
  };
}

/** A Pub/Sub push of a message, as Eventarc delivers it (a binary-mode CloudEvent); a string is the data as is. */
async function pubSubEvent(url: string, selection: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'ce-id': randomUUID(),
      'ce-specversion': '1.0',
      'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
      'ce-source': '//pubsub.googleapis.com/projects/test/topics/ctxsiem-collect',
      'ce-time': new Date().toISOString(),
    },
    body: JSON.stringify({
      message: {
        data: Buffer.from(typeof selection === 'string' ? selection : JSON.stringify(selection)).toString(
          'base64',
        ),
        messageId: '1',
        publishTime: new Date().toISOString(),
      },
      subscription: 'projects/test/subscriptions/ctxsiem-collect',
    }),
  });
  return { status: response.status, text: await response.text() };
}

async function storedRecords(prefix: string, entity: string): Promise<JsonRecord[]> {
  const [files] = await storage.bucket(BUCKET).getFiles({ prefix: `${prefix}/${entity}/` });
  const records: JsonRecord[] = [];
  for (const file of files) records.push(...decodeNdjson((await file.download())[0].toString('utf8')));
  return records;
}

const versions = (records: Iterable<JsonRecord>, key: string, cursor: string) =>
  [...records].map((r) => `${String(r[key])}@${String(r[cursor])}`).sort();

/** The emulator's records of each stream from `from` to where the last call left its checkpoint. */
async function expectExactly(prefix: string, from: Date, streams: { stream: string; to: string }[]) {
  for (const stream of streams) {
    const key = emulator.data.keyColumn(stream.stream);
    const cursor = emulator.data.cursorColumn(stream.stream);
    const truth = [...emulator.data.monitor(stream.stream, { from, to: new Date(stream.to) })];
    expect(truth.length).toBeGreaterThan(0);
    expect(versions(await storedRecords(prefix, stream.stream), key, cursor), stream.stream).toEqual(
      versions(truth, key, cursor),
    );
  }
}

/** Where a first run starts with CHRONICLE_FUNCTION_INTERVAL=180: the hour of now − 180 minutes. */
const firstHour = () => new Date(Math.floor((Date.now() - 180 * 60_000) / 3_600_000) * 3_600_000);

describe('the Cloud Run function artifact', () => {
  it('is index.mjs, its chunks and a package.json pinning the functions framework, byte-identical across clean builds', async () => {
    const again = await packageFunction('cloud-function', join(dir, 'build-again'));
    expect(await readFile(again.zip)).toEqual(await readFile(packaged.zip));
    expect((await readFile(`${packaged.zip}.base64sha256`, 'utf8')).trim()).toBe(packaged.sha256);
    const files = unzipSync(await readFile(packaged.zip));
    expect(Object.keys(files).filter((path) => !path.startsWith('chunks/'))).toEqual([
      'index.mjs',
      'package-lock.json',
      'package.json',
    ]);
    const manifest = JSON.parse(Buffer.from(files['package.json']!).toString('utf8'));
    expect(manifest).toMatchObject({
      main: 'index.mjs',
      type: 'module',
      dependencies: { '@google-cloud/functions-framework': FUNCTIONS_FRAMEWORK_VERSION },
    });
  });

  it('has its size and memory minimum in the README as the build and the measurement give them', async () => {
    const readme = await readFile(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    expect(
      staleFigures(readme, 'cloud-function', packaged.bytes),
      `stale: run ${FIGURES_COMMAND}`,
    ).toBeUndefined();
  });

  it("pins everything Cloud Build installs: a package-lock.json, so the buildpack runs `npm ci` on the workspace's versions and hashes", async () => {
    const lock = JSON.parse(await readFile(join(source, 'package-lock.json'), 'utf8')) as {
      lockfileVersion: number;
      packages: Record<string, { version?: string; resolved?: string; integrity?: string }>;
    };
    expect(lock.lockfileVersion).toBe(3);
    const installed = Object.entries(lock.packages).filter(([path]) => path !== '');
    expect(lock.packages['node_modules/@google-cloud/functions-framework']?.version).toBe(
      FUNCTIONS_FRAMEWORK_VERSION,
    );
    for (const [path, entry] of installed) {
      expect(entry.integrity, path).toMatch(/^sha512-/);
      expect(entry.resolved, path).toMatch(/^https:\/\/registry\.npmjs\.org\/.+\.tgz$/);
    }
    // npm itself accepts the lock as in sync with the package.json and complete (offline: it plans
    // the install from the lock alone, fetching nothing). The npm on PATH: bin/bootstrap needs one to fetch the toolchain.
    const npm = spawn('npm', ['ci', '--dry-run', '--offline', '--ignore-scripts'], {
      cwd: source,
      env: { PATH: process.env.PATH ?? '', HOME: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout.on('data', (chunk) => {
      output += chunk;
    });
    npm.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const code = await new Promise<number | null>((resolve) => npm.on('close', resolve));
    expect(code, output).toBe(0);
    expect(output).toContain(`added ${installed.length} packages`);
  });

  it("over HTTP: stops inside the function's timeout, the next call continues, and the bucket holds exactly the emulator's records", async () => {
    const prefix = 'citrix_sessions';
    const from = firstHour();
    // A 2 s budget, and 2 s of margin for stopping: a loaded machine is slower to stop than an idle one.
    const timeoutMs = 4_000;
    const served = await serve(
      'collect',
      environment(prefix, {
        FUNCTION_TIMEOUT_SECONDS: String(timeoutMs / 1000),
        FUNCTION_SAFETY_MARGIN_SECONDS: '2',
        PAGE_SIZE: '50',
      }),
    );
    try {
      const answers: Answer[] = [];
      // Calls until one catches up (each kind of call at least once): as many as the machine's speed
      // needs, each inside the timeout.
      const behind = () => answers.every((a) => a.body.summary?.budgetExhausted);
      for (let call = 0; call < 3 || (call < 60 && behind()); call++) {
        // Scheduler's default octet-stream, with a selection or without a body; and JSON.
        const answer =
          call % 3 === 2
            ? await schedulerCall(served.url, { tenants: ['acme'] }, 'application/json')
            : await schedulerCall(served.url, call % 3 ? { tenants: ['acme'] } : undefined);
        expect(answer.status, answer.body.error).toBe(200);
        expect(answer.elapsedMs).toBeLessThan(timeoutMs);
        answers.push(answer);
      }
      expect(answers[0]!.body.summary?.budgetExhausted).toBe(true);
      const last = answers.at(-1)!.body;
      expect(last.summary?.budgetExhausted).toBe(false);
      expect(last.entities_processed?.sort()).toEqual(['Machines', 'Sessions']);
      await expectExactly(prefix, from, last.summary!.streams);
    } finally {
      await served.stop();
    }
  }, 400_000);

  it('as a Pub/Sub CloudEvent: collects what the message selects; acknowledges, logged, an event that can never succeed; fails one that may', async () => {
    // Without FUNCTION_TIMEOUT_SECONDS the budget assumes 300 s, and the function says what to set.
    const env = environment('citrix_events');
    delete env.FUNCTION_TIMEOUT_SECONDS;
    const served = await serve('collectEvent', env);
    try {
      const ok = await pubSubEvent(served.url, { tenants: ['acme'], sources: ['monitor'] });
      expect(ok.status, ok.text).toBeLessThan(300);
      expect((await storedRecords('citrix_events', 'Sessions')).length).toBeGreaterThan(0);
      expect(served.output()).toMatch(
        /FUNCTION_TIMEOUT_SECONDS is not set: the budget assumes a 300 s timeout/,
      );
      // Redelivering these would fail the same way forever: acknowledged, each logged as an error.
      for (const [data, reason] of [
        [{ tenants: ['globex'] }, /\\"globex\\" is not configured/],
        ['collect please', /message\.data: must be empty or a JSON selection/],
        [{ tenants: 'acme' }, /message\.tenants: .*expected array/],
      ] as const) {
        const answer = await pubSubEvent(served.url, data);
        expect(answer.status, answer.text).toBeLessThan(300);
        expect(served.output()).toMatch(reason);
      }
      expect(served.output().match(/event acknowledged without a run/g)).toHaveLength(3);
    } finally {
      await served.stop();
    }
    // A stream that failed may pass next time: the event fails, and Pub/Sub delivers it again.
    const forbidden = await startEmulator({
      now: () => NOW,
      customers: [{ customerId: 'acme', clientId: 'acme-client', clientSecret: SECRET }],
      faults: { forbidden: true },
    });
    const failing = await serve(
      'collectEvent',
      environment('citrix_events_failing', { URL_DOMAIN: forbidden.url }),
    );
    try {
      const failed = await pubSubEvent(failing.url, { tenants: ['acme'] });
      expect(failed.status).toBe(500);
    } finally {
      await failing.stop();
      await forbidden.close();
    }
  });

  it('answers 500 naming the failed streams (their checkpoints kept), 400 for a body that is not a selection and 422 for a tenant not configured, each refusal logged', async () => {
    const forbidden = await startEmulator({
      now: () => NOW,
      customers: [{ customerId: 'acme', clientId: 'acme-client', clientSecret: SECRET }],
      faults: { forbidden: true },
    });
    const served = await serve('collect', environment('citrix_forbidden', { URL_DOMAIN: forbidden.url }));
    try {
      const failed = await schedulerCall(served.url);
      expect(failed.status).toBe(500);
      expect(failed.body.error).toMatch(
        /^2 stream\(s\) failed: acme\/monitor\/(Sessions|Machines): the API client lacks permission/,
      );
      expect(failed.body.error).toMatch(/checkpoint kept at/);
      const bad = await schedulerCall(served.url, { tenants: 'acme' }, 'application/json');
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatch(/body\.tenants: .*expected array/);
      const text = await schedulerCall(served.url, 'collect please', 'text/plain');
      expect(text.status).toBe(400);
      expect(text.body.error).toMatch(/body: must be empty or a JSON selection/);
      const get = await fetch(served.url);
      expect(get.status).toBe(405);
      expect(served.output().match(/"request refused"/g)).toHaveLength(3);
      // Scheduler retries a 5xx; a tenant not configured will not be configured by retrying.
      const unknown = await schedulerCall(served.url, { tenants: ['globex'] });
      expect(unknown.status).toBe(422);
      expect(unknown.body.error).toMatch(/body\.tenants: "globex" is not configured/);
    } finally {
      await served.stop();
      await forbidden.close();
    }
  });

  it.each([
    ['a missing bucket variable', { GCS_BUCKET: '' }, 422, /GCS_BUCKET/],
    [
      "the test kit's generated source, which the artifact does not hold",
      { SOURCE: 'generated' },
      422,
      /sources\[0\]\.type: Invalid discriminator value\. Expected 'analytics'(?:(?!generated).)*'monitor'(?:(?!generated).)*\(from SOURCE\)/,
    ],
    [
      'a secret the service account may not read',
      { CITRIX_CLIENT_SECRET: 'gcpsecret:projects/citrix-prod/secrets/other-team/versions/1' },
      500,
      /tenants\[0\]\.clientSecret: could not read gcpsecret:projects\/citrix-prod\/secrets\/other-team\/versions\/1: permission denied: the service account needs roles\/secretmanager\.secretAccessor/,
    ],
    [
      'an invalid timeout',
      { FUNCTION_TIMEOUT_SECONDS: 'soon' },
      422,
      /FUNCTION_TIMEOUT_SECONDS: must be the function timeout/,
    ],
    [
      'an invalid interval',
      { CHRONICLE_FUNCTION_INTERVAL: 'hourly' },
      422,
      /\(from CHRONICLE_FUNCTION_INTERVAL\)/,
    ],
  ])(
    'fails at the start on %s, naming it, with a status that says whether a retry can help (422: it cannot)',
    async (_label, overrides, status, message) => {
      const env = environment('citrix_bad', overrides);
      for (const [name, value] of Object.entries(overrides)) if (value === '') delete env[name];
      const served = await serve('collect', env);
      try {
        const answer = await schedulerCall(served.url);
        expect(answer.status).toBe(status);
        expect(answer.body.error).toMatch(message);
      } finally {
        await served.stop();
      }
    },
  );
});
