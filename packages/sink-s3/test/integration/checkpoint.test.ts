import { CheckpointConflictError, CtxsiemError } from '@ctxsiem/core';
import { testCheckpointStore } from '@ctxsiem/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEGACY_VERSION, type StoredCheckpoint, s3CheckpointStore } from '../../src/index.ts';
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
  it('keeps one object per stream at {prefix}/{key}.json with the state, a write id and the time', async () => {
    const bucket = await fixture.newBucket();
    const store = s3CheckpointStore(fixture.storeConfig(bucket, { prefix: 'citrix_monitor/_state/' }));
    const version = await store.write(KEY, { position: '2024-08-06T07:00:00.000Z' }, undefined);
    expect(await fixture.keys(bucket)).toEqual([`citrix_monitor/_state/${KEY}.json`]);
    const stored = await fixture.object(bucket, `citrix_monitor/_state/${KEY}.json`);
    expect(stored.etag).toBe(version);
    const content = JSON.parse(stored.body.toString('utf8')) as StoredCheckpoint;
    expect(content.state).toEqual({ position: '2024-08-06T07:00:00.000Z' });
    expect(content.writeId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(content.writtenAt))).toBe(false);
    expect(await store.list()).toEqual([KEY]);
    expect(await store.list('acme/monitor')).toEqual([KEY]);
    expect(await store.list('other')).toEqual([]);
  });

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

  it('reports a checkpoint deleted under a runner as a conflict', async () => {
    const bucket = await fixture.newBucket();
    const store = s3CheckpointStore(fixture.storeConfig(bucket));
    const v1 = await store.write(KEY, { position: '2024-08-06T07:00:00.000Z' }, undefined);
    await store.delete(KEY);
    const write = store.write(KEY, { position: '2024-08-06T08:00:00.000Z' }, v1);
    await expect(write).rejects.toBeInstanceOf(CheckpointConflictError);
    await expect(write).rejects.toThrow(/was deleted/);
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

describe("the seed collectors' state.json (legacyKey)", () => {
  const legacyKey = 'citrix_monitor/state.json';
  const legacyBody = '{"last_hour_utc":"2024-08-06T07:00:00Z"}';

  it('continues at the hour after last_hour_utc, creates our object on the first write, leaves state.json alone', async () => {
    const bucket = await fixture.newBucket();
    await fixture.put(bucket, legacyKey, legacyBody);
    const before = await fixture.object(bucket, legacyKey);
    const store = s3CheckpointStore(
      fixture.storeConfig(bucket, { prefix: 'citrix_monitor/_state', legacyKey }),
    );

    const read = await store.read(KEY);
    expect(read).toEqual({ state: { position: '2024-08-06T08:00:00.000Z' }, version: LEGACY_VERSION });
    expect(Date.parse(read!.state.position)).toBe(Date.parse('2024-08-06T08:00:00Z'));
    // Every stream of the deployment continues from the same seed state.
    expect((await store.read('acme/monitor/Machines'))?.state.position).toBe('2024-08-06T08:00:00.000Z');

    const v1 = await store.write(KEY, { position: '2024-08-06T09:00:00.000Z' }, read!.version);
    expect(await store.read(KEY)).toEqual({ state: { position: '2024-08-06T09:00:00.000Z' }, version: v1 });
    expect(await fixture.keys(bucket)).toEqual([`citrix_monitor/_state/${KEY}.json`, legacyKey]);

    // A second runner that also read the legacy state loses: the object exists now.
    const late = store.write(KEY, { position: '2024-08-06T09:00:00.000Z' }, LEGACY_VERSION);
    await expect(late).rejects.toBeInstanceOf(CheckpointConflictError);

    const after = await fixture.object(bucket, legacyKey);
    expect(after.etag).toBe(before.etag);
    expect(after.body.toString('utf8')).toBe(legacyBody);
    expect(await store.list()).toEqual([KEY]);
  });

  it('reads nothing when neither our object nor the seed state exists, or the seed state has no hour', async () => {
    const bucket = await fixture.newBucket();
    const store = s3CheckpointStore(fixture.storeConfig(bucket, { legacyKey }));
    expect(await store.read(KEY)).toBeUndefined();
    await fixture.put(bucket, legacyKey, '{}');
    expect(await store.read(KEY)).toBeUndefined();
  });

  it('stops on a seed state that is not JSON rather than silently starting over', async () => {
    const bucket = await fixture.newBucket();
    await fixture.put(bucket, legacyKey, 'not json');
    const store = s3CheckpointStore(fixture.storeConfig(bucket, { legacyKey }));
    await expect(store.read(KEY)).rejects.toThrow(/state\.json \(legacyKey\) is not JSON/);
  });

  it('prefers our own checkpoint over the seed state once it exists', async () => {
    const bucket = await fixture.newBucket();
    await fixture.put(bucket, legacyKey, legacyBody);
    const store = s3CheckpointStore(fixture.storeConfig(bucket, { legacyKey }));
    const v1 = await store.write(KEY, { position: '2024-08-06T12:00:00.000Z' }, undefined);
    expect(await store.read(KEY)).toEqual({ state: { position: '2024-08-06T12:00:00.000Z' }, version: v1 });
  });
});
