/**
 * The function's role as users write it: the Lambda artifact, swapped in for seed 002 (its bucket,
 * prefix and state.json), against moto with IAM enforced — every S3 request signed with an IAM user's
 * key and checked against that user's policy. The policy the README gives, applied verbatim, works;
 * seed 002's own policy fails with the statements to add, and adding what the messages print works.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { HOUR_MS } from '@ctxsiem/core';
import { type Emulator, startEmulator } from '@ctxsiem/emulator';
import { type RunningMoto, startMoto } from '@ctxsiem/local-services';
import { runCli, TEST_SECRETS } from '@ctxsiem/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageFunction, unpackFunction } from '../../../scripts/package-app.ts';

const INVOKER = join(import.meta.dirname, 'support', 'invoke-handler.ts');
/** The `ctxsiem` CLI, whose `check` users run with the function's variables before deploying. */
const CLI = join(import.meta.dirname, '..', '..', 'container', 'src', 'cli.ts');
const README = join(import.meta.dirname, '..', 'README.md');
const BUCKET = 'citrix-monitor-logs';
const PREFIX = 'citrix_monitor';
const SECRET = TEST_SECRETS.cloudFunction;
const NOW = Math.floor(Date.now() / 1000) * 1000;
const LAST_HOUR = new Date(Math.floor(NOW / HOUR_MS) * HOUR_MS - 2 * HOUR_MS);

/** Seed 002's policy for its role (CitrixMonitorLambdaRole), as its guide gives it. */
const SEED_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'AllowPutObjects',
      Effect: 'Allow',
      Action: 's3:PutObject',
      Resource: 'arn:aws:s3:::citrix-monitor-logs/*',
    },
    {
      Sid: 'AllowGetStateObject',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::citrix-monitor-logs/citrix_monitor/state.json',
    },
  ],
};

interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
}

interface Outcome {
  ok: boolean;
  result?: { statusCode: number; body: string };
  errorType?: string;
  errorMessage?: string;
}

let dir: string;
let indexFile: string;
let moto: RunningMoto;
let emulator: Emulator;

