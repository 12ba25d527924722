/**
 * The GCS checkpoint store: one JSON object per stream at `{prefix}/{tenant}/{source}/{stream}.json`
 * holding `{ state, writeId, writtenAt }`; its generation is the version. Writes are conditional, so
 * two runners can never both advance a stream:
 *
 * - create: upload with `ifGenerationMatch: 0` (412 when the object exists);
 * - advance: upload with `ifGenerationMatch: <generation>` (412 when someone wrote since, or deleted it).
 *
 * Generations never repeat, so there is no ABA; the `writeId` lets a retried upload whose first attempt
 * did succeed recognise its own write instead of reporting a conflict.
 *
 * Migration from the seed collectors: when a stream has no object yet and `legacyKey` names a seed's
 * `state.json` (`{"last_hour_utc": "…"}`), `read` answers the hour after it with the version
 * `LEGACY_VERSION`; the first `write` then creates the stream's own object. The seed's object is only
 * read, never changed.
 */
import { randomUUID } from 'node:crypto';
import {
  CheckpointConflictError,
  type CheckpointStore,
  CtxsiemError,
  parseConfig,
  positionFromLegacyState,
  type StreamState,
  type VersionedState,
} from '@ctxsiem/core';
import { createStorage, describeTarget } from './client.ts';
import { type GcsCheckpointConfig, GcsCheckpointConfigSchema } from './config.ts';
import { explainGcsError, type GcsOperation, isNotFound, isPreconditionFailure } from './errors.ts';

/**
 * The version `read` reports for a stream known only from the seed's `state.json`: writing with it
 * creates the stream's object (`ifGenerationMatch: 0`), exactly like writing with `undefined`.
 */
export const LEGACY_VERSION = 'legacy:none';

/** What a checkpoint object holds. */
export interface StoredCheckpoint {
  state: StreamState;
  /** Unique per write: lets a retried write recognise its own success. */
  writeId: string;
  writtenAt: string;
}

export interface GcsCheckpointStore extends CheckpointStore {
  /** The object name a checkpoint key is stored at. */
  objectName(key: string): string;
  close(): Promise<void>;
}

/** Reads that lose a race with a writer this many times in a row give up. */
const READ_ATTEMPTS = 5;

