import { CheckpointConflictError } from '@ctxsiem/core';
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

  it('says which bucket is missing when a checkpoint cannot be written', async () => {
    const store = gcsCheckpointStore(fixture.storeConfig('no-such-state-bucket'));
    await expect(store.write(KEY, { position: '2024-08-06T07:00:00.000Z' }, undefined)).rejects.toThrow(
      /GCS bucket "no-such-state-bucket" does not exist \(HTTP 404/,
    );
  });
});
