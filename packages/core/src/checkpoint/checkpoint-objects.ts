/**
 * A checkpoint store laid out as objects (S3, GCS):
 *
 * - one object per stream at `{prefix}/{key}.json` holding the checkpoint document
 *   (`checkpoint-document.ts`), and the seed collectors' `state.json` at `legacyKey` for streams that
 *   have no object yet;
 * - beside them, the window manifests (`CheckpointStore.manifests`): one object per window at
 *   `{prefix}/_manifests/{key}.json` holding `{ document, writeId, writtenAt }`, with the same
 *   conditional writes and no seed fallback. Checkpoint keys never start with `_manifests/`, so the
 *   two never mix: the checkpoint `list()` leaves the folder out.
 *
 * Both are conditional JSON documents as objects (`document-objects.ts`); this module says where each
 * lies and puts them together into a `CheckpointStore` over the service's requests (`ObjectBucket`).
 * The requests themselves (and their preconditions) are the service's.
 */

import type { CheckpointStore, StreamState, VersionedState } from '../contracts/checkpoint-store.ts';
import type { JsonRecord } from '../contracts/records.ts';
import { checkpointFromLegacyState, LEGACY_VERSION } from './checkpoint-document.ts';
import {
  assertUnreserved,
  checkpointDocumentKind,
  type DocumentObjects,
  type DocumentWrite,
  decodeStoredDocument,
  documentKeysOf,
  documentObjectName,
  documentObjects,
  manifestDocumentKind,
  type ObjectBucket,
  type ObjectText,
  objectDocumentStore,
  objectRoot,
} from './document-objects.ts';

/** The folder under a checkpoint store's prefix that holds the window manifests. */
export const MANIFESTS_FOLDER = '_manifests';

/** What every checkpoint object name under `prefix` starts with: `prefix/`, or nothing for the bucket root. */
export function checkpointRoot(prefix: string): string {
  return objectRoot(prefix);
}

/**
 * The object name the checkpoint `key` is stored at under `prefix`; refuses keys that are not plain
 * paths, and keys in the manifests' folder.
 */
export function checkpointObjectName(prefix: string, key: string): string {
  const name = documentObjectName(prefix, key, 'checkpoint');
  assertUnreserved(key, MANIFESTS_FOLDER, 'checkpoint');
  return name;
}

/** The prefix the manifests of a checkpoint store at `prefix` lie under: `{prefix}/_manifests`. */
export function manifestPrefix(prefix: string): string {
  return `${objectRoot(prefix)}${MANIFESTS_FOLDER}`;
}

/** The object name the manifest `key` is stored at, for a checkpoint store at `prefix`. */
export function manifestObjectName(prefix: string, key: string): string {
  return documentObjectName(manifestPrefix(prefix), key, 'manifest');
}

/**
 * The checkpoint keys among listed object `names` (all under `checkpointRoot(prefix)`), sorted;
 * manifests (under `_manifests/`) are not checkpoints.
 */
export function checkpointKeysOf(prefix: string, names: Iterable<string>): string[] {
  return documentKeysOf(prefix, names, MANIFESTS_FOLDER);
}

export interface CheckpointObjectsOptions {
  prefix: string;
  /** The seed's `state.json` a stream without an object continues from. */
  legacyKey?: string | undefined;
  /**
   * Where an earlier layout kept the checkpoints (`{prefix}/_state` under the data prefix): a stream
   * with no object at `prefix` continues from its object there, and its first write creates the new one.
   */
  previousPrefix?: string | undefined;
  /** The object's address for messages: `s3://bucket/name`. */
  location: (name: string) => string;
  /** What the service calls an object's version, for messages: `version` (an ETag), `generation`. */
  versionName: string;
  /** The service's read: the object's text and version, or undefined when it does not exist. */
  readObject: (name: string) => Promise<ObjectText | undefined>;
}

/**
 * One conditional write of a checkpoint, as the service's request needs it: create-only (no
 * checkpoint yet, or only the seed's state), or replace exactly `ifVersion`.
 */
export type CheckpointWrite = DocumentWrite;

