/**
 * Secret references resolved for real: `secretsmanager:` against moto (a local AWS API started by
 * test/servers), `env:` and `file:` against this process. Every resolved value is registered for
 * redaction; a failure names the reference and the field, never a value.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SecretRegistry } from '@ctxsiem/core';
import {
  type RunningMoto,
  type SecretManagerApi,
  startMoto,
  startSecretManagerApi,
} from '@ctxsiem/local-services';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearSecretCache, resolveSecret, SecretUnavailableError } from '../src/index.ts';

let moto: RunningMoto;
let client: SecretsManagerClient;
let dir: string;

beforeAll(async () => {
  moto = await startMoto();
  Object.assign(process.env, moto.environment());
  client = new SecretsManagerClient({});
  await client.send(new CreateSecretCommand({ Name: 'ctxsiem/plain', SecretString: 'plain-secret-value-1' }));
  await client.send(
    new CreateSecretCommand({
      Name: 'ctxsiem/acme',
      SecretString: JSON.stringify({ clientSecret: 'json-secret-value-2', other: 3 }),
    }),
  );
  dir = await mkdtemp(join(tmpdir(), 'ctxsiem-secrets-'));
}, 120_000);
afterAll(async () => {
  client?.destroy();
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});
beforeEach(() => clearSecretCache());

describe('secret references', () => {
  it('reads a Secrets Manager secret by name, and one key of a JSON secret, and registers them', async () => {
    const registry = new SecretRegistry();
    expect(await resolveSecret('secretsmanager:ctxsiem/plain', 'tenants[0].clientSecret', registry)).toBe(
      'plain-secret-value-1',
    );
    expect(await resolveSecret('secretsmanager:ctxsiem/acme#clientSecret', 'f', registry)).toBe(
      'json-secret-value-2',
    );
    expect(registry.scrub('plain-secret-value-1 json-secret-value-2')).not.toMatch(/secret-value/);
  });

  it('fetches a secret once per process: a rotated value is seen by a new process (or after clearing)', async () => {
    const registry = new SecretRegistry();
    const reference = 'secretsmanager:ctxsiem/plain';
    await resolveSecret(reference, 'f', registry);
    await client.send(
      new PutSecretValueCommand({ SecretId: 'ctxsiem/plain', SecretString: 'rotated-value-3' }),
    );
    expect(await resolveSecret(reference, 'f', registry)).toBe('plain-secret-value-1');
    clearSecretCache();
    expect(await resolveSecret(reference, 'f', registry)).toBe('rotated-value-3');
    await client.send(
      new PutSecretValueCommand({ SecretId: 'ctxsiem/plain', SecretString: 'plain-secret-value-1' }),
    );
  });

  it.each([
    [
      'secretsmanager:ctxsiem/missing',
      /tenants\[0\]\.clientSecret: could not read secretsmanager:ctxsiem\/missing: ResourceNotFoundException/,
    ],
    ['secretsmanager:ctxsiem/acme#nope', /has no string under "nope"/],
    ['secretsmanager:ctxsiem/plain#key', /is not JSON, so it has no key "key"/],
  ])('fails clearly for %s, naming the field and never a value', async (reference, message) => {
    const error = await resolveSecret(reference, 'tenants[0].clientSecret', new SecretRegistry()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toMatch(/secret-value/);
  });

  it('does not cache a failure: the secret created afterwards is read', async () => {
    const reference = 'secretsmanager:ctxsiem/later';
    await expect(resolveSecret(reference, 'f', new SecretRegistry())).rejects.toThrow(SecretUnavailableError);
    await client.send(new CreateSecretCommand({ Name: 'ctxsiem/later', SecretString: 'later-value-4' }));
    expect(await resolveSecret(reference, 'f', new SecretRegistry())).toBe('later-value-4');
  });

  it('reads env: and file: references, and takes anything else literally', async () => {
    const registry = new SecretRegistry();
    const file = join(dir, 'secret');
    await writeFile(file, 'from-a-file-5\n');
    expect(await resolveSecret(`file:${file}`, 'f', registry)).toBe('from-a-file-5');
    expect(
      await resolveSecret('env:CTXSIEM_TEST_SECRET', 'f', registry, { CTXSIEM_TEST_SECRET: 'from-env-6' }),
    ).toBe('from-env-6');
    expect(await resolveSecret('literal:with-colon-7', 'f', registry)).toBe('literal:with-colon-7');
    await expect(
      resolveSecret('env:NOT_SET_ANYWHERE', 'tenants[1].clientSecret', registry, {}),
    ).rejects.toThrow(/tenants\[1\]\.clientSecret: environment variable NOT_SET_ANYWHERE is not set/);
  });
});

describe('gcpsecret: references', () => {
  let api: SecretManagerApi;
  beforeAll(async () => {
    api = await startSecretManagerApi();
    process.env.GCP_SECRET_MANAGER_ENDPOINT = api.endpoint;
    api.addVersion('p1', 'citrix', 'gcp-secret-value-1');
    api.addVersion('p1', 'citrix', 'gcp-secret-value-2');
    api.addVersion('p1', 'locked', 'never-shown-value');
    api.denied.add('projects/p1/secrets/locked');
  });
  afterAll(async () => {
    delete process.env.GCP_SECRET_MANAGER_ENDPOINT;
    await api?.close();
  });

  it('reads a version, or the latest, once per process', async () => {
    const registry = new SecretRegistry();
    expect(await resolveSecret('gcpsecret:projects/p1/secrets/citrix/versions/1', 'f', registry)).toBe(
      'gcp-secret-value-1',
    );
    const before = api.requests;
    for (let i = 0; i < 3; i++)
      expect(await resolveSecret('gcpsecret:projects/p1/secrets/citrix/versions/latest', 'f', registry)).toBe(
        'gcp-secret-value-2',
      );
    expect(api.requests).toBe(before + 1);
    // Google's SecOps ingestion scripts give the version name without a scheme.
    expect(await resolveSecret('projects/p1/secrets/citrix/versions/1', 'f', registry)).toBe(
      'gcp-secret-value-1',
    );
    expect(registry.scrub('gcp-secret-value-2')).not.toContain('gcp-secret-value');
  });

  it.each([
    [
      'gcpsecret:projects/p1/secrets/locked/versions/1',
      /permission denied: the service account needs roles\/secretmanager\.secretAccessor/,
    ],
    ['gcpsecret:projects/p1/secrets/absent/versions/latest', /no such secret or version/],
    ['gcpsecret:projects/p1/secrets/citrix/versions/9', /no such secret or version/],
    ['gcpsecret:citrix', /expected projects\/PROJECT\/secrets\/SECRET\/versions\/VERSION/],
  ])('fails clearly for %s', async (reference, message) => {
    const error = await resolveSecret(reference, 'tenants[0].clientSecret', new SecretRegistry()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect((error as Error).message).toMatch(/^tenants\[0\]\.clientSecret: could not read gcpsecret:/);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('never-shown-value');
  });
});
