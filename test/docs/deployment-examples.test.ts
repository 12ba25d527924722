/**
 * The example configuration of every deployment target — the Lambda's, the Cloud Run function's, the
 * container's into Microsoft Sentinel and into the SecOps ingestion API — is one the collector accepts
 * as written (validated by the deployment's own schema, its secret references unresolved) and one that
 * RUNS: the test changes only what points at a cloud, each change listed in `substitutions` with why,
 * then runs `ctxsiem collect` (the CLI from source, a child process with only the environment given
 * here) and reads what arrived back from the local stand-in of the cloud store.
 *
 * What stays as written: the tenants' customer and client ids (the emulator is started with them), the
 * sources, the sinks' buckets, prefixes, log types and secret references — a secret reference is
 * resolved for real where a local service stands in for the secret store (moto for `secretsmanager:`,
 * the Secret Manager contract server for `gcpsecret:`, the child's environment for `env:`).
 */
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getCACertificates } from 'node:tls';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { type Emulator, startEmulator } from '@ctxsiem/emulator';
import {
  MINIO_SECRET_ACCESS_KEY,
  startAzureMonitorApi,
  startFakeGcs,
  startMinio,
  startMoto,
  startSecOpsApi,
  startSecretManagerApi,
} from '@ctxsiem/local-services';
import { ensureBucket } from '@ctxsiem/object-store-s3';
import { DeploymentConfigSchema } from '@ctxsiem/registry';
import { runCli } from '@ctxsiem/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'apps', 'container', 'src', 'cli.ts');

const EXAMPLES = {
  lambda: 'apps/lambda/examples/deploy.yaml',
  cloudFunction: 'apps/cloud-function/examples/deploy.yaml',
  azureSentinel: 'apps/container/examples/azure-sentinel.yaml',
  secopsApi: 'apps/container/examples/secops-api.yaml',
} as const;

/** The Citrix API client secret the stand-in secret stores hold, and the emulator accepts. */
const CITRIX_SECRET = 'example-citrix-secret-5c1d';

// biome-ignore lint/suspicious/noExplicitAny: a parsed YAML document, edited by path
type Document = Record<string, any>;

/**
 * One change to an example: where, the value, and why it differs from the example as written. `replaces`
 * a value the example has, or `adds` a field it leaves out (an endpoint override): either is checked,
 * so the list stays exactly what differs.
 */
interface Substitution {
  path: string;
  change: 'replaces' | 'adds';
  value: unknown;
  why: string;
}

const readExample = async (file: string): Promise<Document> =>
  parse(await readFile(join(ROOT, file), 'utf8'));

/** The example with `substitutions` applied; one that does not fit the example (see `change`) is an error. */
function substitute(example: Document, substitutions: readonly Substitution[]): Document {
  const copy: Document = structuredClone(example);
  for (const { path, change, value } of substitutions) {
    const keys = path.split('.');
    const last = keys.pop() as string;
    let at: Document = copy;
    for (const key of keys) {
      if (at[key] === undefined) throw new Error(`${path}: the example has no ${key}`);
      at = at[key];
    }
    if (last in at !== (change === 'replaces'))
      throw new Error(
        `${path}: the example ${change === 'replaces' ? 'has no such field' : 'already sets it'}`,
      );
    at[last] = value;
  }
  return copy;
}

/** `ctxsiem collect --json` with only `env` (plus PATH and HOME): its exit code and summary. */
async function collect(env: Record<string, string>, args: string[] = []) {
  const run = await runCli(CLI, ['collect', '--json', ...args], { env, label: 'deployment-example' });
  let summary: CollectSummaryJson | undefined;
  try {
    summary = JSON.parse(run.stdout);
  } catch {
    summary = undefined;
  }
  return { ...run, summary };
}

interface CollectSummaryJson {
  streams: { tenant: string; source: string; stream: string; records: number; status: string }[];
  totals: { records: number; failed: string[]; deadLetters: number };
  tenantFailures: { tenant: string; error: string }[];
}

/** Records per source, from the summary. */
const recordsBySource = (summary: CollectSummaryJson) => {
  const counts: Record<string, number> = {};
  for (const stream of summary.streams) counts[stream.source] = (counts[stream.source] ?? 0) + stream.records;
  return counts;
};

/** Lines of NDJSON objects (gunzipped when gzip). */
const ndjsonLines = (body: Buffer, name: string) =>
  (name.endsWith('.gz') ? gunzipSync(body) : body)
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '').length;

