/**
 * The S3 sink: each batch becomes one NDJSON object at its deterministic key (core's `batchKey`).
 * Parts are create-only, since SIEM feeds ingest an object again when it is overwritten: every write
 * carries `If-None-Match: *`, and the object's hex SHA-256 as user metadata (`ctxsiem-sha256`). When
 * S3 answers 412 (the key exists), the stored digest is compared with the write's: identical content
 * is acknowledged without rewriting (`created: false`), other content throws core's `PartExistsError`.
 *
 * Small bodies go up in one PutObject. A batch whose NDJSON exceeds `multipartThresholdBytes` is
 * encoded as a stream and sent as a multipart upload with at most `UPLOAD_QUEUE_SIZE` parts in memory,
 * whatever the batch's size. lib-storage's `Upload` passes its params (so `IfNoneMatch`) to
 * CompleteMultipartUpload, which is where S3 applies the condition to a multipart upload; the digest
 * the metadata needs before the upload starts comes from a first streamed encoding pass (the encoding,
 * gzip included, is deterministic), and the upload checks it got the same bytes.
 */

import { pipeline, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  type Batch,
  batchKey,
  type ConnectorDeps,
  controlPrefix,
  type Digest,
  DigestingStream,
  deadLetterListing,
  decodePart,
  digestOf,
  digestStream,
  encodeNdjson,
  type JsonRecord,
  type ListedPart,
  ndjsonExceeds,
  ndjsonStream,
  PartExistsError,
  type PartName,
  parseConfig,
  probeObject,
  type Receipt,
  SHA256_METADATA_KEY,
  type Sink,
  SinkError,
  validSha256,
} from '@ctxsiem/core';
import { createS3Client, describeTarget, encryptionParams } from './client.ts';
import { type S3SinkConfig, S3SinkConfigSchema } from './config.ts';
import {
  areaStatements,
  explainS3Error,
  isAlreadyExists,
  isConditionalConflict,
  isNoSuchKey,
  type S3Operation,
} from './errors.ts';

/** Parts of a multipart upload buffered and sent at once. Memory ≈ (this + 1) × partSizeBytes. */
export const UPLOAD_QUEUE_SIZE = 2;

/** Attempts of a create-only write that S3 answers with 409 ConditionalRequestConflict. */
export const CONFLICT_ATTEMPTS = 4;

export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';

/** The receipt of an S3 write: which upload path carried it and in how many parts. */
export interface S3Receipt extends Receipt {
  /** `single`: one PutObject; `multipart`: streamed through lib-storage's Upload. */
  upload: 'single' | 'multipart';
  /**
   * Parts the stored object was uploaded in (1 for a single PutObject, or for a streamed body that
   * fit in one part); 0 when the part already existed (`created: false`).
   */
  parts: number;
}

export interface S3Sink extends Sink {
  write(batch: Batch): Promise<S3Receipt>;
}