/** An IAM query API call to moto (unsigned: before enforcement moto only reads the service's scope). */
async function iam(action: string, params: Record<string, string>): Promise<string> {
  const response = await fetch(moto.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=${moto.accessKeyId}/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams({ Action: action, Version: '2010-05-08', ...params }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`IAM ${action}: ${response.status} ${text}`);
  return text;
}

const tag = (xml: string, name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1] ?? '';

/** Turns moto's IAM enforcement on (every request signed and checked) or off (the test's own setup). */
async function enforceIam(on: boolean): Promise<void> {
  const reset = await fetch(`${moto.endpoint}/moto-api/reset-auth`, {
    method: 'POST',
    body: on ? '0' : 'inf',
  });
  expect(reset.ok).toBe(true);
}

async function setPolicy(user: string, policy: object): Promise<void> {
  await iam('PutUserPolicy', {
    UserName: user,
    PolicyName: 'collector',
    PolicyDocument: JSON.stringify(policy),
  });
}

async function createUser(user: string, policy: object): Promise<Keys> {
  await iam('CreateUser', { UserName: user });
  await setPolicy(user, policy);
  const key = await iam('CreateAccessKey', { UserName: user });
  return { accessKeyId: tag(key, 'AccessKeyId'), secretAccessKey: tag(key, 'SecretAccessKey') };
}

/** The README's policy: the JSON block after its `swap-in-policy` marker, as users copy it. */
async function readmePolicy(): Promise<object> {
  const text = await readFile(README, 'utf8');
  const block = /<!-- swap-in-policy[^>]*-->\n```json\n([\s\S]*?)\n```/.exec(text)?.[1];
  if (!block) throw new Error('the README has no swap-in-policy JSON block');
  return JSON.parse(block) as object;
}

let collector: Keys;
let seed: Keys;
let admin: S3Client;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctxsiem-lambda-iam-'));
  const packaged = await packageFunction('lambda', join(dir, 'build'));
  await unpackFunction(packaged.zip, join(dir, 'unzipped'));
  indexFile = join(dir, 'unzipped', 'index.mjs');
  [moto, emulator] = await Promise.all([
    startMoto(),
    startEmulator({
      seed: 29,
      now: () => NOW,
      customers: [{ customerId: 'acme', clientId: 'acme-client', clientSecret: SECRET }],
    }),
  ]);
  collector = await createUser('collector', await readmePolicy());
  seed = await createUser('seed-role', SEED_POLICY);
  const adminKeys = await createUser('admin', {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  });
  admin = new S3Client({
    endpoint: moto.endpoint,
    region: moto.region,
    forcePathStyle: true,
    credentials: adminKeys,
  });
  await admin.send(new CreateBucketCommand({ Bucket: BUCKET }));
  // Where seed 002 stopped.
  await admin.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: `${PREFIX}/state.json`,
      Body: JSON.stringify({ last_hour_utc: LAST_HOUR.toISOString().replace('.000Z', 'Z') }),
    }),
  );
  // From here on, every request is signed and checked against its user's policies.
  await enforceIam(true);
}, 300_000);
afterAll(async () => {
  admin?.destroy();
  await Promise.all([moto?.stop(), emulator?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Seed 002's documented variables, the function's role being `keys`. */
function environment(keys: Keys): Record<string, string> {
  return {
    S3_BUCKET: BUCKET,
    S3_PREFIX: PREFIX,
    STATE_KEY: `${PREFIX}/state.json`,
    CITRIX_CLIENT_ID: 'acme-client',
    CITRIX_CLIENT_SECRET: SECRET,
    CITRIX_CUSTOMER_ID: 'acme',
    API_BASE: emulator.url,
    ENTITIES: 'Sessions,Machines',
    PAGE_SIZE: '1000',
    LOOKBACK_MINUTES: '75',
    USE_TIME_FILTER: 'true',
    AWS_REGION: moto.region,
    AWS_ACCESS_KEY_ID: keys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
    S3_ENDPOINT: moto.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    LAMBDA_SAFETY_MARGIN_SECONDS: '5',
  };
}

async function invoke(keys: Keys): Promise<Outcome> {
  const run = await runCli(INVOKER, [indexFile, JSON.stringify([{ event: {}, remainingMs: 60_000 }])], {
    env: environment(keys),
    label: 'lambda-iam',
  });
  const line = run.stdout.split('\n').find((l) => l.startsWith('INVOCATION '));
  expect(line, `${run.stdout}\n${run.stderr}`).toBeDefined();
  for (const secret of [SECRET, keys.secretAccessKey]) expect(run.stdout + run.stderr).not.toContain(secret);
  return JSON.parse(line!.slice('INVOCATION '.length)) as Outcome;
}

async function keysUnder(prefix: string): Promise<string[]> {
  const listed = await admin.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (listed.Contents ?? []).map((object) => object.Key!);
}

describe("the Lambda's role", () => {
  it("with the README's policy, verbatim: the swapped-in function collects under seed 002's bucket and prefix", async () => {
    const outcome = await invoke(collector);
    expect(outcome.ok, `${outcome.errorType}: ${outcome.errorMessage}`).toBe(true);
    const body = JSON.parse(outcome.result!.body) as { records_written: number };
    expect(body.records_written).toBeGreaterThan(0);
    expect((await keysUnder(`${PREFIX}/Sessions/`)).length).toBeGreaterThan(0);
    expect(await keysUnder(`_ctxsiem/${PREFIX}/state/acme/monitor/`)).toEqual([
      `_ctxsiem/${PREFIX}/state/acme/monitor/Machines.json`,
      `_ctxsiem/${PREFIX}/state/acme/monitor/Sessions.json`,
    ]);
  });

  it("with seed 002's own policy: `check` and the access denial print the statements to add, and adding them as printed makes it work", async () => {
    // `ctxsiem check`, before deploying, says what to add for the checkpoints and for the records.
    const check = await runCli(CLI, ['check'], { env: environment(seed), label: 'lambda-iam-check' });
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(
      /FAIL +checkpoint s3: .*Statement list: \{"Effect":"Allow","Action":\["s3:GetObject","s3:PutObject","s3:DeleteObject"\],"Resource":"arn:aws:s3:::citrix-monitor-logs\/_ctxsiem\/citrix_monitor\/state\/\*"\}, \{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::citrix-monitor-logs"\}/,
    );
    expect(check.stdout).toMatch(
      /FAIL +sink s3: .*"Resource":"arn:aws:s3:::citrix-monitor-logs\/citrix_monitor\/\*"/,
    );
    const passing = await runCli(CLI, ['check'], { env: environment(collector), label: 'lambda-iam-check' });
    expect(passing.stdout).toMatch(/ok +checkpoint s3/);
    expect(passing.stdout).toMatch(/ok +sink s3/);

    const statements: object[] = [...SEED_POLICY.Statement];
    const added: string[] = [];
    let outcome = await invoke(seed);
    for (let round = 0; !outcome.ok && round < 4; round++) {
      const message = outcome.errorMessage ?? '';
      const printed = [...message.matchAll(/Statement list: ((?:\{[^{}]*\}(?:, )?)+)/g)].flatMap((m) =>
        [...m[1]!.matchAll(/\{[^{}]*\}/g)].map((s) => s[0]),
      );
      const fresh = [...new Set(printed)].filter((s) => !added.includes(s));
      expect(fresh.length, `round ${round}: statements to add in ${message}`).toBeGreaterThan(0);
      added.push(...fresh);
      statements.push(...fresh.map((s) => JSON.parse(s) as object));
      await enforceIam(false);
      await setPolicy('seed-role', { Version: '2012-10-17', Statement: statements });
      await enforceIam(true);
      outcome = await invoke(seed);
    }
    expect(outcome.ok, `${outcome.errorType}: ${outcome.errorMessage}`).toBe(true);
    expect(
      added.some((s) => s.includes(`"Resource":"arn:aws:s3:::${BUCKET}/_ctxsiem/${PREFIX}/state/*"`)),
    ).toBe(true);
  });
});
