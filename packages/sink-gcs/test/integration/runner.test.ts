/** The GCS sink and store under core's runner, on fake-gcs-server: test-kit's object-store conformance suite. */
import { silentLogger } from '@ctxsiem/core';
import { fileCheckpointStore, fileSink } from '@ctxsiem/sink-file';
import { testObjectStoreRuns } from '@ctxsiem/test-kit';
import { afterAll, beforeAll } from 'vitest';
import { gcsCheckpointStore, gcsSink } from '../../src/index.ts';
import { type FakeGcsFixture, SERVER_HOOK_TIMEOUT_MS, startFakeGcsFixture } from '../support/fake-gcs.ts';

const deps = { logger: silentLogger(), clock: { now: Date.now } };

let fixture: FakeGcsFixture;
beforeAll(async () => {
  fixture = await startFakeGcsFixture();
}, SERVER_HOOK_TIMEOUT_MS);
afterAll(async () => {
  await fixture?.stop();
});

testObjectStoreRuns({
  name: 'gcs on fake-gcs-server',
  reference: { sink: fileSink, checkpoints: fileCheckpointStore },
  async create({ prefix, legacyKey }) {
    const bucket = await fixture.newBucket();
    return {
      ...fixture.reader(bucket),
      sink: gcsSink(fixture.sinkConfig(bucket, { prefix }), deps),
      checkpoints: (placement) => gcsCheckpointStore(fixture.storeConfig(bucket, placement)),
      writeLegacyState: (json) => fixture.put(bucket, legacyKey, json),
    };
  },
});
