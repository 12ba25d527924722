import { CheckpointConflictError, CtxsiemError } from '@ctxsiem/core';
import { testCheckpointStore } from '@ctxsiem/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3CheckpointStore } from '../../src/index.ts';
import { type MinioFixture, SERVER_HOOK_TIMEOUT_MS, startMinioFixture } from '../support/minio.ts';

let fixture: MinioFixture;
beforeAll(async () => {
  fixture = await startMinioFixture();
}, SERVER_HOOK_TIMEOUT_MS);
afterAll(async () => {
  await fixture?.stop();
});

let bucket = '';
testCheckpointStore({
  name: 's3 on MinIO',
  async create() {
    bucket = await fixture.newBucket();
    return { store: s3CheckpointStore(fixture.storeConfig(bucket)) };
  },
  createPeer: async () => s3CheckpointStore(fixture.storeConfig(bucket)),
});

const KEY = 'acme/monitor/Sessions';

describe('s3 checkpoint objects', () => {
  it('never repeats an ETag for the same state written twice (no ABA)', async () => {
    const bucket = await fixture.newBucket();
    const store = s3CheckpointStore(fixture.storeConfig(bucket));
    const state = { position: '2024-08-06T07:00:00.000Z' };
    const v1 = await store.write(KEY, state, undefined);
    const v2 = await store.write(KEY, { position: '2024-08-06T08:00:00.000Z' }, v1);
    const v3 = await store.write(KEY, state, v2);
    expect(new Set([v1, v2, v3]).size).toBe(3);
    await expect(store.write(KEY, state, v1)).rejects.toBeInstanceOf(CheckpointConflictError);
  });

  it('refuses keys that are not plain paths', async () => {
    const store = s3CheckpointStore(fixture.storeConfig(await fixture.newBucket()));
    await expect(store.read('acme/../x')).rejects.toThrow(/not a plain path/);
  });

  it('says which bucket is missing instead of pretending there is no checkpoint', async () => {
    const store = s3CheckpointStore(fixture.storeConfig('no-such-state-bucket'));
    const read = store.read(KEY);
    await expect(read).rejects.toBeInstanceOf(CtxsiemError);
    await expect(read).rejects.toThrow(/S3 bucket "no-such-state-bucket" does not exist \(NoSuchBucket/);
  });
});