export interface CheckpointObjects extends Omit<DocumentObjects<'state', StreamState>, 'read'> {
  /**
   * `CheckpointStore.read`: the stream's own checkpoint; without one, the hour after the seed's
   * state (version `LEGACY_VERSION`); else undefined.
   */
  read(key: string): Promise<VersionedState | undefined>;
}

/** The checkpoints as documents: `{prefix}/{key}.json`, the seed's state without one. */
function checkpointDocuments(options: CheckpointObjectsOptions): DocumentObjects<'state', StreamState> {
  const { prefix, legacyKey, previousPrefix, location, readObject } = options;
  return documentObjects({
    kind: checkpointDocumentKind,
    prefix,
    location,
    versionName: options.versionName,
    readObject,
    reserved: MANIFESTS_FOLDER,
    fallback: {
      version: LEGACY_VERSION,
      async read(key) {
        if (previousPrefix !== undefined) {
          const name = documentObjectName(previousPrefix, key);
          const previous = await readObject(name);
          if (previous)
            return decodeStoredDocument(checkpointDocumentKind, previous.text, location(name)).state;
        }
        if (legacyKey === undefined) return undefined;
        const found = await readObject(legacyKey);
        return found && checkpointFromLegacyState(found.text, location(legacyKey))?.state;
      },
    },
  });
}

/** The checkpoints of an object store: names, reads with the seed's state, what a write sends. */
export function checkpointObjects(options: CheckpointObjectsOptions): CheckpointObjects {
  const objects = checkpointDocuments(options);
  return {
    ...objects,
    async read(key) {
      const found = await objects.read(key);
      return found && { state: found.content, version: found.version };
    },
  };
}

export type ManifestObjectsOptions = Omit<CheckpointObjectsOptions, 'legacyKey' | 'previousPrefix'>;

/**
 * The window manifests beside the checkpoints of an object store at `prefix`: at
 * `{prefix}/_manifests/{key}.json`, without any seed fallback.
 */
export function manifestObjects(options: ManifestObjectsOptions): DocumentObjects<'document', JsonRecord> {
  return documentObjects({
    kind: manifestDocumentKind,
    prefix: manifestPrefix(options.prefix),
    location: options.location,
    versionName: options.versionName,
    readObject: options.readObject,
  });
}

export interface ObjectCheckpointStoreOptions {
  /** `CheckpointStore.type`: `s3`, `gcs`. */
  type: string;
  prefix: string;
  /** The seed's `state.json` a stream without a checkpoint continues from. */
  legacyKey?: string | undefined;
  previousPrefix?: string | undefined;
  bucket: ObjectBucket;
}

export interface ObjectCheckpointStore extends CheckpointStore {
  /** The object name a checkpoint key is stored at. */
  objectName(key: string): string;
  /** The object name a manifest key is stored at. */
  manifestObjectName(key: string): string;
}

/** A whole checkpoint store, checkpoints and manifests, over the service's requests. */
export function objectCheckpointStore(options: ObjectCheckpointStoreOptions): ObjectCheckpointStore {
  const { bucket } = options;
  const base = {
    prefix: options.prefix,
    location: (name: string) => bucket.location(name),
    versionName: bucket.versionName,
  };
  const checkpoints = checkpointDocuments({
    ...base,
    legacyKey: options.legacyKey,
    previousPrefix: options.previousPrefix,
    readObject: (name) => bucket.get(name, 'checkpoint'),
  });
  const manifests = manifestObjects({ ...base, readObject: (name) => bucket.get(name, 'manifest') });
  const checkpointStore = objectDocumentStore(checkpoints, bucket);
  const manifestStore = objectDocumentStore(manifests, bucket);
  return {
    type: options.type,
    objectName: checkpoints.objectName,
    manifestObjectName: manifests.objectName,
    async read(key) {
      const found = await checkpointStore.read(key);
      return found && { state: found.content, version: found.version };
    },
    write: checkpointStore.write,
    delete: checkpointStore.delete,
    list: checkpointStore.list,
    manifests: {
      async read(key) {
        const found = await manifestStore.read(key);
        return found && { document: found.content, version: found.version };
      },
      write: manifestStore.write,
      delete: manifestStore.delete,
      list: manifestStore.list,
    },
  };
}
