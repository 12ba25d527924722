/**
 * What is particular to checkpoints among the conditional JSON documents the object-store checkpoint
 * stores (S3, GCS) keep (`document-objects.ts` holds the rules they share with the window manifests):
 *
 * - the document `{ state, writeId, writtenAt }` (`StoredCheckpoint`), whose `state` must at least
 *   hold a `position`;
 * - the migration from the seed collectors: a stream known only from the seed's `state.json` reads
 *   with the version `LEGACY_VERSION`, and writing with that version creates the stream's object. This
 *   applies to checkpoints only, never to manifests.
 *
 * Where the objects lie and how a store reads them is `checkpoint-objects.ts`; the services' own calls
 * (conditional puts, ETags, generations) stay in the sink packages.
 */
import type { StreamState, VersionedState } from '../contracts/checkpoint-store.ts';
import { CtxsiemError } from '../errors/errors.ts';
import {
  checkpointDocumentKind,
  decodeStoredDocument,
  encodeStoredDocument,
  newStoredDocument,
  type StoredDocument,
  type VersionedDocument,
} from './document-objects.ts';
import { positionFromLegacyState } from './legacy-state.ts';

/**
 * The version `read` reports for a stream known only from the seed's `state.json`: writing with it
 * creates the stream's object, exactly like writing with `undefined`.
 */
export const LEGACY_VERSION = 'legacy:none';

/** What a checkpoint object holds: the state, a write id unique per write, when it was written. */
export type StoredCheckpoint = StoredDocument<'state', StreamState>;

/** A checkpoint document as read back, with the version (ETag, generation) of the object holding it. */
export type VersionedCheckpoint = VersionedDocument<StoredCheckpoint>;

/** Whether a write with `ifVersion` creates the object (no checkpoint yet, or only the seed's state). */
export function createsCheckpoint(
  ifVersion: string | undefined,
): ifVersion is undefined | typeof LEGACY_VERSION {
  return ifVersion === undefined || ifVersion === LEGACY_VERSION;
}

/** A fresh document for `state`: a new write id, written now. */
export function newCheckpointDocument(state: StreamState, now: Date = new Date()): StoredCheckpoint {
  return newStoredDocument(checkpointDocumentKind, state, now);
}

/** The object body of a checkpoint document. */
export function encodeCheckpointDocument(document: StoredCheckpoint): string {
  return encodeStoredDocument(document);
}

/**
 * The document in a checkpoint object's text. `location` (`s3://bucket/key`) names the object when the
 * text is not a ctxsiem checkpoint: a read that guessed would restart or skip data.
 */
export function decodeCheckpointDocument(text: string, location: string): StoredCheckpoint {
  return decodeStoredDocument(checkpointDocumentKind, text, location);
}

/**
 * A seed collector's `state.json` text (at `location`) as a store's answer: the hour after its
 * `last_hour_utc` with the version `LEGACY_VERSION`, or undefined when it holds no hour. Text that is
 * not JSON stops the read rather than silently starting over.
 */
export function checkpointFromLegacyState(text: string, location: string): VersionedState | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CtxsiemError(
      'CHECKPOINT_READ_FAILED',
      `the seed's state ${location} (legacyKey) is not JSON; expected {"last_hour_utc": "…Z"}`,
      { cause: error },
    );
  }
  const position = positionFromLegacyState(parsed);
  if (position === undefined) return undefined;
  return { state: { position: position.toISOString() }, version: LEGACY_VERSION };
}
