/**
 * The S3 sink: core's object sink (`objectSink`) over the S3 driver (`@ctxsiem/object-store-s3`). Each
 * batch becomes one NDJSON object at its deterministic key (core's `batchKey`). Parts are create-only,
 * since SIEM feeds ingest an object again when it is overwritten: every write carries
 * `If-None-Match: *`, and the object's hex SHA-256 as user metadata (`ctxsiem-sha256`). When S3
 * answers 412 (the key exists), the stored digest is compared with the write's: identical content is
 * acknowledged without rewriting (`created: false`), other content throws core's `PartExistsError`.
 *
 * Small bodies go up in one PutObject. A batch whose NDJSON exceeds `multipartThresholdBytes` is
 * encoded as a stream and sent as a multipart upload with at most `UPLOAD_QUEUE_SIZE` parts in memory,
 * whatever the batch's size. lib-storage's `Upload` passes its params (so `IfNoneMatch`) to
 * CompleteMultipartUpload, which is where S3 applies the condition to a multipart upload; the digest
 * the metadata needs before the upload starts comes from a first streamed encoding pass (the encoding,
 * gzip included, is deterministic), and the upload checks it got the same bytes.
 */
import type { Batch, ConnectorDeps, Receipt, Sink } from '@ctxsiem/core';
import { objectSink, parseConfig } from '@ctxsiem/core';
import { s3ObjectStore } from '@ctxsiem/object-store-s3';
import { type S3SinkConfig, S3SinkConfigSchema } from './config.ts';

export { NDJSON_CONTENT_TYPE } from '@ctxsiem/core';
export { CONFLICT_ATTEMPTS, UPLOAD_QUEUE_SIZE } from '@ctxsiem/object-store-s3';

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
  const driver = s3ObjectStore(config, { partSizeBytes: config.partSizeBytes });
  const options = { ...config, streamThresholdBytes: config.multipartThresholdBytes, logger: deps?.logger };
  return objectSink(driver, options) as S3Sink;
}
