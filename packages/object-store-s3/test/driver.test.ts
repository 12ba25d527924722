/** The S3 driver against a real MinIO: the shared driver conformance suite, and S3's own details. */
import { randomBytes } from 'node:crypto';
import { startMinio } from '@ctxsiem/local-services';
import { testObjectStoreDriver, useServer } from '@ctxsiem/test-kit';
import { describe, expect, it } from 'vitest';
import { ensureBucket, listObjectKeys, s3ObjectStore } from '../src/index.ts';

const minio = useServer(() => startMinio());
const bucketName = (kind = '') => `ctxsiem-${kind}${randomBytes(4).toString('hex')}`;
/** A fresh bucket's connection, one attempt per request. */
const newBucket = async () => {
  const connection = { ...minio().connection(bucketName()), maxAttempts: 1 };
  await ensureBucket(connection);
  return connection;
};

testObjectStoreDriver({
  name: 's3 on MinIO',
  scheme: 's3',
  create: async () => ({ driver: s3ObjectStore(await newBucket()) }),
  createMissing: async () => s3ObjectStore({ ...minio().connection(bucketName('missing-')), maxAttempts: 1 }),
});

describe('s3 bucket housekeeping', () => {
  it('creates a bucket once and lists the keys under a prefix, sorted', async () => {
    const connection = await newBucket();
    await ensureBucket(connection); // already there: nothing to do
    const driver = s3ObjectStore(connection);
    for (const name of ['p/b', 'p/a', 'q/c']) {
      await driver.create(name, Buffer.from(name), { contentType: 'text/plain', sha256: '0'.repeat(64) });
    }
    await driver.close();
    expect(await listObjectKeys({ ...connection, prefix: 'p/' })).toEqual(['p/a', 'p/b']);
    // A whole sink config may be given: what is not about the bucket is ignored.
    expect(await listObjectKeys({ ...connection, type: 's3', gzip: true })).toEqual(['p/a', 'p/b', 'q/c']);
  });

  it('explains an access denial with the IAM statements of the area the object lies in', async () => {
    const credentials = { accessKeyId: 'nobody', secretAccessKey: 'wrong-secret' };
    const driver = s3ObjectStore({ ...(await newBucket()), credentials });
    const error = await driver.read('logs/x.ndjson').catch((caught: unknown) => caught);
    const area = { prefix: 'logs', access: ['read', 'write'] as const };
    const { message } = driver.explain(error, {
      action: 'reading the part',
      name: 'logs/x.ndjson',
      access: 'read',
      area,
    });
    expect(message).toContain(`reading the part s3://${driver.bucket}/logs/x.ndjson`);
    await driver.close();
  });
});
