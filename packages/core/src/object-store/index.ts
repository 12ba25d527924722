/** Object stores (S3, GCS) as drivers: what a driver provides, and the object sink built on one. */

// What object sinks' and checkpoint stores' configs share: layout options, docs, the seeds' environment.
export {
  type ObjectEnvOptions,
  type ObjectServiceNames,
  objectCheckpointShape,
  objectSinkShape,
  objectStoreConnectors,
  objectStoreEnv,
  streamThresholdSchema,
} from './object-config.ts';
// The object sink: create-only NDJSON parts over a driver, read back, dead letters listed, checked.
export {
  NDJSON_CONTENT_TYPE,
  type ObjectReceipt,
  type ObjectSink,
  type ObjectSinkOptions,
  objectSink,
} from './object-sink.ts';
// What a bucket driver provides: documents, create-only objects, reads, listings, failures explained.
export type {
  CreateOnlyObject,
  CreateOutcome,
  ListedObject,
  ObjectAccess,
  ObjectArea,
  ObjectOperation,
  ObjectStoreDriver,
  StoredObject,
  UploadPaths,
} from './object-store.ts';
