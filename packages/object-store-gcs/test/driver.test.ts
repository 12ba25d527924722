/** The GCS driver against fake-gcs-server: the shared driver conformance suite, and GCS's own details. */
import { randomBytes } from 'node:crypto';
import { startFakeGcs } from '@ctxsiem/local-services';
import { testObjectStoreDriver, useServer } from '@ctxsiem/test-kit';
import { describe, expect, it } from 'vitest';
import { ensureBucket, gcsObjectStore, isMissingBucket, listObjectKeys } from '../src/index.ts';

const gcs = useServer(() => startFakeGcs());
const bucket = (name: string) => ({
  bucket: name,
  endpoint: gcs().endpoint,
  projectId: 'test',
  maxRetries: 0,
});
const fresh = async () => {
  const created = bucket(`ctxsiem-${randomBytes(4).toString('hex')}`);
  await ensureBucket(created);
  return created;
};

testObjectStoreDriver({
  name: 'gcs on fake-gcs-server',
  scheme: 'gs',
  create: async () => ({
    driver: gcsObjectStore(await fresh(), { retry: 'always', chunkSizeBytes: 256 * 1024 }),
  }),
  createMissing: async () => gcsObjectStore(bucket(`ctxsiem-missing-${randomBytes(4).toString('hex')}`)),
});

describe('gcs bucket housekeeping', () => {
  it('lists the names under a prefix, sorted, of a bucket made once', async () => {
    const made = await fresh();
    await ensureBucket(made); // already there: nothing to do
    const driver = gcsObjectStore(made);
    for (const name of ['p/b', 'p/a', 'q/c'])
      await driver.create(name, Buffer.from(name), { contentType: 'text/plain', sha256: '0'.repeat(64) });
    expect(await listObjectKeys({ ...made, prefix: 'p/' })).toEqual(['p/a', 'p/b']);
    // Whole sink configs are accepted too, what is not about the bucket ignored.
    expect(await listObjectKeys({ ...made, type: 'gcs', gzip: true })).toEqual(['p/a', 'p/b', 'q/c']);
  });

  it('tells a missing bucket from a missing object by GCS’s message', () => {
    expect(isMissingBucket({ code: 404, message: 'The specified bucket does not exist.' })).toBe(true);
    expect(isMissingBucket({ code: 404, message: 'No such object: logs/a' })).toBe(false);
  });
});
