/**
 * The GCS bucket driver: core's `ObjectStoreDriver` over `@google-cloud/storage`. It makes GCS's
 * requests and says what their failures mean; core builds the object sink (`objectSink`) and the
 * object checkpoint store (`objectCheckpointStore`) on it, and sources read documents through it.
 *
 * - create-only uploads carry the precondition `ifGenerationMatch: 0` (only if no live object has the
 *   name) and the digest as custom metadata `ctxsiem-sha256`; 412 answers `{ created: false }`. A
 *   streamed body goes up in a resumable upload that buffers one `chunkSizeBytes` chunk at a time;
 * - conditional documents (`ObjectBucket`): create with `ifGenerationMatch: 0`, replace with
 *   `ifGenerationMatch: <generation>` (412 when someone wrote since, or deleted it). An object's
 *   generation is its version, and reads are pinned to the generation they read.
 */
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CtxsiemError,
  type ListedObject,
  type ObjectAccess,
  type ObjectStoreDriver,
  SHA256_METADATA_KEY,
} from '@ctxsiem/core';
import type { File, FileMetadata, GetFilesOptions } from '@google-cloud/storage';
import { createStorage, describeTarget } from './client.ts';
import type { GcsConnectionConfig } from './config.ts';
import {
  explainGcsError,
  type GcsOperation,
  isMissingBucket,
  isNotFound,
  isPreconditionFailure,
} from './errors.ts';

/** Only if no live object has the name: GCS answers 412 otherwise. */
const CREATE_ONLY = { ifGenerationMatch: 0 };

/** Reads that lose a race with a writer this many times in a row give up. */
const READ_ATTEMPTS = 20;

/** The default chunk size of a resumable upload. */
export const DEFAULT_CHUNK_SIZE_BYTES = 8 * 1024 * 1024;

/** A predefined role that grants every permission ctxsiem needs on a bucket. */
const ROLE = 'roles/storage.objectUser';

const PERMISSIONS: Record<ObjectAccess, string> = {
  read: 'storage.objects.get',
  'read-back': 'storage.objects.get',
  write: 'storage.objects.create',
  delete: 'storage.objects.delete',
  list: 'storage.objects.list',
};

export interface GcsObjectStoreOptions {
  /**
   * `always` for parts (every upload is preconditioned, so retrying one is safe either way) and plain
   * reads; `conditional` (the default) for the checkpoint store: only preconditioned requests retried.
   */
  retry?: 'always' | 'conditional' | undefined;
  /** Chunk size of the resumable upload of a streamed body (a multiple of 256 KiB). */
  chunkSizeBytes?: number | undefined;
}

export interface GcsObjectStore extends ObjectStoreDriver {
  readonly service: 'gcs';
}

