/** Checkpoint stores laid out as objects (S3, GCS): conditional JSON documents, checkpoints, manifests. */

// The checkpoint document and the migration from the seed collectors' state.
export {
  checkpointFromLegacyState,
  createsCheckpoint,
  decodeCheckpointDocument,
  encodeCheckpointDocument,
  LEGACY_VERSION,
  newCheckpointDocument,
  type StoredCheckpoint,
  type VersionedCheckpoint,
} from './checkpoint-document.ts';
// Where checkpoints and manifests lie as objects, put together into a CheckpointStore.
export {
  type CheckpointObjects,
  type CheckpointObjectsOptions,
  type CheckpointWrite,
  checkpointKeysOf,
  checkpointObjectName,
  checkpointObjects,
  checkpointRoot,
  MANIFESTS_FOLDER,
  type ManifestObjectsOptions,
  manifestObjectName,
  manifestObjects,
  manifestPrefix,
  type ObjectCheckpointStore,
  type ObjectCheckpointStoreOptions,
  objectCheckpointStore,
} from './checkpoint-objects.ts';
// Conditional JSON documents as objects: the rules checkpoints and manifests share, whatever the service.
export {
  assertPlainKey,
  assertUnreserved,
  checkpointDocumentKind,
  type DocumentKind,
  type DocumentObjects,
  type DocumentObjectsOptions,
  type DocumentWrite,
  decodeStoredDocument,
  documentKeysOf,
  documentObjectName,
  documentObjects,
  encodeStoredDocument,
  invalidDocumentError,
  isJsonObject,
  manifestDocumentKind,
  newStoredDocument,
  type ObjectBucket,
  type ObjectDocumentStore,
  type ObjectText,
  objectDocumentStore,
  objectRoot,
  type PutOutcome,
  parseStoredDocument,
  type RefusedWrite,
  type StoredDocument,
  settleRefusedWrite,
  type VersionedDocument,
  type WriteCondition,
} from './document-objects.ts';
// The seed collectors' `state.json`, read as a position.
export { type LegacyState, positionFromLegacyState } from './legacy-state.ts';
