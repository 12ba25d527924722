export { ensureBucket, listObjectKeys } from './bucket.ts';
export { createS3Client, describeTarget, encryptionParams, resolveRegion } from './client.ts';
export * from './config.ts';
export {
  CONFLICT_ATTEMPTS,
  DEFAULT_PART_SIZE_BYTES,
  type S3ObjectStore,
  type S3ObjectStoreOptions,
  s3ObjectStore,
  UPLOAD_QUEUE_SIZE,
} from './driver.ts';
export {
  areaStatements,
  bucketArn,
  explainS3Error,
  type IamStatement,
  isAlreadyExists,
  isConditionalConflict,
  isNoSuchKey,
  isPreconditionFailure,
  type S3Failure,
  type S3Operation,
  s3Failure,
} from './errors.ts';
