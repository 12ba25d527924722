/**
 * The GCS sink: core's object sink (`objectSink`) over the GCS driver (`@ctxsiem/object-store-gcs`).
 * Each batch becomes one NDJSON object at its deterministic name (core's `batchKey`). Parts are
 * create-only, since SIEM feeds ingest an object again when it is overwritten: every upload carries
 * the precondition `ifGenerationMatch: 0` (only if no live object has the name) and the object's hex
 * SHA-256 as custom metadata (`ctxsiem-sha256`). When GCS answers 412 (the name exists), the stored
 * digest is compared with the write's: identical content is acknowledged without rewriting
 * (`created: false`), other content throws core's `PartExistsError`.
 *
 * Small bodies go up in one simple upload; a batch whose NDJSON exceeds `resumableThresholdBytes` is
 * encoded as a stream into a resumable upload that buffers one `chunkSizeBytes` chunk at a time,
 * whatever the batch's size. Its metadata is sent when the upload starts, so its digest comes from a
 * first streamed encoding pass (the encoding, gzip included, is deterministic), and the upload checks
 * it sent the same bytes.
 */
import type { Batch, ConnectorDeps, Receipt, Sink } from '@ctxsiem/core';
import { objectSink, parseConfig } from '@ctxsiem/core';
import { gcsObjectStore } from '@ctxsiem/object-store-gcs';
import { type GcsSinkConfig, GcsSinkConfigSchema } from './config.ts';

export { NDJSON_CONTENT_TYPE } from '@ctxsiem/core';

/** The receipt of a GCS write: which upload path carried it. */
export interface GcsReceipt extends Receipt {
  /** `simple`: one request with the whole body; `resumable`: streamed in chunks. */
  upload: 'simple' | 'resumable';
}

export interface GcsSink extends Sink {
  write(batch: Batch): Promise<GcsReceipt>;
}

export function gcsSink(input: unknown, deps?: ConnectorDeps): GcsSink {
  const config: GcsSinkConfig = parseConfig('sink-gcs', GcsSinkConfigSchema, input);
  // Every upload is preconditioned, so retrying one is safe either way.
  const driver = gcsObjectStore(config, { retry: 'always', chunkSizeBytes: config.chunkSizeBytes });
  const options = { ...config, streamThresholdBytes: config.resumableThresholdBytes, logger: deps?.logger };
  return objectSink(driver, options) as GcsSink;
}
