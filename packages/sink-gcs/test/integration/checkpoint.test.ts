import { CheckpointConflictError } from '@ctxsiem/core';
import { testObjectCheckpointStore, useServer } from '@ctxsiem/test-kit';
import { describe, expect, it } from 'vitest';
import { gcsCheckpointStore } from '../../src/index.ts';
import { reference, startFakeGcsFixture } from '../support/fake-gcs.ts';

const fixture = useServer(startFakeGcsFixture);
// The store's conformance, and the sink and store under core's runner against the file sink's output.
testObjectCheckpointStore({ name: 'gcs on fake-gcs-server', harness: fixture, reference });

describe('gcs checkpoint objects', () => {
  const KEY = 'acme/monitor/Sessions';
  it('refuses a version that is not a generation without asking GCS', async () => {
    const store = gcsCheckpointStore(fixture().storeConfig(await fixture().newBucket()));
    const write = store.write(KEY, { position: '2024-08-06T07:00:00.000Z' }, '"etag"');
    await expect(write).rejects.toBeInstanceOf(CheckpointConflictError);
  });

  it('says which bucket is missing when a checkpoint cannot be written', async () => {
    const store = gcsCheckpointStore(fixture().storeConfig('no-such-state-bucket'));
    await expect(store.write(KEY, { position: '2024-08-06T07:00:00.000Z' }, undefined)).rejects.toThrow(
      /GCS bucket "no-such-state-bucket" does not exist \(HTTP 404/,
    );
  });
});
