/** The S3 sink and store under core's runner, on MinIO: test-kit's object-store conformance suite. */
import { silentLogger } from '@ctxsiem/core';
import { fileCheckpointStore, fileSink } from '@ctxsiem/sink-file';
import { testObjectStoreRuns } from '@ctxsiem/test-kit';
import { afterAll, beforeAll } from 'vitest';
import { s3CheckpointStore, s3Sink } from '../../src/index.ts';
import { type MinioFixture, SERVER_HOOK_TIMEOUT_MS, startMinioFixture } from '../support/minio.ts';

const deps = { logger: silentLogger(), clock: { now: Date.now } };

let fixture: MinioFixture;
beforeAll(async () => {
  fixture = await startMinioFixture();
}, SERVER_HOOK_TIMEOUT_MS);
afterAll(async () => {
  await fixture?.stop();
});

testObjectStoreRuns({
  name: 's3 on MinIO',
  reference: { sink: fileSink, checkpoints: fileCheckpointStore },
  async create({ prefix, legacyKey }) {
    const bucket = await fixture.newBucket();
    return {
      ...fixture.reader(bucket),
      sink: s3Sink(fixture.sinkConfig(bucket, { prefix }), deps),
      checkpoints: (placement) => s3CheckpointStore(fixture.storeConfig(bucket, placement)),
      writeLegacyState: (json) => fixture.put(bucket, legacyKey, json),
    };
  },
});