export function gcsObjectStore(
  config: GcsConnectionConfig & { bucket: string },
  options: GcsObjectStoreOptions = {},
): GcsObjectStore {
  const storage = createStorage(config, options.retry ?? 'conditional');
  const gcsBucket = storage.bucket(config.bucket);
  const target = describeTarget(config);
  const url = (name: string) => `gs://${config.bucket}/${name}`;

  /** The stored bytes as a stream, exactly as stored (no decompression of `Content-Encoding: gzip`). */
  const storedBytes = (file: File): Readable =>
    file.createReadStream({ decompress: false, validation: false });

  const failure = (code: string, error: unknown, op: Omit<GcsOperation, 'bucket' | 'target' | 'role'>) =>
    new CtxsiemError(
      code,
      explainGcsError(error, { ...op, role: ROLE, bucket: config.bucket, target }).message,
      { cause: error },
    );
  const readOp = (name: string, noun: string) => ({
    action: `reading the ${noun} ${url(name)}`,
    permission: 'storage.objects.get',
  });

  return {
    service: 'gcs',
    bucket: config.bucket,
    target,
    uploads: { whole: 'simple', streamed: 'resumable', countsParts: false },
    versionName: 'generation',
    location: url,

    async create(name, body, object) {
      const file = gcsBucket.file(name);
      const metadata = {
        contentType: object.contentType,
        ...(object.contentEncoding === undefined ? {} : { contentEncoding: object.contentEncoding }),
        metadata: { [SHA256_METADATA_KEY]: object.sha256 },
      };
      try {
        if (Buffer.isBuffer(body)) {
          // gzip: false — the body is already encoded as configured; the library must not compress it again.
          await file.save(body, {
            resumable: false,
            gzip: false,
            contentType: object.contentType,
            metadata,
            preconditionOpts: CREATE_ONLY,
          });
        } else {
          const upload = file.createWriteStream({
            resumable: true,
            chunkSize: options.chunkSizeBytes ?? DEFAULT_CHUNK_SIZE_BYTES,
            gzip: false,
            contentType: object.contentType,
            metadata,
            preconditionOpts: CREATE_ONLY,
          });
          await pipeline(body(), upload);
        }
        return { created: true };
      } catch (error) {
        if (isPreconditionFailure(error)) return { created: false, refusal: error };
        throw error;
      }
    },
    async exists(name) {
      const [found] = await gcsBucket
        .file(name)
        .exists()
        .catch(() => [false]);
      return found;
    },
    async stored(name) {
      const file = gcsBucket.file(name);
      let metadata: FileMetadata;
      try {
        [metadata] = await file.getMetadata();
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
      const recorded = metadata.metadata?.[SHA256_METADATA_KEY];
      return {
        bytes: metadata.size === undefined ? undefined : Number(metadata.size),
        sha256: typeof recorded === 'string' ? recorded : undefined,
        body: async () => storedBytes(file),
        release() {},
      };
    },
    async read(name) {
      const chunks: Buffer[] = [];
      try {
        await pipeline(
          storedBytes(gcsBucket.file(name)),
          new Writable({
            write(chunk: Buffer, _encoding, callback) {
              chunks.push(chunk);
              callback();
            },
          }),
        );
      } catch (error) {
        // GCS answers 404 `notFound` for a missing bucket too; only a missing object is "not there".
        if (isNotFound(error) && !isMissingBucket(error)) return undefined;
        throw error;
      }
      return Buffer.concat(chunks);
    },
    async open(name) {
      const file = gcsBucket.file(name);
      const [exists] = await file.exists();
      if (!exists) return undefined;
      return Readable.from(storedBytes(file));
    },
    async *objects(prefix): AsyncGenerator<ListedObject> {
      // Objects come back in name order, a page at a time.
      let query: GetFilesOptions | null = {
        autoPaginate: false,
        maxResults: 1000,
        ...(prefix ? { prefix } : {}),
      };
      while (query) {
        const [files, next]: [File[], GetFilesOptions | null | undefined, unknown] =
          await gcsBucket.getFiles(query);
        for (const file of files) {
          yield {
            name: file.name,
            size: Number(file.metadata.size ?? 0),
            modified: new Date(String(file.metadata.updated ?? 0)),
            version: String(file.metadata.generation),
          };
        }
        query = next ?? null;
      }
    },
    async remove(name) {
      await gcsBucket.file(name).delete({ ignoreNotFound: true });
    },
    permission: (access) => PERMISSIONS[access],
    explain(error, op) {
      return explainGcsError(error, {
        action: `${op.action} ${url(op.name)}`,
        bucket: config.bucket,
        permission: PERMISSIONS[op.access],
        role: ROLE,
        target,
      });
    },
    createOnlyIgnored: (name) =>
      `${url(name)}: a second create-only upload (ifGenerationMatch=0) of an existing object was accepted: this store ignores preconditions, so parts could be overwritten and a checkpoint advanced by two runners at once — ctxsiem needs GCS's preconditions (Google Cloud Storage, or a store that answers 412)`,

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
        });
      }
    },
    async close() {},
  };
}
