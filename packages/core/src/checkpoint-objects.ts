/**
 * A checkpoint store laid out as objects (S3, GCS): one object per stream at `{prefix}/{key}.json`
 * holding the checkpoint document (`checkpoint-document.ts`), and the seed collectors' `state.json` at
 * `legacyKey` for streams that have no object yet. This is the part of such a store that does not
 * depend on the service: object names, listing keys back, `read` over the service's "get an object's
 * text and version", and what a conditional write sends and makes of a refusal. The requests
 * themselves (and their preconditions) are the service's.
 */
import {
  checkpointFromLegacyState,
  createsCheckpoint,
  decodeCheckpointDocument,
  encodeCheckpointDocument,
  newCheckpointDocument,
  settleRefusedWrite,
  type VersionedCheckpoint,
} from './checkpoint-document.ts';
import type { StreamState, VersionedState } from './contracts.ts';
import { CtxsiemError } from './errors.ts';

const SUFFIX = '.json';

/** What every checkpoint object name under `prefix` starts with: `prefix/`, or nothing for the bucket root. */
export function checkpointRoot(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed ? `${trimmed}/` : '';
}

/** The object name the checkpoint `key` is stored at under `prefix`; refuses keys that are not plain paths. */
export function checkpointObjectName(prefix: string, key: string): string {
  if (key.split('/').some((part) => part === '..' || part === '.' || part === '')) {
    throw new CtxsiemError('CHECKPOINT_KEY_INVALID', `checkpoint key "${key}" is not a plain path`);
  }
  return `${checkpointRoot(prefix)}${key}${SUFFIX}`;
}

/** The checkpoint keys among listed object `names` (all under `checkpointRoot(prefix)`), sorted. */
export function checkpointKeysOf(prefix: string, names: Iterable<string>): string[] {
  const root = checkpointRoot(prefix);
  const keys: string[] = [];
  for (const name of names) {
    if (name.startsWith(root) && name.endsWith(SUFFIX)) keys.push(name.slice(root.length, -SUFFIX.length));
  }
  return keys.sort();
}

/** One object as a store reads it: its text and the version that text belongs to (ETag, generation). */
export interface ObjectText {
  text: string;
  version: string;
}

export interface CheckpointObjectsOptions {
  prefix: string;
  /** The seed's `state.json` a stream without an object continues from. */
  legacyKey?: string | undefined;
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
export type CheckpointWrite = {
  /** The object to write. */
  name: string;
  /** The object's new content (a fresh document: its own `writeId`). */
  body: string;
  /**
   * What a refused write (the service's precondition failure, `cause`) means: the new version when it
   * was our own retried request, else a thrown `CheckpointConflictError`.
   */
  refused(cause: unknown): Promise<string>;
} & ({ create: true } | { create: false; ifVersion: string });

export interface CheckpointObjects {
  objectName(key: string): string;
  /** What to list for `CheckpointStore.list(keyPrefix)`: every object name starting with this. */
  listPrefix(keyPrefix: string): string;
  /** The sorted checkpoint keys among the listed object names. */
  keysOf(names: Iterable<string>): string[];
  /** The stream's document and its object's version, or undefined when it has no object. */
  load(key: string): Promise<VersionedCheckpoint | undefined>;
  /**
   * `CheckpointStore.read`: the stream's own checkpoint; without one, the hour after the seed's
   * state (version `LEGACY_VERSION`); else undefined.
   */
  read(key: string): Promise<VersionedState | undefined>;
  /** Prepares the write of `state` over `ifVersion` (`CheckpointStore.write`'s arguments). */
  prepareWrite(key: string, state: StreamState, ifVersion: string | undefined): CheckpointWrite;
}

export function checkpointObjects(options: CheckpointObjectsOptions): CheckpointObjects {
  const { prefix, legacyKey, location, versionName, readObject } = options;
  const objectName = (key: string) => checkpointObjectName(prefix, key);

  async function load(key: string): Promise<VersionedCheckpoint | undefined> {
    const name = objectName(key);
    const found = await readObject(name);
    if (!found) return undefined;
    return { document: decodeCheckpointDocument(found.text, location(name)), version: found.version };
  }

  async function legacy(): Promise<VersionedState | undefined> {
    if (legacyKey === undefined) return undefined;
    const found = await readObject(legacyKey);
    return found && checkpointFromLegacyState(found.text, location(legacyKey));
  }

  return {
    objectName,
    listPrefix: (keyPrefix) => `${checkpointRoot(prefix)}${keyPrefix}`,
    keysOf: (names) => checkpointKeysOf(prefix, names),
    load,
    async read(key) {
      const stored = await load(key);
      if (stored) return { state: stored.document.state, version: stored.version };
      return legacy();
    },
    prepareWrite(key, state, ifVersion) {
      const name = objectName(key);
      const written = newCheckpointDocument(state);
      return {
        name,
        body: encodeCheckpointDocument(written),
        ...(createsCheckpoint(ifVersion) ? { create: true as const } : { create: false as const, ifVersion }),
        refused: (cause: unknown) =>
          settleRefusedWrite({
            key,
            written,
            ifVersion,
            location: location(name),
            versionName,
            reread: () => load(key),
            cause,
          }),
      };
    },
  };
}
