export { ensureBucket, listObjectKeys } from './bucket.ts';
export { createStorage, describeTarget } from './client.ts';
export * from './config.ts';
export {
  DEFAULT_CHUNK_SIZE_BYTES,
  type GcsObjectStore,
  type GcsObjectStoreOptions,
  gcsObjectStore,
} from './driver.ts';
export {
  explainGcsError,
  type GcsFailure,
  type GcsOperation,
  gcsFailure,
  isMissingBucket,
  isNotFound,
  isPreconditionFailure,
} from './errors.ts';
