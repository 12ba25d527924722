import { CheckpointConflictError, manifestKey } from '@ctxsiem/core';
import { testCheckpointStore } from '@ctxsiem/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gcsCheckpointStore } from '../../src/index.ts';
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
  it('refuses a version that is not a generation, and keys that are not plain paths', async () => {
    const store = gcsCheckpointStore(fixture.storeConfig(await fixture.newBucket()));
    await expect(store.write(KEY, { position: '2024-08-06T07:00:00.000Z' }, '"etag"')).rejects.toBeInstanceOf(
      CheckpointConflictError,
    );
    await expect(store.read('acme/../x')).rejects.toThrow(/not a plain path/);
  });

  it('keeps window manifests at {prefix}/_manifests/{key}.json; the generation is the version', async () => {
    const bucket = await fixture.newBucket();
    const store = gcsCheckpointStore(fixture.storeConfig(bucket, { prefix: 'citrix/_state' }));
    const key = manifestKey(KEY, new Date('2024-08-06T07:00:00Z'));
    await store.write(KEY, { position: '2024-08-06T07:00:00.000Z' }, undefined);
    const version = await store.manifests.write(key, { parts: [], digests: '' }, undefined);
    const name = `citrix/_state/_manifests/${KEY}/2024-08-06T070000.000Z.json`;
    expect(store.manifestObjectName(key)).toBe(name);
    expect(await fixture.names(bucket)).toEqual([name, `citrix/_state/${KEY}.json`]);
    expect((await fixture.metadata(bucket, name)).generation).toBe(version);
    expect(JSON.parse(await fixture.reader(bucket).text(name))).toEqual({
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
    const store = gcsCheckpointStore(
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
    const store = gcsCheckpointStore(fixture.storeConfig(bucket));
    const key = manifestKey(KEY, new Date('2024-08-06T07:00:00Z'));
    await fixture.put(bucket, store.manifestObjectName(key), '"text"');
    await expect(store.manifests.read(key)).rejects.toThrow(
      `manifest gs://${bucket}/_state/_manifests/${key}.json is not a ctxsiem manifest (it is not a JSON object)`,
    );
  });

  it('says which bucket is missing when a checkpoint cannot be written', async () => {
    const store = gcsCheckpointStore(fixture.storeConfig('no-such-state-bucket'));
    await expect(store.write(KEY, { position: '2024-08-06T07:00:00.000Z' }, undefined)).rejects.toThrow(
      /GCS bucket "no-such-state-bucket" does not exist \(HTTP 404/,
    );
  });
});
