import { s3Sink } from './sink.ts';

export { ensureBucket, listObjectKeys } from './bucket.ts';
export {
  LEGACY_VERSION,
  type S3CheckpointStore,
  type StoredCheckpoint,
  s3CheckpointStore,
} from './checkpoint.ts';
export { createS3Client, encryptionParams, resolveRegion } from './client.ts';
export * from './config.ts';
export { explainS3Error, type S3Failure, type S3Operation, s3Failure } from './errors.ts';
export {
  NDJSON_CONTENT_TYPE,
  ndjsonExceeds,
  type S3Receipt,
  type S3Sink,
  s3Sink,
  UPLOAD_QUEUE_SIZE,
} from './sink.ts';
export default s3Sink;
