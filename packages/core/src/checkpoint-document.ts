/**
 * How the object-store checkpoint stores (S3, GCS) keep a stream's checkpoint, whatever the service:
 *
 * - what: the document `{ state, writeId, writtenAt }` as indented JSON. The `writeId` is new on every
 *   write, so no two writes store the same bytes (an ETag that is the MD5 of the content never comes
 *   back: no ABA), and a retried write can recognise its own success;
 * - the migration from the seed collectors: a stream known only from the seed's `state.json` reads
 *   with the version `LEGACY_VERSION`, and writing with that version creates the stream's object;
 * - a refused conditional write: either our own retried request whose first attempt did succeed (the
 *   stored `writeId` is ours), or a `CheckpointConflictError`.
 *
 * Where the objects lie and how a store reads them is `checkpoint-objects.ts`; the services' own calls
 * (conditional puts, ETags, generations) stay in the sink packages.
 */
import { randomUUID } from 'node:crypto';
import type { StreamState, VersionedState } from './contracts.ts';
import { CheckpointConflictError, CtxsiemError } from './errors.ts';
import { positionFromLegacyState } from './legacy-state.ts';

/**
 * The version `read` reports for a stream known only from the seed's `state.json`: writing with it
 * creates the stream's object, exactly like writing with `undefined`.
 */
export const LEGACY_VERSION = 'legacy:none';

/** What a checkpoint object holds. */
export interface StoredCheckpoint {
  state: StreamState;
  /** Unique per write: keeps the stored bytes unique and lets a retried write recognise its own success. */
  writeId: string;
  writtenAt: string;
}

/** A checkpoint document as read back, with the version (ETag, generation) of the object holding it. */
export interface VersionedCheckpoint {
  document: StoredCheckpoint;
  version: string;
}

/** Whether a write with `ifVersion` creates the object (no checkpoint yet, or only the seed's state). */
export function createsCheckpoint(
  ifVersion: string | undefined,
): ifVersion is undefined | typeof LEGACY_VERSION {
  return ifVersion === undefined || ifVersion === LEGACY_VERSION;
}

/** A fresh document for `state`: a new write id, written now. */
export function newCheckpointDocument(state: StreamState, now: Date = new Date()): StoredCheckpoint {
  return { state, writeId: randomUUID(), writtenAt: now.toISOString() };
}

/** The object body of a checkpoint document. */
export function encodeCheckpointDocument(document: StoredCheckpoint): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/**
 * The document in a checkpoint object's text. `location` (`s3://bucket/key`) names the object when the
 * text is not a ctxsiem checkpoint: a read that guessed would restart or skip data.
 */
export function decodeCheckpointDocument(text: string, location: string): StoredCheckpoint {
  try {
    const stored = JSON.parse(text) as StoredCheckpoint;
    if (typeof stored?.state?.position !== 'string') throw new Error('it has no state.position');
    return stored;
  } catch (error) {
    throw new CtxsiemError(
      'CHECKPOINT_READ_FAILED',
      `checkpoint ${location} is not a ctxsiem checkpoint (${(error as Error).message}); fix or delete it (ctxsiem state reset)`,
      { cause: error },
    );
  }
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

export interface RefusedWrite {
  /** The checkpoint key. */
  key: string;
  /** The document the refused write tried to store. */
  written: StoredCheckpoint;
  /** The version the write was conditional on (`undefined` or `LEGACY_VERSION`: create). */
  ifVersion: string | undefined;
  /** The object, for the message: `s3://bucket/key`, `gs://bucket/name`. */
  location: string;
  /** What the service calls a version, for the message: `version` (ETag), `generation`. */
  versionName: string;
  /** Reads the checkpoint as it is now (undefined: there is none). */
  reread: () => Promise<VersionedCheckpoint | undefined>;
  /** The service's refusal. */
  cause: unknown;
}

/**
 * After a conditional write was refused (a 412): a retried request whose first attempt did succeed is
 * refused too, so when the stored document carries this write's `writeId` the write did happen and its
 * version is returned. Anything else is a `CheckpointConflictError`; so is a failed read-back, since
 * stopping without advancing is the safe answer.
 */
export async function settleRefusedWrite(refused: RefusedWrite): Promise<string> {
  const { key, ifVersion, location, versionName } = refused;
  const current = await refused.reread().catch(() => null);
  if (current?.document.writeId === refused.written.writeId) return current.version;
  const found =
    current === null
      ? 'could not read it back'
      : current
        ? `found ${versionName} ${current.version}`
        : 'it was deleted';
  throw new CheckpointConflictError(
    key,
    createsCheckpoint(ifVersion)
      ? `${location} already exists`
      : `expected ${versionName} ${ifVersion} of ${location}, ${found}`,
    { cause: refused.cause },
  );
}
