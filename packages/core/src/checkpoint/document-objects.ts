/**
 * Conditional JSON documents kept as objects in a bucket (S3, GCS): the stream checkpoints and, beside
 * them, the window manifests. Both follow one set of rules, whatever the service:
 *
 * - what is stored: a wrapper `{ <field>, writeId, writtenAt }` as indented JSON, `<field>` being the
 *   kind's (`state` for a checkpoint, `document` for a manifest). The `writeId` is new on every write,
 *   so no two writes store the same bytes (an ETag that is the content's MD5 never comes back: no ABA)
 *   and a retried write can recognise its own success;
 * - reading: the object's text and version (ETag, generation); text that is not a wrapper of the kind
 *   (not JSON, not a JSON object, invalid content) is an error naming the object, since a read that
 *   guessed would restart or skip data;
 * - writing: create-only when `ifVersion` is undefined (or a kind's stand-in version, the checkpoints'
 *   `LEGACY_VERSION`), else replace exactly `ifVersion`. A refused write is either our own retried
 *   request whose first attempt did succeed (the stored `writeId` is ours: success) or a
 *   `CheckpointConflictError`.
 *
 * `documentObjects` is the part of a store that needs only the service's "get an object's text and
 * version"; `objectDocumentStore` adds writes, deletes and listings over the service's own requests
 * (`ObjectBucket`). `checkpoint-objects.ts` puts checkpoints and manifests together into a
 * `CheckpointStore`; the services' calls stay in the sink packages.
 */
import { randomUUID } from 'node:crypto';
import type { StreamState } from '../contracts/checkpoint-store.ts';
import type { JsonRecord } from '../contracts/records.ts';
import { CheckpointConflictError, CtxsiemError } from '../errors/errors.ts';

