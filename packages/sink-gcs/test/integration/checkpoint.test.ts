import { CheckpointConflictError } from '@ctxsiem/core';
import { testCheckpointStore } from '@ctxsiem/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gcsCheckpointStore, LEGACY_VERSION, type StoredCheckpoint } from '../../src/index.ts';
import { type FakeGcsFixture, SERVER_HOOK_TIMEOUT_MS, startFakeGcsFixture } from '../support/fake-gcs.ts';

let fixture: FakeGcsFixture;
beforeAll(async () => {
  fixture = await startFakeGcsFixture();
}, SERVER_HOOK_TIMEOUT_MS);
afterAll(async () => {
  await fixture?.stop();
});

let bucket = '';
testCheckpointStore({
  name: 'gcs on fake-gcs-server',
  async create() {
    bucket = await fixture.newBucket();
    return { store: gcsCheckpointStore(fixture.storeConfig(bucket)) };
  },
  createPeer: async () => gcsCheckpointStore(fixture.storeConfig(bucket)),
});

const KEY = 'acme/monitor/Sessions';

describe('gcs checkpoint objects', () => {
  it('keeps one object per stream at {prefix}/{key}.json; the version is its generation', async () => {
    const bucket = await fixture.newBucket();
    const store = gcsCheckpointStore(fixture.storeConfig(bucket, { prefix: 'citrix_monitor/_state/' }));
    const version = await store.write(KEY, { position: '2024-08-06T07:00:00.000Z' }, undefined);
    const name = `citrix_monitor/_state/${KEY}.json`;
    expect(await fixture.names(bucket)).toEqual([name]);
    expect((await fixture.metadata(bucket, name)).generation).toBe(version);
    const content = (await fixture.json(bucket, name)) as StoredCheckpoint;
    expect(content.state).toEqual({ position: '2024-08-06T07:00:00.000Z' });
    expect(content.writeId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(content.writtenAt))).toBe(false);
    expect(await store.list()).toEqual([KEY]);
    expect(await store.list('acme/monitor')).toEqual([KEY]);
    expect(await store.list('other')).toEqual([]);
  });

  it('reports a checkpoint deleted under a runner as a conflict', async () => {
    const bucket = await fixture.newBucket();
    const store = gcsCheckpointStore(fixture.storeConfig(bucket));
    const v1 = await store.write(KEY, { position: '2024-08-06T07:00:00.000Z' }, undefined);
    await store.delete(KEY);
    const write = store.write(KEY, { position: '2024-08-06T08:00:00.000Z' }, v1);
    await expect(write).rejects.toBeInstanceOf(CheckpointConflictError);
    await expect(write).rejects.toThrow(/it was deleted/);
  });

  it('refuses a version that is not a generation, and keys that are not plain paths', async () => {
    const store = gcsCheckpointStore(fixture.storeConfig(await fixture.newBucket()));
    await expect(store.write(KEY, { position: '2024-08-06T07:00:00.000Z' }, '"etag"')).rejects.toBeInstanceOf(
      CheckpointConflictError,
    );
    await expect(store.read('acme/../x')).rejects.toThrow(/not a plain path/);
  });

  it('says which bucket is missing when a checkpoint cannot be written', async () => {
    const store = gcsCheckpointStore(fixture.storeConfig('no-such-state-bucket'));
    await expect(store.write(KEY, { position: '2024-08-06T07:00:00.000Z' }, undefined)).rejects.toThrow(
      /GCS bucket "no-such-state-bucket" does not exist \(HTTP 404/,
    );
  });
});

describe("the seed collectors' state.json (legacyKey)", () => {
  const legacyKey = 'citrix_monitor/state.json';
  const legacyBody = '{"last_hour_utc":"2024-08-06T07:00:00Z"}';

  it('continues at the hour after last_hour_utc, creates our object on the first write, leaves state.json alone', async () => {
    const bucket = await fixture.newBucket();
    await fixture.put(bucket, legacyKey, legacyBody);
    const before = await fixture.metadata(bucket, legacyKey);
    const store = gcsCheckpointStore(
      fixture.storeConfig(bucket, { prefix: 'citrix_monitor/_state', legacyKey }),
    );

    const read = await store.read(KEY);
    expect(read).toEqual({ state: { position: '2024-08-06T08:00:00.000Z' }, version: LEGACY_VERSION });
    expect(Date.parse(read!.state.position)).toBe(Date.parse('2024-08-06T08:00:00Z'));
    expect((await store.read('acme/monitor/Machines'))?.state.position).toBe('2024-08-06T08:00:00.000Z');

    const v1 = await store.write(KEY, { position: '2024-08-06T09:00:00.000Z' }, read!.version);
    expect(await store.read(KEY)).toEqual({ state: { position: '2024-08-06T09:00:00.000Z' }, version: v1 });
    expect(await fixture.names(bucket)).toEqual([`citrix_monitor/_state/${KEY}.json`, legacyKey]);

    const late = store.write(KEY, { position: '2024-08-06T09:00:00.000Z' }, LEGACY_VERSION);
    await expect(late).rejects.toBeInstanceOf(CheckpointConflictError);

    const after = await fixture.metadata(bucket, legacyKey);
    expect(after.generation).toBe(before.generation);
    expect(await fixture.records(bucket, legacyKey)).toEqual([JSON.parse(legacyBody)]);
    expect(await store.list()).toEqual([KEY]);
  });

  it('reads nothing when neither our object nor the seed state exists, or the seed state has no hour', async () => {
    const bucket = await fixture.newBucket();
    const store = gcsCheckpointStore(fixture.storeConfig(bucket, { legacyKey }));
    expect(await store.read(KEY)).toBeUndefined();
    await fixture.put(bucket, legacyKey, '{}');
    expect(await store.read(KEY)).toBeUndefined();
  });

  it('stops on a seed state that is not JSON rather than silently starting over', async () => {
    const bucket = await fixture.newBucket();
    await fixture.put(bucket, legacyKey, 'not json');
    const store = gcsCheckpointStore(fixture.storeConfig(bucket, { legacyKey }));
    await expect(store.read(KEY)).rejects.toThrow(/state\.json \(legacyKey\) is not JSON/);
  });

  it('prefers our own checkpoint over the seed state once it exists', async () => {
    const bucket = await fixture.newBucket();
    await fixture.put(bucket, legacyKey, legacyBody);
    const store = gcsCheckpointStore(fixture.storeConfig(bucket, { legacyKey }));
    const v1 = await store.write(KEY, { position: '2024-08-06T12:00:00.000Z' }, undefined);
    expect(await store.read(KEY)).toEqual({ state: { position: '2024-08-06T12:00:00.000Z' }, version: v1 });
  });
});
