import { CheckpointConflictError, CtxsiemError, manifestKey } from '@ctxsiem/core';
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

  it('keeps window manifests at {prefix}/_manifests/{key}.json, with an ETag per write', async () => {
    const bucket = await fixture.newBucket();
    const store = s3CheckpointStore(fixture.storeConfig(bucket, { prefix: 'citrix/_state' }));
    const key = manifestKey(KEY, new Date('2024-08-06T07:00:00Z'));
    await store.write(KEY, { position: '2024-08-06T07:00:00.000Z' }, undefined);
    const version = await store.manifests.write(key, { parts: [], digests: '' }, undefined);
    const name = `citrix/_state/_manifests/${KEY}/2024-08-06T070000.000Z.json`;
    expect(store.manifestObjectKey(key)).toBe(name);
    expect(await fixture.keys(bucket)).toEqual([name, `citrix/_state/${KEY}.json`]);
    const object = await fixture.object(bucket, name);
    expect(object.etag).toBe(version);
    expect(JSON.parse(object.body.toString('utf8'))).toEqual({
      document: { parts: [], digests: '' },
      writeId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      writtenAt: expect.any(String),
    });
    expect(await store.list()).toEqual([KEY]);
    expect(await store.manifests.list()).toEqual([key]);
  });

  it("reads the seed's state.json for checkpoints only, never for manifests", async () => {
    const bucket = await fixture.newBucket();
    await fixture.put(bucket, 'citrix/state.json', '{"last_hour_utc":"2024-08-06T07:00:00Z"}');
    const store = s3CheckpointStore(
      fixture.storeConfig(bucket, { prefix: 'citrix/_state', legacyKey: 'citrix/state.json' }),
    );
    const key = manifestKey(KEY, new Date('2024-08-06T07:00:00Z'));
    expect((await store.read(KEY))?.version).toBe('legacy:none');
    expect(await store.manifests.read(key)).toBeUndefined();
    await expect(store.manifests.write(key, {}, 'legacy:none')).rejects.toBeInstanceOf(
      CheckpointConflictError,
    );
  });

  it('names the object when a stored manifest is not a JSON object', async () => {
    const bucket = await fixture.newBucket();
    const store = s3CheckpointStore(fixture.storeConfig(bucket));
    const key = manifestKey(KEY, new Date('2024-08-06T07:00:00Z'));
    await fixture.put(bucket, store.manifestObjectKey(key), '[1, 2]');
    await expect(store.manifests.read(key)).rejects.toThrow(
      `manifest s3://${bucket}/_state/_manifests/${key}.json is not a ctxsiem manifest (it is not a JSON object)`,
    );
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
