import { s3Sink } from './sink.ts';

// Core's, re-exported: what a user of the S3 store and sink meets by these names.
export { LEGACY_VERSION, ndjsonExceeds, type StoredCheckpoint } from '@ctxsiem/core';
export { ensureBucket, listObjectKeys } from './bucket.ts';
export { type S3CheckpointStore, s3CheckpointStore } from './checkpoint.ts';
export { createS3Client, encryptionParams, resolveRegion } from './client.ts';
export * from './config.ts';
export {
  areaStatements,
  explainS3Error,
  type IamStatement,
  type S3Failure,
  type S3Operation,
  s3Failure,
} from './errors.ts';
export { NDJSON_CONTENT_TYPE, type S3Receipt, type S3Sink, s3Sink, UPLOAD_QUEUE_SIZE } from './sink.ts';
export default s3Sink;
