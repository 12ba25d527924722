import { gcsSink } from './sink.ts';

// Core's, re-exported: what a user of the GCS store and sink meets by these names.
export { LEGACY_VERSION, ndjsonExceeds, type StoredCheckpoint } from '@ctxsiem/core';
// The GCS driver's, re-exported: the client, bucket housekeeping and GCS's failures explained.
export {
  createStorage,
  ensureBucket,
  explainGcsError,
  type GcsFailure,
  type GcsOperation,
  gcsFailure,
  listObjectKeys,
} from '@ctxsiem/object-store-gcs';
export { type GcsCheckpointStore, gcsCheckpointStore } from './checkpoint.ts';
export * from './config.ts';
export { type GcsReceipt, type GcsSink, gcsSink, NDJSON_CONTENT_TYPE } from './sink.ts';
export default gcsSink;
