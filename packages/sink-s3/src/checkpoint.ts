/**
 * The S3 checkpoint store: one JSON object per stream at `{prefix}/{tenant}/{source}/{stream}.json`
 * holding `{ state, writeId, writtenAt }`; its ETag is the version. Writes are conditional, so two
 * runners can never both advance a stream:
 *
 * - create: `PutObject` with `If-None-Match: *` (fails with 412 when the object exists);
 * - advance: `PutObject` with `If-Match: <etag>` (412 when someone wrote since; 404 when deleted).
 *
 * ETags of single-part objects are the MD5 of the content, so every write carries a fresh `writeId`:
 * no two writes have the same content and an old ETag can never match again (no ABA).
 *
 * Migration from the seed collectors: when a stream has no object yet and `legacyKey` names a seed's
 * `state.json` (`{"last_hour_utc": "…"}`), `read` answers the hour after it with the version
 * `LEGACY_VERSION`; the first `write` then creates the stream's own object (create-only). The seed's
 * object is only read, never changed.
 */
import { randomUUID } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import {
  CheckpointConflictError,
  type CheckpointStore,
  CtxsiemError,
  parseConfig,
  positionFromLegacyState,
  type StreamState,
  type VersionedState,
} from '@ctxsiem/core';
import { createS3Client, describeTarget, encryptionParams } from './client.ts';
import { type S3CheckpointConfig, S3CheckpointConfigSchema } from './config.ts';
import { explainS3Error, isNoSuchKey, isPreconditionFailure, type S3Operation } from './errors.ts';

/**
 * The version `read` reports for a stream known only from the seed's `state.json`: writing with it
 * creates the stream's object (`If-None-Match: *`), exactly like writing with `undefined`.
 */
export const LEGACY_VERSION = 'legacy:none';

/** What a checkpoint object holds. */
export interface StoredCheckpoint {
  state: StreamState;
  /** Unique per write: keeps ETags unique and lets a retried write recognise its own success. */
  writeId: string;
  writtenAt: string;
}

export interface S3CheckpointStore extends CheckpointStore {
  /** The object key a checkpoint key is stored at. */
  objectKey(key: string): string;
  close(): Promise<void>;
}

