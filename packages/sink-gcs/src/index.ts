import { gcsSink } from './sink.ts';

export { ensureBucket, listObjectKeys } from './bucket.ts';
export {
  type GcsCheckpointStore,
  gcsCheckpointStore,
  LEGACY_VERSION,
  type StoredCheckpoint,
} from './checkpoint.ts';
export { createStorage } from './client.ts';
export * from './config.ts';
export { explainGcsError, type GcsFailure, type GcsOperation, gcsFailure } from './errors.ts';
export { type GcsReceipt, type GcsSink, gcsSink, NDJSON_CONTENT_TYPE, ndjsonExceeds } from './sink.ts';
export default gcsSink;
