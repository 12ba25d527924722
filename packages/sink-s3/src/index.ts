import { s3Sink } from './sink.ts';

// Core's, re-exported: what a user of the S3 store and sink meets by these names.
export { LEGACY_VERSION, ndjsonExceeds, type StoredCheckpoint } from '@ctxsiem/core';
// The S3 driver's, re-exported: the client, bucket housekeeping and S3's failures explained.
export {
  areaStatements,
  createS3Client,
  encryptionParams,
  ensureBucket,
  explainS3Error,
  type IamStatement,
  listObjectKeys,
  resolveRegion,
  type S3Failure,
  type S3Operation,
  s3Failure,
} from '@ctxsiem/object-store-s3';
export { type S3CheckpointStore, s3CheckpointStore } from './checkpoint.ts';
export * from './config.ts';
export { NDJSON_CONTENT_TYPE, type S3Receipt, type S3Sink, s3Sink, UPLOAD_QUEUE_SIZE } from './sink.ts';
export default s3Sink;
