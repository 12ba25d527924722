/**
 * The GCS checkpoint store: one JSON object per stream at `{prefix}/{tenant}/{source}/{stream}.json`
 * holding `{ state, writeId, writtenAt }`, and beside them the window manifests (`manifests`), one
 * object per window at `{prefix}/_manifests/{key}.json` holding `{ document, writeId, writtenAt }`.
 * An object's generation is its version. Writes of both are conditional, so two runners can never
 * both advance a stream:
 *
 * - create: upload with `ifGenerationMatch: 0` (412 when the object exists);
 * - advance: upload with `ifGenerationMatch: <generation>` (412 when someone wrote since, or deleted it).
 *
 * Generations never repeat, so there is no ABA; the `writeId` lets a retried upload whose first attempt
 * did succeed recognise its own write instead of reporting a conflict.
 *
 * Migration from the seed collectors (checkpoints only, never manifests): when a stream has no object
 * yet and `legacyKey` names a seed's `state.json` (`{"last_hour_utc": "…"}`), `read` answers the hour
 * after it with the version `LEGACY_VERSION`; the first `write` then creates the stream's own object.
 * The seed's object is only read, never changed.
 *
 * What does not depend on the service is core's, shared with the S3 store: the documents, the object
 * names, `read` with the seed's state, recognising a retried write and the store itself
 * (`document-objects.ts`, `checkpoint-objects.ts`). What is GCS's is here: generation preconditions,
 * generation-pinned reads (`ObjectBucket`) and what their failures mean.
 */
import {
  type CheckpointStore,
  CtxsiemError,
  type ObjectBucket,
  objectCheckpointStore,
  parseConfig,
} from '@ctxsiem/core';
import { createStorage, describeTarget } from './client.ts';
import { type GcsCheckpointConfig, GcsCheckpointConfigSchema } from './config.ts';
import { explainGcsError, type GcsOperation, isNotFound, isPreconditionFailure } from './errors.ts';

export interface GcsCheckpointStore extends CheckpointStore {
  /** The object name a checkpoint key is stored at. */
  objectName(key: string): string;
  /** The object name a manifest key is stored at. */
  manifestObjectName(key: string): string;
  close(): Promise<void>;
}

/** Reads that lose a race with a writer this many times in a row give up. */
const READ_ATTEMPTS = 20;

export function gcsCheckpointStore(input: unknown): GcsCheckpointStore {
  const config: GcsCheckpointConfig = parseConfig('checkpoint-gcs', GcsCheckpointConfigSchema, input);
  const storage = createStorage(config, 'conditional');
  const gcsBucket = storage.bucket(config.bucket);
  const target = describeTarget(config);
  const url = (name: string) => `gs://${config.bucket}/${name}`;

  const failure = (code: string, error: unknown, op: Omit<GcsOperation, 'bucket' | 'target'>) =>
    new CtxsiemError(code, explainGcsError(error, { ...op, bucket: config.bucket, target }).message, {
      cause: error,
    });
  const readOp = (name: string, noun: string) => ({
    action: `reading the ${noun} ${url(name)}`,
    permission: 'storage.objects.get',
    role: 'roles/storage.objectUser',
  });

  /** GCS's requests, as core's object checkpoint store needs them; `noun` names the object in messages. */
  const bucket: ObjectBucket = {
    versionName: 'generation',
    location: url,
    /**
     * The object's text and the generation that text belongs to. The content is fetched pinned to the
     * generation just read, so the pair is always consistent; if a writer replaced it in between (404
     * for the old generation) the read starts over.
     */
    async get(name, noun) {
      for (let attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
        let generation: string;
        try {
          const [metadata] = await gcsBucket.file(name).getMetadata();
          generation = String(metadata.generation);
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw failure('CHECKPOINT_READ_FAILED', error, readOp(name, noun));
        }
        try {
          const [content] = await gcsBucket.file(name, { generation }).download();
          return { text: content.toString('utf8'), version: generation };
        } catch (error) {
          if (!isNotFound(error)) throw failure('CHECKPOINT_READ_FAILED', error, readOp(name, noun));
        }
        // Replaced between the two requests: back off a little (with jitter) so racing writers settle.
        await new Promise((resolve) => setTimeout(resolve, attempt * (5 + Math.random() * 15)));
      }
      throw new CtxsiemError(
        'CHECKPOINT_READ_FAILED',
        `${url(name)} changed under ${READ_ATTEMPTS} reads in a row; another runner is writing it`,
      );
    },
    async put(name, body, condition, noun) {
      if (!condition.create && !/^[1-9]\d*$/.test(condition.ifVersion)) {
        // Not a generation: no object ever had it. Refused like a stale generation, without a request.
        return { refused: new Error(`"${condition.ifVersion}" is not a generation of ${url(name)}`) };
      }
      const file = gcsBucket.file(name);
      try {
        await file.save(body, {
          resumable: false,
          gzip: false,
          contentType: 'application/json',
          preconditionOpts: { ifGenerationMatch: condition.create ? 0 : condition.ifVersion },
        });
        const generation = file.metadata.generation;
        if (generation === undefined || generation === null) {
          throw new Error(`GCS returned no generation for ${name}`);
        }
        return { version: String(generation) };
      } catch (error) {
        if (isPreconditionFailure(error)) return { refused: error };
        throw failure('CHECKPOINT_WRITE_FAILED', error, {
          action: `writing the ${noun} ${url(name)}`,
          permission: 'storage.objects.create and storage.objects.delete (to replace it)',
          role: 'roles/storage.objectUser',
        });
      }
    },
    async delete(name, noun) {
      try {
        await gcsBucket.file(name).delete({ ignoreNotFound: true });
      } catch (error) {
        throw failure('CHECKPOINT_DELETE_FAILED', error, {
          action: `deleting the ${noun} ${url(name)}`,
          permission: 'storage.objects.delete',
          role: 'roles/storage.objectUser',
        });
      }
    },
    async list(under, noun) {
      try {
        const [files] = await gcsBucket.getFiles({ prefix: under, autoPaginate: true });
        return files.map((file) => file.name);
      } catch (error) {
        throw failure('CHECKPOINT_LIST_FAILED', error, {
          action: `listing ${noun}s under ${url(under)}`,
          permission: 'storage.objects.list',
          role: 'roles/storage.objectUser',
        });
      }
    },
  };

  const store = objectCheckpointStore({
    type: 'gcs',
    prefix: config.prefix,
    legacyKey: config.legacyKey,
    previousPrefix: config.previousPrefix,
    bucket,
  });
  return { ...store, async close() {} };
}
