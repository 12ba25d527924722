// Smoke tests of the real-server launchers: they start, answer, stop, and clean up after themselves.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { obtainServers, startFakeGcs, startKafka, startMinio, startMoto } from '@ctxsiem/local-services';
import { Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { beforeAll, describe, expect, it } from 'vitest';

// On a fresh machine the first call builds both servers from source (minutes on 2 cores).
const FIRST_BUILD_TIMEOUT_MS = 20 * 60_000;

beforeAll(async () => {
  await obtainServers();
}, FIRST_BUILD_TIMEOUT_MS);

async function answers(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    await response.body?.cancel();
    return response.status;
  } catch {
    return undefined;
  }
}

describe('startMinio', () => {
  it('serves S3 on a loopback port until stopped', async () => {
    const minio = await startMinio();
    try {
      expect(minio.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(minio).toMatchObject({ region: 'us-east-1', accessKeyId: expect.any(String) });
      expect(await answers(`${minio.endpoint}/minio/health/ready`)).toBe(200);
      // Unsigned requests are refused: the server really enforces credentials.
      expect(await answers(`${minio.endpoint}/some-bucket`)).toBe(403);
    } finally {
      await minio.stop();
    }
    expect(await answers(`${minio.endpoint}/minio/health/live`)).toBeUndefined();
    await minio.stop(); // idempotent
  });

  it('keeps a caller-provided data dir and runs instances side by side', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ctxsiem-minio-kept-'));
    try {
      const [a, b] = await Promise.all([startMinio({ dataDir }), startMinio()]);
      expect(a.endpoint).not.toBe(b.endpoint);
      await Promise.all([a.stop(), b.stop()]);
      expect(existsSync(dataDir)).toBe(true);
      expect(await readdir(dataDir)).toContain('.minio.sys');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('startFakeGcs', () => {
  for (const backend of ['memory', 'filesystem'] as const) {
    it(`serves the GCS JSON API (${backend} backend) until stopped`, async () => {
      const gcs = await startFakeGcs({ backend });
      try {
        expect(gcs.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        const created = await fetch(`${gcs.endpoint}/storage/v1/b?project=test`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'smoke' }),
        });
        expect(created.status).toBe(200);
        const upload = (body: string) =>
          fetch(`${gcs.endpoint}/upload/storage/v1/b/smoke/o?uploadType=media&name=o&ifGenerationMatch=0`, {
            method: 'POST',
            body,
          });
        expect((await upload('first')).status).toBe(200);
        expect((await upload('second')).status).toBe(412);
        const listed = (await (await fetch(`${gcs.endpoint}/storage/v1/b`)).json()) as {
          items?: { name: string }[];
        };
        expect(listed.items?.map((b) => b.name)).toEqual(['smoke']);
      } finally {
        await gcs.stop();
      }
      expect(await answers(`${gcs.endpoint}/storage/v1/b`)).toBeUndefined();
    });
  }
});

describe('startMoto', () => {
  it('serves the AWS APIs (Secrets Manager here) on a loopback port until stopped', async () => {
    const moto = await startMoto();
    try {
      expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const call = (target: string, body: object) =>
        fetch(moto.endpoint, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-amz-json-1.1',
            'x-amz-target': `secretsmanager.${target}`,
            // moto routes by the signed service name in the authorization header.
            authorization: `AWS4-HMAC-SHA256 Credential=${moto.accessKeyId}/20261128/${moto.region}/secretsmanager/aws4_request, SignedHeaders=host, Signature=0`,
          },
          body: JSON.stringify(body),
        });
      expect((await call('CreateSecret', { Name: 'smoke', SecretString: 'value-1' })).status).toBe(200);
      const read = await call('GetSecretValue', { SecretId: 'smoke' });
      expect(((await read.json()) as { SecretString: string }).SecretString).toBe('value-1');
      const missing = await call('GetSecretValue', { SecretId: 'missing' });
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as { __type: string }).__type).toBe('ResourceNotFoundException');
    } finally {
      await moto.stop();
    }
    expect(await answers(`${moto.endpoint}/moto-api/data.json`)).toBeUndefined();
  });
});

describe('startKafka', () => {
  it('serves Kafka over SASL_SSL with SCRAM users, each reading only the topic and group granted', async () => {
    const user = { name: 'citrix', password: 'citrix-scram-password-1' };
    const kafka = await startKafka({
      users: [user],
      topics: [{ name: 'risk' }, { name: 'other' }],
      grants: [{ user: user.name, topic: 'risk', group: 'ctxsiem' }],
    });
    const as = (username: string, password: string, mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512') => ({
      clientId: 'ctxsiem-smoke',
      bootstrapBrokers: [kafka.bootstrap],
      tls: { ca: kafka.ca },
      sasl: { mechanism, username, password },
    });
    const producer = new Producer({
      ...as(kafka.admin.name, kafka.admin.password, 'SCRAM-SHA-512'),
      serializers: stringSerializers,
    });
    const consumer = () =>
      new Consumer({
        ...as(user.name, user.password, 'SCRAM-SHA-256'),
        groupId: 'ctxsiem',
        deserializers: stringDeserializers,
        autocommit: false,
      });
    const reader = consumer();
    try {
      await producer.send({ messages: [{ topic: 'risk', key: 'k', value: 'hello' }] });
      const stream = await reader.consume({ topics: ['risk'], mode: 'earliest' });
      let value: string | undefined;
      for await (const message of stream) {
        value = message.value;
        await message.commit();
        break;
      }
      await stream.close();
      expect(value).toBe('hello');
      // Not granted: another topic, and a wrong password.
      const outsider = consumer();
      await expect(outsider.consume({ topics: ['other'], mode: 'earliest' })).rejects.toThrow(/authoriz/i);
      await outsider.close(true);
      const refused = new Producer({
        ...as(user.name, 'not-the-password', 'SCRAM-SHA-256'),
        retries: 0,
        serializers: stringSerializers,
      });
      await expect(refused.send({ messages: [{ topic: 'risk', value: 'x' }] })).rejects.toThrow();
      await refused.close();
    } finally {
      await Promise.all([reader.close(true), producer.close()]);
      await kafka.stop();
    }
  }, 120_000);
});