/** A plain JSON object: not null, not an array. */
export function isJsonObject(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What kind of document a store keeps: where the content sits in the wrapper and what it must be. */
export interface DocumentKind<F extends string, T extends object> {
  /** The wrapper's field holding the content: `state` (checkpoints), `document` (manifests). */
  readonly field: F;
  /** What the document is called in messages: `checkpoint`, `manifest`. */
  readonly noun: string;
  /** The content in the wrapper's field, or why it cannot be this kind's content. */
  accept(content: unknown): { content: T } | { reason: string };
}

/** Checkpoints: the wrapper's `state` is a `StreamState` (at least a `position`). */
export const checkpointDocumentKind: DocumentKind<'state', StreamState> = {
  field: 'state',
  noun: 'checkpoint',
  accept: (state) =>
    isJsonObject(state) && typeof state.position === 'string'
      ? { content: state as unknown as StreamState }
      : { reason: 'it has no state.position' },
};

/** Window manifests: the wrapper's `document` is any JSON object. */
export const manifestDocumentKind: DocumentKind<'document', JsonRecord> = {
  field: 'document',
  noun: 'manifest',
  accept: (document) =>
    isJsonObject(document) ? { content: document } : { reason: 'its document is not a JSON object' },
};

/** What a document object holds: the content under the kind's field, a unique write id, when. */
export type StoredDocument<F extends string, T> = { [K in F]: T } & {
  /** Unique per write: keeps the stored bytes unique and lets a retried write recognise its own success. */
  writeId: string;
  writtenAt: string;
};

/** A document as read back, with the version (ETag, generation) of the object holding it. */
export interface VersionedDocument<D> {
  document: D;
  version: string;
}

/** A fresh wrapper for `content`: a new write id, written now. */
export function newStoredDocument<F extends string, T extends object>(
  kind: DocumentKind<F, T>,
  content: T,
  now: Date = new Date(),
): StoredDocument<F, T> {
  return { [kind.field]: content, writeId: randomUUID(), writtenAt: now.toISOString() } as StoredDocument<
    F,
    T
  >;
}

/** The object body of a stored document. */
export function encodeStoredDocument(document: object): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** The error for a stored document that is not one of its kind, naming where it is and the way out. */
export function invalidDocumentError(noun: string, location: string, reason: string, cause?: unknown) {
  return new CtxsiemError(
    'CHECKPOINT_READ_FAILED',
    `${noun} ${location} is not a ctxsiem ${noun} (${reason}); fix or delete it (ctxsiem state reset)`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * The wrapper in an already parsed value; `location` (`s3://bucket/key`, a file path) names it when it
 * is not one of `kind`'s.
 */
export function parseStoredDocument<F extends string, T extends object>(
  kind: DocumentKind<F, T>,
  value: unknown,
  location: string,
): StoredDocument<F, T> {
  if (!isJsonObject(value)) throw invalidDocumentError(kind.noun, location, 'it is not a JSON object');
  const accepted = kind.accept(value[kind.field]);
  if ('reason' in accepted) throw invalidDocumentError(kind.noun, location, accepted.reason);
  return value as StoredDocument<F, T>;
}

/** The wrapper in an object's text; `location` names the object when the text is not one of `kind`'s. */
export function decodeStoredDocument<F extends string, T extends object>(
  kind: DocumentKind<F, T>,
  text: string,
  location: string,
): StoredDocument<F, T> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalidDocumentError(kind.noun, location, (error as Error).message, error);
  }
  return parseStoredDocument(kind, value, location);
}

/** One conditional write: create-only, or replace exactly `ifVersion`. */
export type WriteCondition = { create: true } | { create: false; ifVersion: string };

export interface RefusedWrite {
  /** The document's key. */
  key: string;
  /** The wrapper the refused write tried to store. */
  written: { writeId: string };
  /** The version the write was conditional on. */
  ifVersion: string | undefined;
  /** Whether the write was create-only (default: `ifVersion` is undefined). */
  creates?: boolean;
  /** The object, for the message: `s3://bucket/key`, `gs://bucket/name`. */
  location: string;
  /** What the service calls a version, for the message: `version` (ETag), `generation`. */
  versionName: string;
  /** Reads the document as it is now (undefined: there is none). */
  reread: () => Promise<VersionedDocument<{ writeId?: unknown }> | undefined>;
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
  if (current && current.document.writeId === refused.written.writeId) return current.version;
  const found =
    current === null
      ? 'could not read it back'
      : current
        ? `found ${versionName} ${current.version}`
        : 'it was deleted';
  throw new CheckpointConflictError(
    key,
    (refused.creates ?? ifVersion === undefined)
      ? `${location} already exists`
      : `expected ${versionName} ${ifVersion} of ${location}, ${found}`,
    { cause: refused.cause },
  );
}

const SUFFIX = '.json';

/** What every object name under `prefix` starts with: `prefix/`, or nothing for the bucket root. */
export function objectRoot(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed ? `${trimmed}/` : '';
}

/** Refuses keys that are not plain paths (`a/b/c`: no empty, `.` or `..` segment). */
export function assertPlainKey(key: string, noun: string): void {
  if (key.split('/').some((part) => part === '..' || part === '.' || part === '')) {
    throw new CtxsiemError('CHECKPOINT_KEY_INVALID', `${noun} key "${key}" is not a plain path`);
  }
}

/** Refuses a key inside `folder`, which holds another kind's documents (`_manifests`). */
export function assertUnreserved(key: string, folder: string, noun: string): void {
  if (key.split('/')[0] === folder) {
    throw new CtxsiemError(
      'CHECKPOINT_KEY_INVALID',
      `${noun} key "${key}" starts with "${folder}/", which is reserved`,
    );
  }
}

/** The object name the document `key` is stored at under `prefix`: `{prefix}/{key}.json`. */
export function documentObjectName(prefix: string, key: string, noun = 'checkpoint'): string {
  assertPlainKey(key, noun);
  return `${objectRoot(prefix)}${key}${SUFFIX}`;
}

/**
 * The document keys among listed object `names` (those under `objectRoot(prefix)` ending in `.json`),
 * sorted; names under `{prefix}/{skip}/` (another kind's folder) are left out.
 */
export function documentKeysOf(prefix: string, names: Iterable<string>, skip?: string): string[] {
  const root = objectRoot(prefix);
  const keys: string[] = [];
  for (const name of names) {
    if (!name.startsWith(root) || !name.endsWith(SUFFIX)) continue;
    const key = name.slice(root.length, -SUFFIX.length);
    if (skip !== undefined && key.startsWith(`${skip}/`)) continue;
    keys.push(key);
  }
  return keys.sort();
}

/** One object as a store reads it: its text and the version that text belongs to (ETag, generation). */
export interface ObjectText {
  text: string;
  version: string;
}

export interface DocumentObjectsOptions<F extends string, T extends object> {
  kind: DocumentKind<F, T>;
  /** Where the objects lie: `{prefix}/{key}.json`. */
  prefix: string;
  /** The object's address for messages: `s3://bucket/name`. */
  location: (name: string) => string;
  /** What the service calls an object's version, for messages: `version` (an ETag), `generation`. */
  versionName: string;
  /** The service's read: the object's text and version, or undefined when it does not exist. */
  readObject: (name: string) => Promise<ObjectText | undefined>;
  /**
   * What stands in for a key without an object (the checkpoints' seed state): read with `version`,
   * and writing with that version creates the object, like writing with `undefined`.
   */
  fallback?: { version: string; read: (key: string) => Promise<T | undefined> } | undefined;
  /**
   * A folder under `prefix` holding another kind's documents (`_manifests`): keys inside it are
   * refused and listings leave it out.
   */
  reserved?: string | undefined;
}

/**
 * One conditional write of a document, as the service's request needs it: create-only, or replace
 * exactly `ifVersion`.
 */
export type DocumentWrite = {
  /** The object to write. */
  name: string;
  /** The object's new content (a fresh wrapper: its own `writeId`). */
  body: string;
  /**
   * What a refused write (the service's precondition failure, `cause`) means: the new version when it
   * was our own retried request, else a thrown `CheckpointConflictError`.
   */
  refused(cause: unknown): Promise<string>;
} & WriteCondition;

export interface DocumentObjects<F extends string, T extends object> {
  readonly kind: DocumentKind<F, T>;
  objectName(key: string): string;
  /** What to list for `list(keyPrefix)`: every object name starting with this. */
  listPrefix(keyPrefix: string): string;
  /** The sorted keys among the listed object names. */
  keysOf(names: Iterable<string>): string[];
  /** The key's wrapper and its object's version, or undefined when it has no object. */
  load(key: string): Promise<VersionedDocument<StoredDocument<F, T>> | undefined>;
  /** The key's content and version; without an object, the fallback's; else undefined. */
  read(key: string): Promise<{ content: T; version: string } | undefined>;
  /** Prepares the write of `content` over `ifVersion`. */
  prepareWrite(key: string, content: T, ifVersion: string | undefined): DocumentWrite;
}

export function documentObjects<F extends string, T extends object>(
  options: DocumentObjectsOptions<F, T>,
): DocumentObjects<F, T> {
  const { kind, prefix, location, versionName, readObject, fallback, reserved } = options;
  const objectName = (key: string) => {
    const name = documentObjectName(prefix, key, kind.noun);
    if (reserved !== undefined) assertUnreserved(key, reserved, kind.noun);
    return name;
  };
  const creates = (ifVersion: string) => fallback !== undefined && ifVersion === fallback.version;

  async function load(key: string): Promise<VersionedDocument<StoredDocument<F, T>> | undefined> {
    const name = objectName(key);
    const found = await readObject(name);
    if (!found) return undefined;
    return { document: decodeStoredDocument(kind, found.text, location(name)), version: found.version };
  }

  return {
    kind,
    objectName,
    listPrefix: (keyPrefix) => `${objectRoot(prefix)}${keyPrefix}`,
    keysOf: (names) => documentKeysOf(prefix, names, reserved),
    load,
    async read(key) {
      const stored = await load(key);
      if (stored) return { content: stored.document[kind.field] as T, version: stored.version };
      if (!fallback) return undefined;
      const content = await fallback.read(key);
      return content === undefined ? undefined : { content, version: fallback.version };
    },
    prepareWrite(key, content, ifVersion) {
      const name = objectName(key);
      const written = newStoredDocument(kind, content);
      const create = ifVersion === undefined || creates(ifVersion);
      const condition: WriteCondition =
        ifVersion === undefined || create ? { create: true } : { create: false, ifVersion };
      return {
        name,
        body: encodeStoredDocument(written),
        ...condition,
        refused: (cause: unknown) =>
          settleRefusedWrite({
            key,
            written,
            ifVersion,
            creates: create,
            location: location(name),
            versionName,
            reread: () => load(key),
            cause,
          }),
      };
    },
  };
}

/** What the service answered a conditional put: the new version, or its refusal of the condition. */
export type PutOutcome = { version: string } | { refused: unknown };

/**
 * The service's own requests, as a document store needs them. `noun` (`checkpoint`, `manifest`) is
 * for the service's error messages (`reading the manifest s3://…`); failures other than a refused
 * condition are thrown as the service explains them.
 */
export interface ObjectBucket {
  /** What the service calls an object's version, for messages: `version` (an ETag), `generation`. */
  readonly versionName: string;
  /** The object's address for messages: `s3://bucket/name`. */
  location(name: string): string;
  /** The object's text and version, or undefined when it does not exist. */
  get(name: string, noun: string): Promise<ObjectText | undefined>;
  /**
   * Writes `body` at `name` under the condition (create-only, or over exactly `ifVersion`); a refused
   * condition (412, or a 404 for a replaced object that is gone) is answered `{ refused }`.
   */
  put(name: string, body: string, condition: WriteCondition, noun: string): Promise<PutOutcome>;
  /** Removes the object; a missing one is not an error. */
  delete(name: string, noun: string): Promise<void>;
  /** Every object name starting with `prefix` (any order). */
  list(prefix: string, noun: string): Promise<string[]>;
}

/** A store of one kind's documents as objects: read, conditional write, delete, list. */
export interface ObjectDocumentStore<T> {
  read(key: string): Promise<{ content: T; version: string } | undefined>;
  write(key: string, content: T, ifVersion: string | undefined): Promise<string>;
  delete(key: string): Promise<void>;
  list(keyPrefix?: string): Promise<string[]>;
}

/** The document store over `objects` (names, reads, what a write sends) and the service's `bucket`. */
export function objectDocumentStore<F extends string, T extends object>(
  objects: DocumentObjects<F, T>,
  bucket: ObjectBucket,
): ObjectDocumentStore<T> {
  const { noun } = objects.kind;
  return {
    read: (key) => objects.read(key),
    async write(key, content, ifVersion) {
      const write = objects.prepareWrite(key, content, ifVersion);
      const condition: WriteCondition = write.create
        ? { create: true }
        : { create: false, ifVersion: write.ifVersion };
      const outcome = await bucket.put(write.name, write.body, condition, noun);
      return 'version' in outcome ? outcome.version : write.refused(outcome.refused);
    },
    delete: (key) => bucket.delete(objects.objectName(key), noun),
    async list(keyPrefix = '') {
      return objects.keysOf(await bucket.list(objects.listPrefix(keyPrefix), noun));
    },
  };
}