export function gcsCheckpointStore(input: unknown): GcsCheckpointStore {
  const config: GcsCheckpointConfig = parseConfig('checkpoint-gcs', GcsCheckpointConfigSchema, input);
  const storage = createStorage(config, 'conditional');
  const bucket = storage.bucket(config.bucket);
  const prefix = config.prefix.replace(/^\/+|\/+$/g, '');
  const target = describeTarget(config);

  const objectName = (key: string): string => {
    if (key.split('/').some((part) => part === '..' || part === '.' || part === '')) {
      throw new CtxsiemError('CHECKPOINT_KEY_INVALID', `checkpoint key "${key}" is not a plain path`);
    }
    return `${prefix ? `${prefix}/` : ''}${key}.json`;
  };

  const failure = (code: string, error: unknown, op: Omit<GcsOperation, 'bucket' | 'target'>) =>
    new CtxsiemError(code, explainGcsError(error, { ...op, bucket: config.bucket, target }).message, {
      cause: error,
    });
  const readOp = (name: string) => ({
    action: `reading the checkpoint gs://${config.bucket}/${name}`,
    permission: 'storage.objects.get',
    role: 'roles/storage.objectUser',
  });

  /**
   * The object's text and the generation that text belongs to, or undefined when it does not exist.
   * The content is fetched pinned to the generation just read, so the pair is always consistent; if a
   * writer replaced it in between (404 for the old generation) the read starts over.
   */
  async function getText(name: string): Promise<{ text: string; generation: string } | undefined> {
    for (let attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
      let generation: string;
      try {
        const [metadata] = await bucket.file(name).getMetadata();
        generation = String(metadata.generation);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw failure('CHECKPOINT_READ_FAILED', error, readOp(name));
      }
      try {
        const [content] = await bucket.file(name, { generation }).download();
        return { text: content.toString('utf8'), generation };
      } catch (error) {
        if (!isNotFound(error)) throw failure('CHECKPOINT_READ_FAILED', error, readOp(name));
      }
    }
    throw new CtxsiemError(
      'CHECKPOINT_READ_FAILED',
      `gs://${config.bucket}/${name} changed under ${READ_ATTEMPTS} reads in a row; another runner is writing it`,
    );
  }

  async function load(key: string): Promise<(StoredCheckpoint & { generation: string }) | undefined> {
    const name = objectName(key);
    const found = await getText(name);
    if (!found) return undefined;
    try {
      const stored = JSON.parse(found.text) as StoredCheckpoint;
      if (typeof stored?.state?.position !== 'string') throw new Error('it has no state.position');
      return { ...stored, generation: found.generation };
    } catch (error) {
      throw new CtxsiemError(
        'CHECKPOINT_READ_FAILED',
        `checkpoint gs://${config.bucket}/${name} is not a ctxsiem checkpoint (${(error as Error).message}); fix or delete it (ctxsiem state reset)`,
        { cause: error },
      );
    }
  }

  /** The seed's state as this store's answer, or undefined when there is none to continue from. */
  async function legacy(): Promise<VersionedState | undefined> {
    if (config.legacyKey === undefined) return undefined;
    const found = await getText(config.legacyKey);
    if (!found) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(found.text);
    } catch (error) {
      throw new CtxsiemError(
        'CHECKPOINT_READ_FAILED',
        `the seed's state gs://${config.bucket}/${config.legacyKey} (legacyKey) is not JSON; expected {"last_hour_utc": "…Z"}`,
        { cause: error },
      );
    }
    const position = positionFromLegacyState(parsed);
    if (position === undefined) return undefined;
    return { state: { position: position.toISOString() }, version: LEGACY_VERSION };
  }

  return {
    type: 'gcs',
    objectName,
    async read(key) {
      const stored = await load(key);
      if (stored) return { state: stored.state, version: stored.generation };
      return legacy();
    },
    async write(key, state, ifVersion) {
      const name = objectName(key);
      const create = ifVersion === undefined || ifVersion === LEGACY_VERSION;
      if (!create && !/^[1-9]\d*$/.test(ifVersion)) {
        throw new CheckpointConflictError(
          key,
          `"${ifVersion}" is not a generation of gs://${config.bucket}/${name}`,
        );
      }
      const stored: StoredCheckpoint = { state, writeId: randomUUID(), writtenAt: new Date().toISOString() };
      const file = bucket.file(name);
      try {
        await file.save(`${JSON.stringify(stored, null, 2)}\n`, {
          resumable: false,
          gzip: false,
          contentType: 'application/json',
          preconditionOpts: { ifGenerationMatch: create ? 0 : ifVersion },
        });
        const generation = file.metadata.generation;
        if (generation === undefined || generation === null) {
          throw new Error(`GCS returned no generation for ${name}`);
        }
        return String(generation);
      } catch (error) {
        if (!isPreconditionFailure(error)) {
          throw failure('CHECKPOINT_WRITE_FAILED', error, {
            action: `writing the checkpoint gs://${config.bucket}/${name}`,
            permission: 'storage.objects.create and storage.objects.delete (to replace it)',
            role: 'roles/storage.objectUser',
          });
        }
        // A retried request whose first attempt did succeed answers 412 too: recognise our own write.
        // If that read fails, the conflict still stands: stopping without advancing is the safe answer.
        const current = await load(key).catch(() => null);
        if (current?.writeId === stored.writeId) return current.generation;
        const found =
          current === null
            ? 'could not read it back'
            : current
              ? `found generation ${current.generation}`
              : 'it was deleted';
        throw new CheckpointConflictError(
          key,
          create
            ? `gs://${config.bucket}/${name} already exists`
            : `expected generation ${ifVersion} of gs://${config.bucket}/${name}, ${found}`,
          { cause: error },
        );
      }
    },
    async delete(key) {
      const name = objectName(key);
      try {
        await bucket.file(name).delete({ ignoreNotFound: true });
      } catch (error) {
        throw failure('CHECKPOINT_DELETE_FAILED', error, {
          action: `deleting the checkpoint gs://${config.bucket}/${name}`,
          permission: 'storage.objects.delete',
          role: 'roles/storage.objectUser',
        });
      }
    },
    async list(keyPrefix = '') {
      const root = prefix ? `${prefix}/` : '';
      try {
        const [files] = await bucket.getFiles({ prefix: `${root}${keyPrefix}`, autoPaginate: true });
        return files
          .map((file) => file.name)
          .filter((name) => name.endsWith('.json'))
          .map((name) => name.slice(root.length, -'.json'.length))
          .sort();
      } catch (error) {
        throw failure('CHECKPOINT_LIST_FAILED', error, {
          action: `listing checkpoints under gs://${config.bucket}/${root}${keyPrefix}`,
          permission: 'storage.objects.list',
          role: 'roles/storage.objectUser',
        });
      }
    },
    async close() {},
  };
}
