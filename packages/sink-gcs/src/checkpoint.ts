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
 *
 * What does not depend on the service is core's, shared with the S3 store: the document, the
 * object names, `read` with the seed's state and recognising a retried write (`checkpoint-document.ts`,
 * `checkpoint-objects.ts`). What is GCS's is here: generation preconditions,
 * generation-pinned reads and what their failures mean.
 */
import {
  CheckpointConflictError,
  type CheckpointStore,
  CtxsiemError,
  checkpointObjects,
  type ObjectText,
  parseConfig,
} from '@ctxsiem/core';
import { createStorage, describeTarget } from './client.ts';
import { type GcsCheckpointConfig, GcsCheckpointConfigSchema } from './config.ts';
import { explainGcsError, type GcsOperation, isNotFound, isPreconditionFailure } from './errors.ts';

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
  const target = describeTarget(config);
  const url = (name: string) => `gs://${config.bucket}/${name}`;

  const failure = (code: string, error: unknown, op: Omit<GcsOperation, 'bucket' | 'target'>) =>
    new CtxsiemError(code, explainGcsError(error, { ...op, bucket: config.bucket, target }).message, {
      cause: error,
    });
  const readOp = (name: string) => ({
    action: `reading the checkpoint ${url(name)}`,
    permission: 'storage.objects.get',
    role: 'roles/storage.objectUser',
  });

  /**
   * The object's text and the generation that text belongs to, or undefined when it does not exist.
   * The content is fetched pinned to the generation just read, so the pair is always consistent; if a
   * writer replaced it in between (404 for the old generation) the read starts over.
   */
  async function getText(name: string): Promise<ObjectText | undefined> {
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
        return { text: content.toString('utf8'), version: generation };
      } catch (error) {
        if (!isNotFound(error)) throw failure('CHECKPOINT_READ_FAILED', error, readOp(name));
      }
    }
    throw new CtxsiemError(
      'CHECKPOINT_READ_FAILED',
      `${url(name)} changed under ${READ_ATTEMPTS} reads in a row; another runner is writing it`,
    );
  }

  const objects = checkpointObjects({
    prefix: config.prefix,
    legacyKey: config.legacyKey,
    location: url,
    versionName: 'generation',
    readObject: getText,
  });
  const { objectName } = objects;

  return {
    type: 'gcs',
    objectName,
    read: objects.read,
    async write(key, state, ifVersion) {
      const write = objects.prepareWrite(key, state, ifVersion);
      if (!write.create && !/^[1-9]\d*$/.test(write.ifVersion)) {
        throw new CheckpointConflictError(key, `"${ifVersion}" is not a generation of ${url(write.name)}`);
      }
      const file = bucket.file(write.name);
      try {
        await file.save(write.body, {
          resumable: false,
          gzip: false,
          contentType: 'application/json',
          preconditionOpts: { ifGenerationMatch: write.create ? 0 : write.ifVersion },
        });
        const generation = file.metadata.generation;
        if (generation === undefined || generation === null) {
          throw new Error(`GCS returned no generation for ${write.name}`);
        }
        return String(generation);
      } catch (error) {
        if (!isPreconditionFailure(error)) {
          throw failure('CHECKPOINT_WRITE_FAILED', error, {
            action: `writing the checkpoint ${url(write.name)}`,
            permission: 'storage.objects.create and storage.objects.delete (to replace it)',
            role: 'roles/storage.objectUser',
          });
        }
        return write.refused(error);
      }
    },
    async delete(key) {
      const name = objectName(key);
      try {
        await bucket.file(name).delete({ ignoreNotFound: true });
      } catch (error) {
        throw failure('CHECKPOINT_DELETE_FAILED', error, {
          action: `deleting the checkpoint ${url(name)}`,
          permission: 'storage.objects.delete',
          role: 'roles/storage.objectUser',
        });
      }
    },
    async list(keyPrefix = '') {
      const under = objects.listPrefix(keyPrefix);
      try {
        const [files] = await bucket.getFiles({ prefix: under, autoPaginate: true });
        return objects.keysOf(files.map((file) => file.name));
      } catch (error) {
        throw failure('CHECKPOINT_LIST_FAILED', error, {
          action: `listing checkpoints under ${url(under)}`,
          permission: 'storage.objects.list',
          role: 'roles/storage.objectUser',
        });
      }
    },
    async close() {},
  };
}
