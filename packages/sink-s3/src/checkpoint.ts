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
 *
 * What does not depend on the service is core's, shared with the GCS store: the document, the
 * object names, `read` with the seed's state and recognising a retried write (`checkpoint-document.ts`,
 * `checkpoint-objects.ts`). What is S3's is here: the conditional requests
 * and what their failures mean.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import {
  type CheckpointStore,
  CtxsiemError,
  checkpointObjects,
  type ObjectText,
  parseConfig,
} from '@ctxsiem/core';
import { createS3Client, describeTarget, encryptionParams } from './client.ts';
import { type S3CheckpointConfig, S3CheckpointConfigSchema } from './config.ts';
import { explainS3Error, isNoSuchKey, isPreconditionFailure, type S3Operation } from './errors.ts';

export interface S3CheckpointStore extends CheckpointStore {
  /** The object key a checkpoint key is stored at. */
  objectKey(key: string): string;
  close(): Promise<void>;
}

export function s3CheckpointStore(input: unknown): S3CheckpointStore {
  const config: S3CheckpointConfig = parseConfig('checkpoint-s3', S3CheckpointConfigSchema, input);
  const client = createS3Client(config);
  const encryption = encryptionParams(config);
  const target = describeTarget(config);
  const url = (objKey: string) => `s3://${config.bucket}/${objKey}`;

  const failure = (code: string, error: unknown, op: Omit<S3Operation, 'bucket' | 'target'>) =>
    new CtxsiemError(code, explainS3Error(error, { ...op, bucket: config.bucket, target }).message, {
      cause: error,
    });

  const readOp = (objKey: string) => ({
    action: `reading the checkpoint ${url(objKey)}`,
    permission:
      's3:GetObject (and s3:ListBucket, without which S3 answers 403 instead of 404 for a missing key)',
    resource: `arn:aws:s3:::${config.bucket}/${objKey}`,
  });

  /** The object's text and ETag, or undefined when it does not exist. */
  async function getText(objKey: string): Promise<ObjectText | undefined> {
    try {
      const response = await client.send(new GetObjectCommand({ Bucket: config.bucket, Key: objKey }));
      const text = (await response.Body?.transformToString('utf8')) ?? '';
      if (!response.ETag) throw new Error(`S3 returned no ETag for ${objKey}`);
      return { text, version: response.ETag };
    } catch (error) {
      if (isNoSuchKey(error)) return undefined;
      throw failure('CHECKPOINT_READ_FAILED', error, readOp(objKey));
    }
  }

  const objects = checkpointObjects({
    prefix: config.prefix,
    legacyKey: config.legacyKey,
    location: url,
    versionName: 'version',
    readObject: getText,
  });
  const objectKey = objects.objectName;

  return {
    type: 's3',
    objectKey,
    read: objects.read,
    async write(key, state, ifVersion) {
      const write = objects.prepareWrite(key, state, ifVersion);
      try {
        const response = await client.send(
          new PutObjectCommand({
            Bucket: config.bucket,
            Key: write.name,
            Body: write.body,
            ContentType: 'application/json',
            ...(write.create ? { IfNoneMatch: '*' } : { IfMatch: write.ifVersion }),
            ...encryption,
          }),
        );
        if (response.ETag) return response.ETag;
        const head = await client.send(new HeadObjectCommand({ Bucket: config.bucket, Key: write.name }));
        if (!head.ETag) throw new Error(`S3 returned no ETag for ${write.name}`);
        return head.ETag;
      } catch (error) {
        const lost = isPreconditionFailure(error) || (!write.create && isNoSuchKey(error));
        if (!lost) {
          throw failure('CHECKPOINT_WRITE_FAILED', error, {
            action: `writing the checkpoint ${url(write.name)}`,
            permission: 's3:PutObject',
            resource: `arn:aws:s3:::${config.bucket}/${write.name}`,
            encryption: config.serverSideEncryption,
          });
        }
        return write.refused(error);
      }
    },
    async delete(key) {
      const objKey = objectKey(key);
      try {
        await client.send(new DeleteObjectCommand({ Bucket: config.bucket, Key: objKey }));
      } catch (error) {
        throw failure('CHECKPOINT_DELETE_FAILED', error, {
          action: `deleting the checkpoint ${url(objKey)}`,
          permission: 's3:DeleteObject',
          resource: `arn:aws:s3:::${config.bucket}/${objKey}`,
        });
      }
    },
    async list(keyPrefix = '') {
      const under = objects.listPrefix(keyPrefix);
      const names: string[] = [];
      try {
        for await (const page of paginateListObjectsV2(
          { client },
          { Bucket: config.bucket, Prefix: under },
        )) {
          for (const object of page.Contents ?? []) if (object.Key) names.push(object.Key);
        }
      } catch (error) {
        throw failure('CHECKPOINT_LIST_FAILED', error, {
          action: `listing checkpoints under ${url(under)}`,
          permission: 's3:ListBucket',
          resource: `arn:aws:s3:::${config.bucket}`,
        });
      }
      return objects.keysOf(names);
    },
    async close() {
      client.destroy();
    },
  };
}
