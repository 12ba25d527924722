import { CheckpointConflictError, CtxsiemError } from '@ctxsiem/core';
import { testObjectCheckpointStore, useServer } from '@ctxsiem/test-kit';
import { describe, expect, it } from 'vitest';
import { s3CheckpointStore } from '../../src/index.ts';
import { reference, startMinioFixture } from '../support/minio.ts';

const fixture = useServer(startMinioFixture);

// The store's conformance, and the sink and store under core's runner against the file sink's output.
testObjectCheckpointStore({ name: 's3 on MinIO', harness: fixture, reference });

const KEY = 'acme/monitor/Sessions';

describe('s3 checkpoint objects', () => {
  it('never repeats an ETag for the same state written twice (no ABA)', async () => {
    const store = s3CheckpointStore(fixture().storeConfig(await fixture().newBucket()));
    const state = { position: '2024-08-06T07:00:00.000Z' };
    const v1 = await store.write(KEY, state, undefined);
    const v2 = await store.write(KEY, { position: '2024-08-06T08:00:00.000Z' }, v1);
    const v3 = await store.write(KEY, state, v2);
    expect(new Set([v1, v2, v3]).size).toBe(3);
    await expect(store.write(KEY, state, v1)).rejects.toBeInstanceOf(CheckpointConflictError);
  });

  it('keeps the manifest aliases objectKey/manifestObjectKey', async () => {
    const store = s3CheckpointStore(fixture().storeConfig('any-bucket', { prefix: 'p' }));
    expect(store.objectKey(KEY)).toBe(`p/${KEY}.json`);
    expect(store.manifestObjectKey(`${KEY}/x`)).toBe(store.manifestObjectName(`${KEY}/x`));
  });

  it('says which bucket is missing instead of pretending there is no checkpoint', async () => {
    const read = s3CheckpointStore(fixture().storeConfig('no-such-state-bucket')).read(KEY);
    await expect(read).rejects.toBeInstanceOf(CtxsiemError);
    await expect(read).rejects.toThrow(/S3 bucket "no-such-state-bucket" does not exist \(NoSuchBucket/);
  });
});
