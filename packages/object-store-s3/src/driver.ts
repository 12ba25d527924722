/**
 * The S3 bucket driver: core's `ObjectStoreDriver` over the AWS SDK. It makes S3's requests and says
 * what their failures mean; core builds the object sink (`objectSink`) and the object checkpoint store
 * (`objectCheckpointStore`) on it, and sources read documents through it.
 *
 * - create-only writes carry `If-None-Match: *` (a `PutObject`, or the `CompleteMultipartUpload` of a
 *   streamed body sent through lib-storage's `Upload`), the digest as user metadata `ctxsiem-sha256`
 *   and the configured encryption; 412 answers `{ created: false }`, and S3's 409
 *   `ConditionalRequestConflict` (another conditional write to the key in progress) is sent again, up
 *   to `CONFLICT_ATTEMPTS` attempts;
 * - conditional documents (`ObjectBucket`): create with `If-None-Match: *`, replace with
 *   `If-Match: <etag>` (412 when someone wrote since; 404 when deleted). An object's ETag is its version.
 */
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  CtxsiemError,
  type ListedObject,
  type ObjectAccess,
  type ObjectArea,
  type ObjectStoreDriver,
  SHA256_METADATA_KEY,
} from '@ctxsiem/core';
import { createS3Client, describeTarget, encryptionParams } from './client.ts';
import type { S3ConnectionConfig } from './config.ts';
import {
  areaStatements,
  bucketArn,
  explainS3Error,
  isAlreadyExists,
  isConditionalConflict,
  isNoSuchKey,
  isPreconditionFailure,
  type S3Operation,
} from './errors.ts';

/** Parts of a multipart upload buffered and sent at once. Memory ≈ (this + 1) × partSizeBytes. */
export const UPLOAD_QUEUE_SIZE = 2;

/** Attempts of a create-only write that S3 answers with 409 ConditionalRequestConflict. */
export const CONFLICT_ATTEMPTS = 4;

/** The default part size of a multipart upload. */
export const DEFAULT_PART_SIZE_BYTES = 8 * 1024 * 1024;

export interface S3ObjectStoreOptions {
  /**
   * Where a document object lies and what is done there, for the IAM statements an access denial of
   * the checkpoint store prints (`ObjectBucket`). Default: the whole bucket, read, written and deleted.
   */
  areaOf?: ((name: string) => ObjectArea) | undefined;
  /** Part size of the multipart upload of a streamed body. */
  partSizeBytes?: number | undefined;
}

export interface S3ObjectStore extends ObjectStoreDriver {
  readonly service: 's3';
}

const ACTIONS = { read: 's3:GetObject', write: 's3:PutObject', delete: 's3:DeleteObject' } as const;

/** Without s3:ListBucket S3 answers 403, not 404, for a key that does not exist. */
const READ_PERMISSION = 's3:GetObject (and s3:ListBucket, so that a missing part is a 404, not a 403)';

const PERMISSIONS: Record<ObjectAccess, string> = {
  read: READ_PERMISSION,
  'read-back': 's3:GetObject',
  write: 's3:PutObject',
  delete: 's3:DeleteObject',
  list: 's3:ListBucket',
};

