/**
 * The S3 checkpoint store: one JSON object per stream at `{prefix}/{tenant}/{source}/{stream}.json`
 * holding `{ state, writeId, writtenAt }`, and beside them the window manifests (`manifests`), one
 * object per window at `{prefix}/_manifests/{key}.json` holding `{ document, writeId, writtenAt }`.
 * An object's ETag is its version. Writes of both are conditional, so two runners can never both
 * advance a stream:
 *
 * - create: `PutObject` with `If-None-Match: *` (fails with 412 when the object exists);
 * - advance: `PutObject` with `If-Match: <etag>` (412 when someone wrote since; 404 when deleted).
 *
 * ETags of single-part objects are the MD5 of the content, so every write carries a fresh `writeId`:
 * no two writes have the same content and an old ETag can never match again (no ABA).
 *
 * Migration from the seed collectors (checkpoints only, never manifests): when a stream has no object
 * yet and `legacyKey` names a seed's `state.json` (`{"last_hour_utc": "…"}`), `read` answers the hour
 * after it with the version `LEGACY_VERSION`; the first `write` then creates the stream's own object
 * (create-only). The seed's object is only read, never changed.
 *
 * What does not depend on the service is core's, shared with the GCS store: the documents, the object
 * names, `read` with the seed's state, recognising a retried write and the store itself
 * (`document-objects.ts`, `checkpoint-objects.ts`). What is S3's is here: the requests (`ObjectBucket`)
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
  type ObjectBucket,
  objectCheckpointStore,
  parseConfig,
} from '@ctxsiem/core';
import { createS3Client, describeTarget, encryptionParams } from './client.ts';
import { type S3CheckpointConfig, S3CheckpointConfigSchema } from './config.ts';
import {
  areaStatements,
  bucketArn,
  explainS3Error,
  isNoSuchKey,
  isPreconditionFailure,
  type S3Operation,
} from './errors.ts';

export interface S3CheckpointStore extends CheckpointStore {
  /** The object key a checkpoint key is stored at. */
  objectKey(key: string): string;
  /** The object key a manifest key is stored at. */
  manifestObjectKey(key: string): string;
  close(): Promise<void>;
}

export function s3CheckpointStore(input: unknown): S3CheckpointStore {
  const config: S3CheckpointConfig = parseConfig('checkpoint-s3', S3CheckpointConfigSchema, input);
  const client = createS3Client(config);
  const encryption = encryptionParams(config);
  const target = describeTarget(config);
  const url = (objKey: string) => `s3://${config.bucket}/${objKey}`;
  const arn = (objKey: string) => `arn:aws:s3:::${config.bucket}/${objKey}`;

  /**
   * What to grant where `objKey` lives: the checkpoints' own prefix is read, written and cleaned up
   * (manifests); the previous prefix and the seed's state.json are only read.
   */
  const statementsFor = (objKey: string) => {
    if (config.legacyKey && objKey === config.legacyKey)
      return areaStatements(config.bucket, objKey, ['s3:GetObject'], true);
    if (config.previousPrefix && objKey.startsWith(`${config.previousPrefix}/`))
      return areaStatements(config.bucket, config.previousPrefix, ['s3:GetObject']);
    return areaStatements(config.bucket, config.prefix, ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']);
  };
  const failure = (
    code: string,
    error: unknown,
    op: Omit<S3Operation, 'bucket' | 'target'>,
    objKey?: string,
  ) =>
    new CtxsiemError(
      code,
      explainS3Error(error, {
        ...op,
        bucket: config.bucket,
        target,
        statements:
          objKey === undefined
            ? [{ Action: 's3:ListBucket', Resource: bucketArn(config.bucket) }]
            : statementsFor(objKey),
      }).message,
      { cause: error },
    );

  /** S3's requests, as core's object checkpoint store needs them; `noun` names the object in messages. */
  const bucket: ObjectBucket = {
    versionName: 'version',
    location: url,
    async get(objKey, noun) {
      try {
        const response = await client.send(new GetObjectCommand({ Bucket: config.bucket, Key: objKey }));
        const text = (await response.Body?.transformToString('utf8')) ?? '';
        if (!response.ETag) throw new Error(`S3 returned no ETag for ${objKey}`);
        return { text, version: response.ETag };
      } catch (error) {
        if (isNoSuchKey(error)) return undefined;
        throw failure(
          'CHECKPOINT_READ_FAILED',
          error,
          {
            action: `reading the ${noun} ${url(objKey)}`,
            permission:
              's3:GetObject (and s3:ListBucket, without which S3 answers 403 instead of 404 for a missing key)',
            resource: arn(objKey),
          },
          objKey,
        );
      }
    },
    async put(objKey, body, condition, noun) {
      try {
        const response = await client.send(
          new PutObjectCommand({
            Bucket: config.bucket,
            Key: objKey,
            Body: body,
            ContentType: 'application/json',
            ...(condition.create ? { IfNoneMatch: '*' } : { IfMatch: condition.ifVersion }),
            ...encryption,
          }),
        );
        if (response.ETag) return { version: response.ETag };
        const head = await client.send(new HeadObjectCommand({ Bucket: config.bucket, Key: objKey }));
        if (!head.ETag) throw new Error(`S3 returned no ETag for ${objKey}`);
        return { version: head.ETag };
      } catch (error) {
        if (isPreconditionFailure(error) || (!condition.create && isNoSuchKey(error))) {
          return { refused: error };
        }
        throw failure(
          'CHECKPOINT_WRITE_FAILED',
          error,
          {
            action: `writing the ${noun} ${url(objKey)}`,
            permission: 's3:PutObject',
            resource: arn(objKey),
            encryption: config.serverSideEncryption,
          },
          objKey,
        );
      }
    },
    async delete(objKey, noun) {
      try {
        await client.send(new DeleteObjectCommand({ Bucket: config.bucket, Key: objKey }));
      } catch (error) {
        throw failure(
          'CHECKPOINT_DELETE_FAILED',
          error,
          {
            action: `deleting the ${noun} ${url(objKey)}`,
            permission: 's3:DeleteObject',
            resource: arn(objKey),
          },
          objKey,
        );
      }
    },
    async list(under, noun) {
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
          action: `listing ${noun}s under ${url(under)}`,
          permission: 's3:ListBucket',
          resource: `arn:aws:s3:::${config.bucket}`,
        });
      }
      return names;
    },
  };

  const store = objectCheckpointStore({
    type: 's3',
    prefix: config.prefix,
    legacyKey: config.legacyKey,
    previousPrefix: config.previousPrefix,
    bucket,
  });
  return {
    ...store,
    objectKey: store.objectName,
    manifestObjectKey: store.manifestObjectName,
    async close() {
      client.destroy();
    },
  };
}
