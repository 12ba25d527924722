import { gcsSink } from './sink.ts';

// Core's, re-exported: what a user of the GCS store and sink meets by these names.
export { LEGACY_VERSION, ndjsonExceeds, type StoredCheckpoint } from '@ctxsiem/core';
export { ensureBucket, listObjectKeys } from './bucket.ts';
export { type GcsCheckpointStore, gcsCheckpointStore } from './checkpoint.ts';
export { createStorage } from './client.ts';
export * from './config.ts';
export { explainGcsError, type GcsFailure, type GcsOperation, gcsFailure } from './errors.ts';
export { type GcsReceipt, type GcsSink, gcsSink, NDJSON_CONTENT_TYPE } from './sink.ts';
export default gcsSink;