export function s3CheckpointStore(input: unknown): S3CheckpointStore {
  const config: S3CheckpointConfig = parseConfig('checkpoint-s3', S3CheckpointConfigSchema, input);
  const client = createS3Client(config);
  const prefix = config.prefix.replace(/^\/+|\/+$/g, '');
  const encryption = encryptionParams(config);
  const target = describeTarget(config);

  const objectKey = (key: string): string => {
    if (key.split('/').some((part) => part === '..' || part === '.' || part === '')) {
      throw new CtxsiemError('CHECKPOINT_KEY_INVALID', `checkpoint key "${key}" is not a plain path`);
    }
    return `${prefix ? `${prefix}/` : ''}${key}.json`;
  };

  const failure = (code: string, error: unknown, op: Omit<S3Operation, 'bucket' | 'target'>) =>
    new CtxsiemError(code, explainS3Error(error, { ...op, bucket: config.bucket, target }).message, {
      cause: error,
    });

  const readOp = (objKey: string) => ({
    action: `reading the checkpoint s3://${config.bucket}/${objKey}`,
    permission:
      's3:GetObject (and s3:ListBucket, without which S3 answers 403 instead of 404 for a missing key)',
    resource: `arn:aws:s3:::${config.bucket}/${objKey}`,
  });

  /** The object's text and ETag, or undefined when it does not exist. */
  async function getText(objKey: string): Promise<{ text: string; etag: string } | undefined> {
    try {
      const response = await client.send(new GetObjectCommand({ Bucket: config.bucket, Key: objKey }));
      const text = (await response.Body?.transformToString('utf8')) ?? '';
      if (!response.ETag) throw new Error(`S3 returned no ETag for ${objKey}`);
      return { text, etag: response.ETag };
    } catch (error) {
      if (isNoSuchKey(error)) return undefined;
      throw failure('CHECKPOINT_READ_FAILED', error, readOp(objKey));
    }
  }

  async function load(key: string): Promise<(StoredCheckpoint & { etag: string }) | undefined> {
    const objKey = objectKey(key);
    const found = await getText(objKey);
    if (!found) return undefined;
    try {
      const stored = JSON.parse(found.text) as StoredCheckpoint;
      if (typeof stored?.state?.position !== 'string') throw new Error('it has no state.position');
      return { ...stored, etag: found.etag };
    } catch (error) {
      throw new CtxsiemError(
        'CHECKPOINT_READ_FAILED',
        `checkpoint s3://${config.bucket}/${objKey} is not a ctxsiem checkpoint (${(error as Error).message}); fix or delete it (ctxsiem state reset)`,
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
        `the seed's state s3://${config.bucket}/${config.legacyKey} (legacyKey) is not JSON; expected {"last_hour_utc": "…Z"}`,
        { cause: error },
      );
    }
    const position = positionFromLegacyState(parsed);
    if (position === undefined) return undefined;
    return { state: { position: position.toISOString() }, version: LEGACY_VERSION };
  }

  return {
    type: 's3',
    objectKey,
    async read(key) {
      const stored = await load(key);
      if (stored) return { state: stored.state, version: stored.etag };
      return legacy();
    },
    async write(key, state, ifVersion) {
      const objKey = objectKey(key);
      const create = ifVersion === undefined || ifVersion === LEGACY_VERSION;
      const stored: StoredCheckpoint = { state, writeId: randomUUID(), writtenAt: new Date().toISOString() };
      try {
        const response = await client.send(
          new PutObjectCommand({
            Bucket: config.bucket,
            Key: objKey,
            Body: `${JSON.stringify(stored, null, 2)}\n`,
            ContentType: 'application/json',
            ...(create ? { IfNoneMatch: '*' } : { IfMatch: ifVersion }),
            ...encryption,
          }),
        );
        if (response.ETag) return response.ETag;
        const head = await client.send(new HeadObjectCommand({ Bucket: config.bucket, Key: objKey }));
        if (!head.ETag) throw new Error(`S3 returned no ETag for ${objKey}`);
        return head.ETag;
      } catch (error) {
        const lost = isPreconditionFailure(error) || (!create && isNoSuchKey(error));
        if (!lost) {
          throw failure('CHECKPOINT_WRITE_FAILED', error, {
            action: `writing the checkpoint s3://${config.bucket}/${objKey}`,
            permission: 's3:PutObject',
            resource: `arn:aws:s3:::${config.bucket}/${objKey}`,
            encryption: config.serverSideEncryption,
          });
        }
        // A retried request whose first attempt did succeed answers 412 too: recognise our own write.
        // If that read fails, the conflict still stands: stopping without advancing is the safe answer.
        const current = await load(key).catch(() => null);
        if (current?.writeId === stored.writeId) return current.etag;
        const found =
          current === null ? 'could not read it back' : current ? `found ${current.etag}` : 'it was deleted';
        throw new CheckpointConflictError(
          key,
          create
            ? `s3://${config.bucket}/${objKey} already exists`
            : `expected version ${ifVersion} of s3://${config.bucket}/${objKey}, ${found}`,
          { cause: error },
        );
      }
    },
    async delete(key) {
      const objKey = objectKey(key);
      try {
        await client.send(new DeleteObjectCommand({ Bucket: config.bucket, Key: objKey }));
      } catch (error) {
        throw failure('CHECKPOINT_DELETE_FAILED', error, {
          action: `deleting the checkpoint s3://${config.bucket}/${objKey}`,
          permission: 's3:DeleteObject',
          resource: `arn:aws:s3:::${config.bucket}/${objKey}`,
        });
      }
    },
    async list(keyPrefix = '') {
      const root = prefix ? `${prefix}/` : '';
      const keys: string[] = [];
      try {
        for await (const page of paginateListObjectsV2(
          { client },
          { Bucket: config.bucket, Prefix: `${root}${keyPrefix}` },
        )) {
          for (const object of page.Contents ?? []) {
            const name = object.Key;
            if (name?.endsWith('.json')) keys.push(name.slice(root.length, -'.json'.length));
          }
        }
      } catch (error) {
        throw failure('CHECKPOINT_LIST_FAILED', error, {
          action: `listing checkpoints under s3://${config.bucket}/${root}${keyPrefix}`,
          permission: 's3:ListBucket',
          resource: `arn:aws:s3:::${config.bucket}`,
        });
      }
      return keys.sort();
    },
    async close() {
      client.destroy();
    },
  };
}
