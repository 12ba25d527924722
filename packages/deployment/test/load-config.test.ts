/**
 * Where a deployment's config comes from: a file, `CTXSIEM_CONFIG` (inline JSON or YAML, or an
 * `s3://` URI, read here from moto's S3), or the seeds' environment variables. Errors name the field
 * or the variable, and secrets are registered before anything can print them.
 */
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SecretRegistry } from '@ctxsiem/core';
import { type RunningMoto, startMoto } from '@ctxsiem/local-services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, MAX_CONFIG_BYTES } from '../src/index.ts';

let moto: RunningMoto;
let s3: S3Client;

const DOCUMENT = {
  tenants: [
    { customerId: 'acme', clientId: 'a', clientSecret: 'acme-secret-value-1' },
    { customerId: 'globex', clientId: 'g', clientSecret: 'secretsmanager:ctxsiem/globex' },
  ],
  sources: [{ type: 'monitor' }, { type: 'analytics' }],
  sink: { type: 's3', bucket: 'data', prefix: 'citrix' },
  checkpoint: { type: 's3', bucket: 'data', prefix: '_ctxsiem/citrix/state' },
};

beforeAll(async () => {
  moto = await startMoto();
  Object.assign(process.env, moto.environment());
  s3 = new S3Client({ forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'config' }));
  await s3.send(
    new PutObjectCommand({ Bucket: 'config', Key: 'prod/deploy.json', Body: JSON.stringify(DOCUMENT) }),
  );
  await s3.send(
    new PutObjectCommand({ Bucket: 'config', Key: 'huge.yaml', Body: `# ${'x'.repeat(MAX_CONFIG_BYTES)}\n` }),
  );
}, 120_000);
afterAll(async () => {
  s3?.destroy();
  await moto?.stop();
});

describe('loadConfig', () => {
  it('reads CTXSIEM_CONFIG inline, as JSON or as YAML, for several tenants and sources', async () => {
    const secrets = new SecretRegistry();
    const fromJson = await loadConfig(undefined, secrets, { CTXSIEM_CONFIG: JSON.stringify(DOCUMENT) });
    expect(fromJson.tenants.map((t) => t.customerId)).toEqual(['acme', 'globex']);
    expect(fromJson.sources.map((s) => s.type)).toEqual(['monitor', 'analytics']);
    expect(secrets.scrub('acme-secret-value-1')).not.toContain('acme-secret-value-1');
    const yaml =
      'tenants:\n  - customerId: acme\n    clientId: a\n    clientSecret: yaml-secret-value-2\nsources:\n  - type: monitor\nsink:\n  type: file\n  directory: out\ncheckpoint:\n  type: file\n  directory: out/_state\n';
    const fromYaml = await loadConfig(undefined, secrets, { CTXSIEM_CONFIG: yaml });
    expect(fromYaml.sink.type).toBe('file');
    expect(secrets.scrub('yaml-secret-value-2')).not.toContain('yaml-secret-value-2');
  });

  it('reads CTXSIEM_CONFIG from an s3:// URI', async () => {
    const config = await loadConfig(undefined, new SecretRegistry(), {
      CTXSIEM_CONFIG: 's3://config/prod/deploy.json',
    });
    expect(config.sink).toMatchObject({ type: 's3', bucket: 'data', prefix: 'citrix' });
    expect(config.tenants[1]?.clientSecret).toBe('secretsmanager:ctxsiem/globex');
  });

  it.each([
    ['s3://config/absent.json', /CTXSIEM_CONFIG: cannot read s3:\/\/config\/absent\.json: NoSuchKey/],
    ['s3://config/huge.yaml', /holds \d+ bytes; a config document may hold at most 1048576/],
    ['s3://config', /expected s3:\/\/bucket\/key/],
    ['{"tenants": [}', /CTXSIEM_CONFIG: CTXSIEM_CONFIG is not valid JSON/],
    [JSON.stringify({ ...DOCUMENT, sink: { type: 's3' } }), /sink\.bucket/],
  ])('refuses CTXSIEM_CONFIG=%s with a clear message', async (value, message) => {
    await expect(loadConfig(undefined, new SecretRegistry(), { CTXSIEM_CONFIG: value })).rejects.toThrow(
      message,
    );
  });

  it('falls back to the seeds’ variables and names a bad one', async () => {
    const env = {
      CITRIX_CUSTOMER_ID: 'acme',
      CITRIX_CLIENT_ID: 'a',
      CITRIX_CLIENT_SECRET: 'env-secret-value-3',
    };
    const config = await loadConfig(undefined, new SecretRegistry(), {
      ...env,
      SINK: 's3',
      S3_BUCKET: 'data-bucket',
    });
    expect(config.sink).toMatchObject({ type: 's3', bucket: 'data-bucket' });
    await expect(
      loadConfig(undefined, new SecretRegistry(), { ...env, LOOKBACK_MINUTES: 'soon' }),
    ).rejects.toThrow(/LOOKBACK_MINUTES/);
  });
});