export function s3ObjectStore(
  config: S3ConnectionConfig & { bucket: string },
  options: S3ObjectStoreOptions = {},
): S3ObjectStore {
  const client = createS3Client(config);
  const { bucket } = config;
  const encryption = encryptionParams(config);
  const target = describeTarget(config);
  const url = (name: string) => `s3://${bucket}/${name}`;
  const arn = (name: string) => `arn:aws:s3:::${bucket}/${name}`;
  const areaOf: (name: string) => ObjectArea =
    options.areaOf ?? (() => ({ prefix: '', access: ['read', 'write', 'delete'] }));
  const statementsOf = (area: ObjectArea) =>
    areaStatements(
      bucket,
      area.prefix,
      area.access.map((access) => ACTIONS[access]),
      area.exact,
    );

  /** A document request's failure, with the IAM statements where `name` lives (the bucket for a listing). */
  const failure = (code: string, error: unknown, op: Omit<S3Operation, 'bucket' | 'target'>, name?: string) =>
    new CtxsiemError(
      code,
      explainS3Error(error, {
        ...op,
        bucket,
        target,
        statements:
          name === undefined
            ? [{ Action: 's3:ListBucket', Resource: bucketArn(bucket) }]
            : statementsOf(areaOf(name)),
      }).message,
      { cause: error },
    );

  const get = (name: string) => client.send(new GetObjectCommand({ Bucket: bucket, Key: name }));
  /** undefined when S3 says the key does not exist. */
  const getIfExists = (name: string, signal?: AbortSignal) =>
    client
      .send(
        new GetObjectCommand({ Bucket: bucket, Key: name }),
        signal === undefined ? {} : { abortSignal: signal },
      )
      .catch((error: unknown) => {
        if (isNoSuchKey(error)) return undefined;
        throw error;
      });

  return {
    service: 's3',
    bucket,
    target,
    encryption: config.serverSideEncryption,
    uploads: { whole: 'single', streamed: 'multipart', countsParts: true },
    versionName: 'version',
    location: url,

    async create(name, body, object) {
      const params = {
        Bucket: bucket,
        Key: name,
        ContentType: object.contentType,
        ...(object.contentEncoding === undefined ? {} : { ContentEncoding: object.contentEncoding }),
        Metadata: { [SHA256_METADATA_KEY]: object.sha256 },
        IfNoneMatch: '*',
        ...encryption,
      };
      for (let attempt = 1; ; attempt++) {
        try {
          if (Buffer.isBuffer(body)) {
            await client.send(new PutObjectCommand({ ...params, Body: body }));
            return { created: true, parts: 1 };
          }
          let parts = 0;
          const upload = new Upload({
            client,
            // IfNoneMatch reaches CompleteMultipartUpload (or the PutObject of a body that fit in one part).
            params: { ...params, Body: body() },
            queueSize: UPLOAD_QUEUE_SIZE,
            partSize: options.partSizeBytes ?? DEFAULT_PART_SIZE_BYTES,
            leavePartsOnError: false,
          });
          upload.on('httpUploadProgress', (progress) => {
            parts = Math.max(parts, progress.part ?? 0);
          });
          await upload.done();
          return { created: true, parts: Math.max(parts, 1) };
        } catch (error) {
          if (isAlreadyExists(error)) return { created: false, refusal: error };
          if (isConditionalConflict(error) && attempt < CONFLICT_ATTEMPTS) {
            await sleep(100 * 2 ** attempt);
            continue;
          }
          throw error;
        }
      }
    },
    async exists(name) {
      return client.send(new HeadObjectCommand({ Bucket: bucket, Key: name })).then(
        () => true,
        () => false,
      );
    },
    /**
     * One GetObject (not HeadObject, whose errors carry no S3 code): its metadata usually answers, and
     * its body is read only when the object has no `ctxsiem-sha256` metadata.
     */
    async stored(name) {
      const response = await getIfExists(name);
      if (!response) return undefined;
      let held = response.Body as Readable | undefined;
      return {
        bytes: response.ContentLength,
        sha256: response.Metadata?.[SHA256_METADATA_KEY],
        async body() {
          if (held) {
            const body = held;
            held = undefined;
            return body;
          }
          return (await get(name)).Body as Readable;
        },
        release() {
          held?.destroy();
          held = undefined;
        },
      };
    },
    async read(name) {
      const response = await getIfExists(name);
      if (!response) return undefined;
      return Buffer.from((await response.Body?.transformToByteArray()) ?? new Uint8Array());
    },
    async open(name, signal) {
      return (await getIfExists(name, signal))?.Body as Readable | undefined;
    },
    async *objects(prefix, signal): AsyncGenerator<ListedObject> {
      // ListObjectsV2 returns keys in UTF-8 binary order, page by page.
      for await (const page of paginateListObjectsV2(
        { client },
        { Bucket: bucket, ...(prefix ? { Prefix: prefix } : {}) },
        ...(signal === undefined ? [] : [{ abortSignal: signal }]),
      )) {
        for (const object of page.Contents ?? []) {
          if (object.Key === undefined) continue;
          yield {
            name: object.Key,
            size: object.Size ?? 0,
            modified: object.LastModified ?? new Date(0),
            version: String(object.ETag),
          };
        }
      }
    },
    async remove(name) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: name }));
    },
    permission: (access) => PERMISSIONS[access],
    explain(error, op) {
      const area = op.area ?? areaOf(op.name);
      const within = area.exact ? area.prefix : `${area.prefix ? `${area.prefix}/` : ''}*`;
      return explainS3Error(error, {
        action: `${op.action} ${url(op.name)}`,
        bucket,
        permission: PERMISSIONS[op.access],
        resource: arn(within),
        target,
        encryption: config.serverSideEncryption,
        statements: statementsOf(area),
      });
    },
    createOnlyIgnored: (name) =>
      `${url(name)}: a second create-only write (If-None-Match: *) of an existing key was accepted: this store ignores conditional writes, so parts could be overwritten and a checkpoint advanced by two runners at once — ctxsiem needs S3's conditional writes (AWS S3, or a store that answers 412)`,

    // The conditional documents of a checkpoint store; `noun` names the object in messages.
    async get(name, noun) {
      try {
        const response = await get(name);
        const text = (await response.Body?.transformToString('utf8')) ?? '';
        if (!response.ETag) throw new Error(`S3 returned no ETag for ${name}`);
        return { text, version: response.ETag };
      } catch (error) {
        if (isNoSuchKey(error)) return undefined;
        throw failure(
          'CHECKPOINT_READ_FAILED',
          error,
          {
            action: `reading the ${noun} ${url(name)}`,
            permission:
              's3:GetObject (and s3:ListBucket, without which S3 answers 403 instead of 404 for a missing key)',
            resource: arn(name),
          },
          name,
        );
      }
    },
    async put(name, body, condition, noun) {
      try {
        const response = await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: name,
            Body: body,
            ContentType: 'application/json',
            ...(condition.create ? { IfNoneMatch: '*' } : { IfMatch: condition.ifVersion }),
            ...encryption,
          }),
        );
        if (response.ETag) return { version: response.ETag };
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: name }));
        if (!head.ETag) throw new Error(`S3 returned no ETag for ${name}`);
        return { version: head.ETag };
      } catch (error) {
        if (isPreconditionFailure(error) || (!condition.create && isNoSuchKey(error))) {
          return { refused: error };
        }
        throw failure(
          'CHECKPOINT_WRITE_FAILED',
          error,
          {
            action: `writing the ${noun} ${url(name)}`,
            permission: 's3:PutObject',
            resource: arn(name),
            encryption: config.serverSideEncryption,
          },
          name,
        );
      }
    },
    async delete(name, noun) {
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: name }));
      } catch (error) {
        throw failure(
          'CHECKPOINT_DELETE_FAILED',
          error,
          { action: `deleting the ${noun} ${url(name)}`, permission: 's3:DeleteObject', resource: arn(name) },
          name,
        );
      }
    },
    async list(under, noun) {
      const names: string[] = [];
      try {
        for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: under })) {
          for (const object of page.Contents ?? []) if (object.Key) names.push(object.Key);
        }
      } catch (error) {
        throw failure('CHECKPOINT_LIST_FAILED', error, {
          action: `listing ${noun}s under ${url(under)}`,
          permission: 's3:ListBucket',
          resource: bucketArn(bucket),
        });
      }
      return names;
    },
    async close() {
      client.destroy();
    },
  };
}