export function s3Sink(input: unknown, deps?: ConnectorDeps): S3Sink {
  const config: S3SinkConfig = parseConfig('sink-s3', S3SinkConfigSchema, input);
  deps?.secrets?.add(config.credentials?.secretAccessKey);
  deps?.secrets?.add(config.credentials?.sessionToken);
  const client = createS3Client(config);
  const layout = {
    prefix: config.prefix,
    gzip: config.gzip,
    deadLetterPrefix: config.deadLetterPrefix ?? `${controlPrefix(config.prefix)}/deadletter`,
  };
  const encryption = encryptionParams(config);
  const target = describeTarget(config);
  // The IAM resource writes need: every key under the prefix (any tenant for `{tenant}`).
  const policyPrefix = config.prefix.replaceAll('{tenant}', '*').replace(/^\/+|\/+$/g, '');
  const resource = `arn:aws:s3:::${config.bucket}/${policyPrefix ? `${policyPrefix}/` : ''}*`;
  const locationOf = (key: string) => `s3://${config.bucket}/${key}`;

  /** What every create-only PutObject / multipart upload carries. */
  const putParams = (key: string, sha256: string) => ({
    Bucket: config.bucket,
    Key: key,
    ContentType: NDJSON_CONTENT_TYPE,
    ...(config.gzip ? { ContentEncoding: 'gzip' } : {}),
    Metadata: { [SHA256_METADATA_KEY]: sha256 },
    IfNoneMatch: '*',
    ...encryption,
  });

  const deadLetterArea = layout.deadLetterPrefix.replaceAll('{tenant}', '*').replace(/^\/+|\/+$/g, '');
  // Dead-letter keys (any tenant's, for `{tenant}`): `*` stands for one folder.
  const deadLetterKeys = new RegExp(
    `^${deadLetterArea.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '[^/]+')}/`,
  );
  const isDeadLetterKey = (key: string) => deadLetterKeys.test(key);
  const operation = (action: string, key: string, permission: string): S3Operation => ({
    action: `${action} s3://${config.bucket}/${key}`,
    bucket: config.bucket,
    permission,
    resource: isDeadLetterKey(key) ? `arn:aws:s3:::${config.bucket}/${deadLetterArea}/*` : resource,
    target,
    encryption: config.serverSideEncryption,
    // Parts and the probe are written, read back and (the probe) deleted; dead letters written and read.
    statements: isDeadLetterKey(key)
      ? areaStatements(config.bucket, deadLetterArea, ['s3:GetObject', 's3:PutObject'])
      : areaStatements(config.bucket, policyPrefix, ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']),
  });

  const fail = (error: unknown, op: S3Operation): SinkError => {
    const { message, retryable } = explainS3Error(error, op);
    return new SinkError(message, { cause: error, retryable });
  };

  /** Without s3:ListBucket S3 answers 403, not 404, for a key that does not exist. */
  const READ_PERMISSION = 's3:GetObject (and s3:ListBucket, so that a missing part is a 404, not a 403)';

  type Stored = Pick<S3Receipt, 'bytes' | 'created' | 'sha256'>;
  type Sent = Stored & Pick<S3Receipt, 'upload' | 'parts'>;

  /** True when a HeadObject finds the key; any failure means "not known to exist". */
  async function exists(key: string): Promise<boolean> {
    return client.send(new HeadObjectCommand({ Bucket: config.bucket, Key: key })).then(
      () => true,
      () => false,
    );
  }

  /** Streams the stored object through a digest (of its bytes, or of its gunzipped content). */
  async function storedDigest(key: string, gunzip: boolean): Promise<Digest> {
    const response = await client.send(new GetObjectCommand({ Bucket: config.bucket, Key: key }));
    return digestStream(response.Body as Readable, { gunzip });
  }

  /**
   * The receipt for a key that exists: identical content is acknowledged, other content refused.
   * One GetObject (not HeadObject, whose errors carry no S3 code): its metadata usually answers, and
   * its body is read only when the object has no `ctxsiem-sha256` metadata.
   */
  async function existing(key: string, records: readonly JsonRecord[], ours: Digest): Promise<Stored> {
    const location = locationOf(key);
    const failure = (error: unknown) =>
      fail(error, operation('reading the existing part', key, READ_PERMISSION));
    let response: GetObjectCommandOutput;
    try {
      response = await client.send(new GetObjectCommand({ Bucket: config.bucket, Key: key }));
    } catch (error) {
      if (!isNoSuchKey(error)) throw failure(error);
      throw new SinkError(`${location} was reported to exist, then not found: was it deleted? Retrying`, {
        cause: error,
        retryable: true,
      });
    }
    const body = response.Body as Readable;
    const bytes = response.ContentLength ?? ours.bytes;
    let storedSha256: string;
    try {
      const recorded = validSha256(response.Metadata?.[SHA256_METADATA_KEY]);
      if (recorded) body.destroy();
      storedSha256 = recorded ?? (await digestStream(body)).sha256;
      if (storedSha256 === ours.sha256) return { bytes, created: false, sha256: storedSha256 };
      // Gzip bytes depend on the zlib that wrote them: a part written by another version with the
      // same records is the same part.
      if (config.gzip) {
        const [storedPlain, plain] = await Promise.all([
          storedDigest(key, true).catch(() => undefined),
          digestStream(ndjsonStream(records, false)),
        ]);
        if (storedPlain?.sha256 === plain.sha256) return { bytes, created: false, sha256: storedSha256 };
      }
    } catch (error) {
      throw failure(error);
    } finally {
      body.destroy();
    }
    throw new PartExistsError(location, `stored sha256 ${storedSha256}, this write's ${ours.sha256}`);
  }

  async function putSingle(key: string, body: Buffer, digest: Digest): Promise<Sent> {
    await client.send(new PutObjectCommand({ ...putParams(key, digest.sha256), Body: body }));
    return { ...digest, upload: 'single', parts: 1, created: true };
  }

  async function putStreamed(key: string, records: readonly JsonRecord[], digest: Digest): Promise<Sent> {
    const sent = new DigestingStream();
    const body: Readable = pipeline(ndjsonStream(records, config.gzip), sent, () => {
      // Errors reach the Upload through `sent` (pipeline destroys it with the error).
    });
    let parts = 0;
    const upload = new Upload({
      client,
      // IfNoneMatch reaches CompleteMultipartUpload (or the PutObject of a body that fit in one part).
      params: { ...putParams(key, digest.sha256), Body: body },
      queueSize: UPLOAD_QUEUE_SIZE,
      partSize: config.partSizeBytes,
      leavePartsOnError: false,
    });
    upload.on('httpUploadProgress', (progress) => {
      parts = Math.max(parts, progress.part ?? 0);
    });
    try {
      await upload.done();
    } finally {
      body.destroy();
    }
    const uploaded = sent.digest();
    if (uploaded.sha256 !== digest.sha256) {
      throw new SinkError(
        `the NDJSON encoding of ${locationOf(key)} was not deterministic: it was stored with sha256 ${uploaded.sha256} but metadata ${SHA256_METADATA_KEY} ${digest.sha256}`,
      );
    }
    return { ...uploaded, upload: 'multipart', parts: Math.max(parts, 1), created: true };
  }

  async function store(key: string, records: readonly JsonRecord[], streamed: boolean): Promise<Sent> {
    const body = streamed ? undefined : encodeNdjson(records, config.gzip);
    // A multipart upload needs its metadata before it starts: a first pass over the encoding.
    const digest = body ? digestOf(body) : await digestStream(ndjsonStream(records, config.gzip));
    if (!body) {
      // Spares uploading a large part only to have CompleteMultipartUpload refuse it. Best effort:
      // the condition on CompleteMultipartUpload is what guarantees create-only.
      if (await exists(key))
        return { ...(await existing(key, records, digest)), upload: 'multipart', parts: 0 };
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return body ? await putSingle(key, body, digest) : await putStreamed(key, records, digest);
      } catch (error) {
        if (error instanceof SinkError) throw error;
        if (isAlreadyExists(error)) {
          const receipt = await existing(key, records, digest);
          return { ...receipt, upload: body ? 'single' : 'multipart', parts: 0 };
        }
        if (isConditionalConflict(error) && attempt < CONFLICT_ATTEMPTS) {
          await sleep(100 * 2 ** attempt);
          continue;
        }
        throw fail(error, operation('writing', key, 's3:PutObject'));
      }
    }
  }

  return {
    type: 's3',
    async write(batch) {
      const key = batchKey(batch, layout);
      const streamed = ndjsonExceeds(batch.records, config.multipartThresholdBytes);
      let sent: Sent;
      try {
        sent = await store(key, batch.records, streamed);
      } catch (error) {
        if (error instanceof SinkError || error instanceof PartExistsError) throw error;
        throw fail(error, operation('writing', key, 's3:PutObject'));
      }
      const receipt: S3Receipt = { location: locationOf(key), records: batch.records.length, ...sent };
      deps?.logger?.debug(
        {
          location: receipt.location,
          bytes: receipt.bytes,
          upload: receipt.upload,
          parts: receipt.parts,
          created: receipt.created,
        },
        receipt.created ? 'stored batch' : 'batch was already stored',
      );
      return receipt;
    },
    async readPart(part: PartName) {
      const key = batchKey(part, layout);
      let body: Uint8Array;
      try {
        const response = await client.send(new GetObjectCommand({ Bucket: config.bucket, Key: key }));
        body = (await response.Body?.transformToByteArray()) ?? new Uint8Array();
      } catch (error) {
        if (isNoSuchKey(error)) return undefined;
        throw fail(error, operation('reading the part', key, READ_PERMISSION));
      }
      try {
        return decodePart(body);
      } catch (error) {
        throw new SinkError(
          `the part ${locationOf(key)} is not ${config.gzip ? 'gzip ' : ''}NDJSON: ${(error as Error).message}`,
          { cause: error },
        );
      }
    },
    async *listDeadLetters(): AsyncGenerator<ListedPart> {
      const listing = deadLetterListing(layout);
      // ListObjectsV2 returns keys in UTF-8 binary order, page by page.
      const pages = paginateListObjectsV2(
        { client },
        { Bucket: config.bucket, ...(listing.prefix ? { Prefix: listing.prefix } : {}) },
      );
      try {
        for await (const page of pages) {
          for (const object of page.Contents ?? []) {
            const name = object.Key === undefined ? undefined : listing.parse(object.Key);
            if (name) yield { name, location: locationOf(object.Key!) };
          }
        }
      } catch (error) {
        throw fail(error, operation('listing the dead letters under', listing.prefix, 's3:ListBucket'));
      }
    },
    async check() {
      const { key, body } = probeObject(config.prefix);
      const putProbe = () =>
        client.send(
          new PutObjectCommand({
            Bucket: config.bucket,
            Key: key,
            ContentType: 'application/json',
            Body: body,
            Metadata: { [SHA256_METADATA_KEY]: digestOf(Buffer.from(body)).sha256 },
            IfNoneMatch: '*',
            ...encryption,
          }),
        );
      // The same create-only write a part gets: a store that refuses If-None-Match fails here.
      try {
        await putProbe();
      } catch (error) {
        throw fail(error, operation('writing the probe object', key, 's3:PutObject'));
      }
      const remove = async () => {
        try {
          await client.send(new DeleteObjectCommand({ Bucket: config.bucket, Key: key }));
        } catch (error) {
          const failure = fail(error, operation('deleting the probe object', key, 's3:DeleteObject'));
          throw new SinkError(`${failure.message} (the probe object was left behind)`, {
            cause: error,
            retryable: failure.retryable,
          });
        }
      };
      // A second create-only write of the key must be refused (412): a store that ignores If-None-Match
      // would let a part be overwritten (a SIEM feed ingests it again) and two runners both advance a
      // checkpoint — the guarantee would be silently gone.
      let refused = false;
      try {
        await putProbe();
      } catch (error) {
        if (!isAlreadyExists(error) && !isConditionalConflict(error)) {
          const failure = fail(error, operation('writing the probe object again', key, 's3:PutObject'));
          await remove().catch(() => {});
          throw new SinkError(failure.message, { cause: error, retryable: failure.retryable });
        }
        refused = true;
      }
      if (!refused) {
        await remove().catch(() => {});
        throw new SinkError(
          `s3://${config.bucket}/${key}: a second create-only write (If-None-Match: *) of an existing key was accepted: this store ignores conditional writes, so parts could be overwritten and a checkpoint advanced by two runners at once — ctxsiem needs S3's conditional writes (AWS S3, or a store that answers 412)`,
        );
      }
      // readPart and the comparison of a retried part read objects back.
      try {
        const response = await client.send(new GetObjectCommand({ Bucket: config.bucket, Key: key }));
        await response.Body?.transformToString();
      } catch (error) {
        const failure = fail(error, operation('reading the probe object back', key, 's3:GetObject'));
        const left = await remove().then(
          () => '',
          () => ' (the probe object was left behind: deleting it needs s3:DeleteObject)',
        );
        throw new SinkError(`${failure.message}${left}`, { cause: error, retryable: failure.retryable });
      }
      await remove();
      return `wrote (a second create-only write refused), read back and deleted s3://${config.bucket}/${key} (${target}${
        config.serverSideEncryption ? `, ${config.serverSideEncryption}` : ''
      })`;
    },
    async close() {
      client.destroy();
    },
  };
}
