/**
 * The S3 sink: each batch becomes one NDJSON object at its deterministic key (core's `batchKey`), so a
 * retried batch overwrites its own object instead of adding a duplicate. Small bodies go up in one
 * PutObject; a batch whose NDJSON exceeds `multipartThresholdBytes` is encoded as a stream and sent as
 * a multipart upload with at most `UPLOAD_QUEUE_SIZE` parts in memory, whatever the batch's size.
 */
import { pipeline, type Readable } from 'node:stream';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  type Batch,
  ByteCounter,
  batchKey,
  type ConnectorDeps,
  encodeNdjson,
  type JsonRecord,
  ndjsonExceeds,
  ndjsonStream,
  parseConfig,
  probeObject,
  type Receipt,
  type Sink,
  SinkError,
} from '@ctxsiem/core';
import { createS3Client, describeTarget, encryptionParams } from './client.ts';
import { type S3SinkConfig, S3SinkConfigSchema } from './config.ts';
import { explainS3Error, type S3Operation } from './errors.ts';

/** Parts of a multipart upload buffered and sent at once. Memory ≈ (this + 1) × partSizeBytes. */
export const UPLOAD_QUEUE_SIZE = 2;

export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';

/** The receipt of an S3 write: which upload path carried it and in how many parts. */
export interface S3Receipt extends Receipt {
  /** `single`: one PutObject; `multipart`: streamed through lib-storage's Upload. */
  upload: 'single' | 'multipart';
  /** Parts sent (1 for a single PutObject, or for a streamed body that fit in one part). */
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
  const layout = { prefix: config.prefix, gzip: config.gzip };
  const encryption = encryptionParams(config);
  const target = describeTarget(config);
  // The IAM resource writes need: every key under the prefix (any tenant for `{tenant}`).
  const policyPrefix = config.prefix.replaceAll('{tenant}', '*').replace(/^\/+|\/+$/g, '');
  const resource = `arn:aws:s3:::${config.bucket}/${policyPrefix ? `${policyPrefix}/` : ''}*`;

  const putParams = (key: string) => ({
    Bucket: config.bucket,
    Key: key,
    ContentType: NDJSON_CONTENT_TYPE,
    ...(config.gzip ? { ContentEncoding: 'gzip' } : {}),
    ...encryption,
  });

  const operation = (action: string, key: string, permission: string): S3Operation => ({
    action: `${action} s3://${config.bucket}/${key}`,
    bucket: config.bucket,
    permission,
    resource,
    target,
    encryption: config.serverSideEncryption,
  });

  const fail = (error: unknown, op: S3Operation): SinkError => {
    const { message, retryable } = explainS3Error(error, op);
    return new SinkError(message, { cause: error, retryable });
  };

  type Sent = Pick<S3Receipt, 'bytes' | 'upload' | 'parts'>;

  async function putSingle(key: string, records: readonly JsonRecord[]): Promise<Sent> {
    const body = encodeNdjson(records, config.gzip);
    await client.send(new PutObjectCommand({ ...putParams(key), Body: body }));
    return { bytes: body.length, upload: 'single', parts: 1 };
  }

  async function putStreamed(key: string, records: readonly JsonRecord[]): Promise<Sent> {
    const counter = new ByteCounter();
    const body: Readable = pipeline(ndjsonStream(records, config.gzip), counter, () => {
      // Errors reach the Upload through `counter` (pipeline destroys it with the error).
    });
    let parts = 0;
    const upload = new Upload({
      client,
      params: { ...putParams(key), Body: body },
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
    return { bytes: counter.bytes, upload: 'multipart', parts: Math.max(parts, 1) };
  }

  return {
    type: 's3',
    async write(batch) {
      const key = batchKey(batch, layout);
      const streamed = ndjsonExceeds(batch.records, config.multipartThresholdBytes);
      try {
        const sent = streamed ? await putStreamed(key, batch.records) : await putSingle(key, batch.records);
        const receipt: S3Receipt = {
          location: `s3://${config.bucket}/${key}`,
          records: batch.records.length,
          ...sent,
        };
        deps?.logger?.debug(
          { location: receipt.location, bytes: receipt.bytes, upload: receipt.upload, parts: receipt.parts },
          'stored batch',
        );
        return receipt;
      } catch (error) {
        throw fail(error, operation('writing', key, 's3:PutObject'));
      }
    },
    async check() {
      const { key, body } = probeObject(config.prefix);
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: config.bucket,
            Key: key,
            ContentType: 'application/json',
            Body: body,
            ...encryption,
          }),
        );
      } catch (error) {
        throw fail(error, operation('writing the probe object', key, 's3:PutObject'));
      }
      try {
        await client.send(new DeleteObjectCommand({ Bucket: config.bucket, Key: key }));
      } catch (error) {
        const failure = fail(error, operation('deleting the probe object', key, 's3:DeleteObject'));
        throw new SinkError(`${failure.message} (the probe object was left behind)`, {
          cause: error,
          retryable: failure.retryable,
        });
      }
      return `wrote and deleted s3://${config.bucket}/${key} (${target}${
        config.serverSideEncryption ? `, ${config.serverSideEncryption}` : ''
      })`;
    },
    async close() {
      client.destroy();
    },
  };
}