/** The emulator, with the tenant each example names (its customer and client id, the secret above). */
async function emulatorFor(example: Document): Promise<Emulator> {
  return startEmulator({
    customers: example.tenants.map((tenant: { customerId: string; clientId: string }) => ({
      customerId: tenant.customerId,
      clientId: tenant.clientId,
      clientSecret: CITRIX_SECRET,
    })),
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctxsiem-deployment-examples-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the deployment examples validate as written', () => {
  it.each(Object.values(EXAMPLES))('%s', async (file) => {
    const parsed = DeploymentConfigSchema.safeParse(await readExample(file));
    expect(
      parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    ).toEqual([]);
  });
});

describe(`${EXAMPLES.lambda} runs (Monitor and Analytics → S3, secret in Secrets Manager)`, () => {
  let example: Document;
  let emulator: Emulator;
  let minio: Awaited<ReturnType<typeof startMinio>>;
  let moto: Awaited<ReturnType<typeof startMoto>>;
  beforeAll(async () => {
    example = await readExample(EXAMPLES.lambda);
    [emulator, minio, moto] = await Promise.all([emulatorFor(example), startMinio(), startMoto()]);
    await ensureBucket(minio.connection(example.sink.bucket));
    // The secret the example refers to (`secretsmanager:ctxsiem/acme#clientSecret`), created in moto.
    const [secretId] = example.tenants[0].clientSecret.slice('secretsmanager:'.length).split('#');
    const created = await fetch(moto.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'secretsmanager.CreateSecret',
        authorization: `AWS4-HMAC-SHA256 Credential=${moto.accessKeyId}/20260101/${moto.region}/secretsmanager/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: JSON.stringify({ Name: secretId, SecretString: JSON.stringify({ clientSecret: CITRIX_SECRET }) }),
    });
    expect(created.status, await created.text()).toBe(200);
  });
  afterAll(async () => {
    await Promise.all([emulator?.close(), minio?.stop(), moto?.stop()]);
  });

  it('collects into the bucket in the feed layout, checkpoints beside the prefix', async () => {
    const substitutions: Substitution[] = [
      { path: 'tenants.0.apiBase', change: 'adds', value: emulator.url, why: 'Citrix Cloud → the emulator' },
      { path: 'sink.endpoint', change: 'adds', value: minio.endpoint, why: 'S3 → MinIO' },
      { path: 'sink.forcePathStyle', change: 'adds', value: true, why: 'MinIO needs path-style addressing' },
      { path: 'checkpoint.endpoint', change: 'adds', value: minio.endpoint, why: 'S3 → MinIO' },
      {
        path: 'checkpoint.forcePathStyle',
        change: 'adds',
        value: true,
        why: 'MinIO needs path-style addressing',
      },
    ];
    const config = substitute(example, substitutions);
    // As the Lambda is given it: the document inline in CTXSIEM_CONFIG. The function's role is MinIO's
    // key (moto takes any), and Secrets Manager is moto: the standard AWS environment says so.
    const run = await collect({
      CTXSIEM_CONFIG: stringify(config),
      AWS_ACCESS_KEY_ID: minio.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MINIO_SECRET_ACCESS_KEY,
      AWS_REGION: minio.region,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    expect(run.code, run.stderr).toBe(0);
    const summary = run.summary as CollectSummaryJson;
    expect(summary.tenantFailures).toEqual([]);
    expect(new Set(summary.streams.map((stream) => stream.source))).toEqual(
      new Set(['monitor', 'analytics']),
    );
    expect(recordsBySource(summary).monitor).toBeGreaterThan(0);

    const s3 = new S3Client({
      endpoint: minio.endpoint,
      forcePathStyle: true,
      region: minio.region,
      credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: MINIO_SECRET_ACCESS_KEY },
    });
    try {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket: example.sink.bucket, ContinuationToken: token }),
        );
        keys.push(...(page.Contents ?? []).map((object) => object.Key as string));
        token = page.NextContinuationToken;
      } while (token);
      const prefix: string = example.sink.prefix;
      const parts = keys.filter((key) => key.startsWith(`${prefix}/`));
      for (const key of parts)
        expect(key).toMatch(
          new RegExp(
            `^${prefix}/[A-Za-z]+/year=\\d{4}/month=\\d\\d/day=\\d\\d/hour=\\d\\d/part-[^/]+\\.ndjson$`,
          ),
        );
      let stored = 0;
      for (const key of parts) {
        const object = await s3.send(new GetObjectCommand({ Bucket: example.sink.bucket, Key: key }));
        stored += ndjsonLines(
          Buffer.from(
            await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
          ),
          key,
        );
      }
      expect(stored).toBe(summary.totals.records);
      // Only records under the prefix a feed reads; the checkpoints where the example put them.
      expect(
        keys.filter((key) => !key.startsWith(`${prefix}/`)).every((key) => key.startsWith('_ctxsiem/')),
      ).toBe(true);
      expect(keys).toContain(`${example.checkpoint.prefix}/acme/monitor/Sessions.json`);
    } finally {
      s3.destroy();
    }
  });
});

/** Every object under `prefix` in a fake-gcs-server bucket: its name and its bytes. */
async function gcsObjects(endpoint: string, bucket: string, prefix = '') {
  const names: string[] = [];
  let token: string | undefined;
  do {
    const url = new URL(`${endpoint}/storage/v1/b/${bucket}/o`);
    url.searchParams.set('prefix', prefix);
    if (token) url.searchParams.set('pageToken', token);
    const page = (await (await fetch(url)).json()) as { items?: { name: string }[]; nextPageToken?: string };
    names.push(...(page.items ?? []).map((item) => item.name));
    token = page.nextPageToken;
  } while (token);
  return Promise.all(
    names.map(async (name) => {
      const response = await fetch(
        `${endpoint}/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}?alt=media`,
      );
      return { name, body: Buffer.from(await response.arrayBuffer()) };
    }),
  );
}

async function createGcsBucket(endpoint: string, bucket: string) {
  const response = await fetch(`${endpoint}/storage/v1/b?project=ctxsiem-test`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: bucket }),
  });
  expect(response.ok, await response.text()).toBe(true);
}

/** The `gcpsecret:projects/P/secrets/S/versions/V` a reference names: P and S. */
function gcpSecretOf(reference: string) {
  const match = /^gcpsecret:projects\/([^/]+)\/secrets\/([^/]+)\/versions\/[^/]+$/.exec(reference);
  if (!match) throw new Error(`not a gcpsecret: reference: ${reference}`);
  return { project: match[1] as string, secret: match[2] as string };
}

describe(`${EXAMPLES.cloudFunction} runs (→ GCS, secret in Secret Manager)`, () => {
  let example: Document;
  let emulator: Emulator;
  let gcs: Awaited<ReturnType<typeof startFakeGcs>>;
  let secretManager: Awaited<ReturnType<typeof startSecretManagerApi>>;
  beforeAll(async () => {
    example = await readExample(EXAMPLES.cloudFunction);
    [emulator, gcs, secretManager] = await Promise.all([
      emulatorFor(example),
      startFakeGcs(),
      startSecretManagerApi(),
    ]);
    await createGcsBucket(gcs.endpoint, example.sink.bucket);
    const { project, secret } = gcpSecretOf(example.tenants[0].clientSecret);
    secretManager.addVersion(project, secret, CITRIX_SECRET);
  });
  afterAll(async () => {
    await Promise.all([emulator?.close(), gcs?.stop(), secretManager?.close()]);
  });

  it('collects into the bucket in the feed layout, checkpoints beside the prefix', async () => {
    const substitutions: Substitution[] = [
      { path: 'tenants.0.apiBase', change: 'adds', value: emulator.url, why: 'Citrix Cloud → the emulator' },
      { path: 'sink.endpoint', change: 'adds', value: gcs.endpoint, why: 'GCS → fake-gcs-server' },
      { path: 'checkpoint.endpoint', change: 'adds', value: gcs.endpoint, why: 'GCS → fake-gcs-server' },
    ];
    const config = substitute(example, substitutions);
    // As the function is given it: the document inline in CTXSIEM_CONFIG; Secret Manager is the
    // contract server (plain HTTP, no credentials).
    const run = await collect({
      CTXSIEM_CONFIG: stringify(config),
      GCP_SECRET_MANAGER_ENDPOINT: secretManager.endpoint,
    });
    expect(run.code, run.stderr).toBe(0);
    const summary = run.summary as CollectSummaryJson;
    expect(summary.tenantFailures).toEqual([]);
    expect(new Set(summary.streams.map((stream) => stream.source))).toEqual(
      new Set(['monitor', 'systemlog', 'daasconfiglog']),
    );
    expect(recordsBySource(summary).monitor).toBeGreaterThan(0);
    expect(secretManager.requests).toBeGreaterThan(0);

    const objects = await gcsObjects(gcs.endpoint, example.sink.bucket);
    const prefix: string = example.sink.prefix;
    const parts = objects.filter(({ name }) => name.startsWith(`${prefix}/`));
    for (const { name } of parts)
      expect(name).toMatch(
        new RegExp(
          `^${prefix}/[A-Za-z]+/year=\\d{4}/month=\\d\\d/day=\\d\\d/hour=\\d\\d/part-[^/]+\\.ndjson$`,
        ),
      );
    expect(parts.reduce((sum, { name, body }) => sum + ndjsonLines(body, name), 0)).toBe(
      summary.totals.records,
    );
    expect(objects.map(({ name }) => name)).toContain(
      `${example.checkpoint.prefix}/acme/monitor/Sessions.json`,
    );
  });
});

/**
 * The CA a contract server's certificate was made with (`makeTestTls` trusts it in this process only):
 * the newest one it made, for the CLI's `NODE_EXTRA_CA_CERTS`.
 */
function testCa(): string {
  const made = getCACertificates('default').filter((pem) =>
    new X509Certificate(pem).subject.includes('ctxsiem test CA'),
  );
  const ca = made.at(-1);
  if (!ca) throw new Error('no test CA is trusted in this process');
  return ca;
}

describe(`${EXAMPLES.azureSentinel} runs (→ Azure Monitor Logs Ingestion API)`, () => {
  let example: Document;
  let emulator: Emulator;
  let azure: Awaited<ReturnType<typeof startAzureMonitorApi>>;
  beforeAll(async () => {
    example = await readExample(EXAMPLES.azureSentinel);
    [emulator, azure] = await Promise.all([emulatorFor(example), startAzureMonitorApi()]);
  });
  afterAll(async () => {
    await Promise.all([emulator?.close(), azure?.close()]);
  });

  it('sends every source to its DCR stream, stored as Azure would; state in the mounted folder', async () => {
    const state = join(dir, 'azure-state');
    const substitutions: Substitution[] = [
      { path: 'tenants.0.apiBase', change: 'adds', value: emulator.url, why: 'Citrix Cloud → the emulator' },
      {
        path: 'sink.endpoint',
        change: 'replaces',
        value: azure.endpoint,
        why: 'the ingestion endpoint → the contract server',
      },
      {
        path: 'sink.ruleId',
        change: 'replaces',
        value: azure.ruleId,
        why: 'the DCR the contract server knows',
      },
      {
        path: 'sink.tenantId',
        change: 'replaces',
        value: azure.tenantId,
        why: 'the app registration it knows',
      },
      {
        path: 'sink.clientId',
        change: 'replaces',
        value: azure.clientId,
        why: 'the app registration it knows',
      },
      {
        path: 'sink.authorityHost',
        change: 'adds',
        value: azure.authorityHost,
        why: 'Entra → the contract server',
      },
      {
        path: 'deadLetters.directory',
        change: 'replaces',
        value: join(state, 'deadletter'),
        why: '/var/lib/ctxsiem → a temp folder',
      },
      {
        path: 'checkpoint.directory',
        change: 'replaces',
        value: join(state, 'state'),
        why: '/var/lib/ctxsiem → a temp folder',
      },
    ];
    const config = substitute(example, substitutions);
    const file = join(dir, 'azure-sentinel.yaml');
    await writeFile(file, stringify(config));
    // The example's env: references, as the Container App's environment holds them; the contract
    // server's CA trusted by the child (Azure's clients need HTTPS).
    const ca = join(dir, 'azure-ca.pem');
    await writeFile(ca, testCa());
    const environment = {
      CITRIX_CLIENT_SECRET_ACME: CITRIX_SECRET,
      AZURE_MONITOR_CLIENT_SECRET: azure.clientSecret,
      NODE_EXTRA_CA_CERTS: ca,
    };
    // The DCR and tables the example's sources need, as `ctxsiem azure dcr --config` prints them (the
    // example's comment; terraform/ creates the same): loaded, the contract server stores each record
    // as Azure would, dropping what Azure would drop.
    const dcr = await runCli(CLI, ['azure', 'dcr', '--config', file], {
      env: environment,
      label: 'azure-dcr',
    });
    expect(dcr.code, dcr.stderr).toBe(0);
    azure.loadDcr(JSON.parse(dcr.stdout));
    const run = await collect(environment, ['--config', file]);
    expect(run.code, run.stderr).toBe(0);
    const summary = run.summary as CollectSummaryJson;
    expect(summary.tenantFailures).toEqual([]);
    expect(new Set(summary.streams.map((stream) => stream.source))).toEqual(
      new Set(['monitor', 'systemlog', 'daasconfiglog']),
    );
    expect(recordsBySource(summary).monitor).toBeGreaterThan(0);
    const accepted = [...azure.accepted.values()].reduce((sum, records) => sum + records.length, 0);
    expect(accepted).toBe(summary.totals.records);
    expect(azure.accepted.get('Custom-CitrixMonitorSessions')?.length).toBeGreaterThan(0);
    const rows = [...azure.rows.values()].reduce((sum, table) => sum + table.length, 0);
    expect(rows).toBe(accepted);
    expect(azure.drops).toEqual({});
    // The file store keeps a stream's checkpoint as {key}.v{N}.json files in the mounted folder.
    expect(await readdir(join(state, 'state', 'acme', 'monitor'))).toContainEqual(
      expect.stringMatching(/^Sessions\.v\d+\.json$/),
    );
  });
});

describe(`${EXAMPLES.secopsApi} runs (→ the SecOps ingestion API, state in GCS)`, () => {
  let example: Document;
  let emulator: Emulator;
  let secops: Awaited<ReturnType<typeof startSecOpsApi>>;
  let gcs: Awaited<ReturnType<typeof startFakeGcs>>;
  let secretManager: Awaited<ReturnType<typeof startSecretManagerApi>>;
  beforeAll(async () => {
    example = await readExample(EXAMPLES.secopsApi);
    [emulator, secops, gcs, secretManager] = await Promise.all([
      emulatorFor(example),
      // The instance has the custom log type the example names, as an administrator would create it.
      startSecOpsApi({ customLogTypes: Object.values(example.sink.logTypes as Record<string, string>) }),
      startFakeGcs(),
      startSecretManagerApi(),
    ]);
    await createGcsBucket(gcs.endpoint, example.checkpoint.bucket);
    // The service-account key the example refers to, in Secret Manager: the contract server's account.
    const { project, secret } = gcpSecretOf(example.sink.serviceAccountKey);
    secretManager.addVersion(project, secret, secops.serviceAccountKey);
  });
  afterAll(async () => {
    await Promise.all([emulator?.close(), secops?.close(), gcs?.stop(), secretManager?.close()]);
  });

  it('imports every source with its log type; ledger and checkpoints in the bucket', async () => {
    const substitutions: Substitution[] = [
      { path: 'tenants.0.apiBase', change: 'adds', value: emulator.url, why: 'Citrix Cloud → the emulator' },
      {
        path: 'sink.endpoint',
        change: 'adds',
        value: secops.endpoint,
        why: 'the Chronicle API → the contract server',
      },
      {
        path: 'sink.tokenUrl',
        change: 'adds',
        value: secops.tokenUrl,
        why: "Google's token endpoint → the contract server",
      },
      { path: 'deadLetters.endpoint', change: 'adds', value: gcs.endpoint, why: 'GCS → fake-gcs-server' },
      { path: 'checkpoint.endpoint', change: 'adds', value: gcs.endpoint, why: 'GCS → fake-gcs-server' },
    ];
    const config = substitute(example, substitutions);
    const file = join(dir, 'secops-api.yaml');
    await writeFile(file, stringify(config));
    const run = await collect(
      { CITRIX_CLIENT_SECRET: CITRIX_SECRET, GCP_SECRET_MANAGER_ENDPOINT: secretManager.endpoint },
      ['--config', file],
    );
    expect(run.code, run.stderr).toBe(0);
    const summary = run.summary as CollectSummaryJson;
    expect(summary.tenantFailures).toEqual([]);
    const bySource = recordsBySource(summary);
    expect(new Set(Object.keys(bySource))).toEqual(new Set(['monitor', 'systemlog', 'daasconfiglog']));
    expect(bySource.monitor).toBeGreaterThan(0);
    expect(secops.accepted.length).toBe(summary.totals.records);
    const byType: Record<string, number> = {};
    for (const log of secops.accepted) byType[log.logType] = (byType[log.logType] ?? 0) + 1;
    expect(byType.CITRIX_MONITOR).toBe((bySource.monitor ?? 0) + (bySource.systemlog ?? 0));
    expect(byType[example.sink.logTypes.daasconfiglog] ?? 0).toBe(bySource.daasconfiglog);
    const names = (await gcsObjects(gcs.endpoint, example.checkpoint.bucket)).map(({ name }) => name);
    expect(names).toContain(`${example.checkpoint.prefix}/acme/monitor/Sessions.json`);
  });
});
