/**
 * The GCS sink: each batch becomes one NDJSON object at its deterministic name (core's `batchKey`), so
 * a retried batch replaces its own object instead of adding a duplicate. Small bodies go up in one
 * simple upload; a batch whose NDJSON exceeds `resumableThresholdBytes` is encoded as a stream into a
 * resumable upload that buffers one `chunkSizeBytes` chunk at a time, whatever the batch's size.
 */
import { pipeline } from 'node:stream/promises';
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
import { createStorage, describeTarget } from './client.ts';
import { type GcsSinkConfig, GcsSinkConfigSchema } from './config.ts';
import { explainGcsError, type GcsOperation } from './errors.ts';

export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';

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
  const storage = createStorage(config, 'always');
  const bucket = storage.bucket(config.bucket);
  const layout = { prefix: config.prefix, gzip: config.gzip };
  const target = describeTarget(config);
  const metadata = {
    contentType: NDJSON_CONTENT_TYPE,
    ...(config.gzip ? { contentEncoding: 'gzip' } : {}),
  };

  const operation = (action: string, name: string, permission: string): GcsOperation => ({
    action: `${action} gs://${config.bucket}/${name}`,
    bucket: config.bucket,
    permission,
    role: 'roles/storage.objectUser',
    target,
  });
  const fail = (error: unknown, op: GcsOperation): SinkError => {
    const { message, retryable } = explainGcsError(error, op);
    return new SinkError(message, { cause: error, retryable });
  };

  type Sent = Pick<GcsReceipt, 'bytes' | 'upload'>;

  async function saveSimple(name: string, records: readonly JsonRecord[]): Promise<Sent> {
    const body = encodeNdjson(records, config.gzip);
    // gzip: false — the body is already encoded as configured; the library must not compress it again.
    await bucket
      .file(name)
      .save(body, { resumable: false, gzip: false, contentType: NDJSON_CONTENT_TYPE, metadata });
    return { bytes: body.length, upload: 'simple' };
  }

  async function saveResumable(name: string, records: readonly JsonRecord[]): Promise<Sent> {
    const counter = new ByteCounter();
    const upload = bucket.file(name).createWriteStream({
      resumable: true,
      chunkSize: config.chunkSizeBytes,
      gzip: false,
      contentType: NDJSON_CONTENT_TYPE,
      metadata,
    });
    await pipeline(ndjsonStream(records, config.gzip), counter, upload);
    return { bytes: counter.bytes, upload: 'resumable' };
  }

  return {
    type: 'gcs',
    async write(batch) {
      const name = batchKey(batch, layout);
      const streamed = ndjsonExceeds(batch.records, config.resumableThresholdBytes);
      try {
        const sent = streamed
          ? await saveResumable(name, batch.records)
          : await saveSimple(name, batch.records);
        const receipt: GcsReceipt = {
          location: `gs://${config.bucket}/${name}`,
          records: batch.records.length,
          ...sent,
        };
        deps?.logger?.debug(
          { location: receipt.location, bytes: receipt.bytes, upload: receipt.upload },
          'stored batch',
        );
        return receipt;
      } catch (error) {
        throw fail(
          error,
          operation(
            'writing',
            name,
            'storage.objects.create (and storage.objects.delete to replace a retried batch)',
          ),
        );
      }
    },
    async check() {
      const { key: name, body } = probeObject(config.prefix);
      const file = bucket.file(name);
      try {
        await file.save(body, { resumable: false, gzip: false, contentType: 'application/json' });
      } catch (error) {
        throw fail(error, operation('writing the probe object', name, 'storage.objects.create'));
      }
      try {
        await file.delete({ ignoreNotFound: true });
      } catch (error) {
        const failure = fail(error, operation('deleting the probe object', name, 'storage.objects.delete'));
        throw new SinkError(`${failure.message} (the probe object was left behind)`, {
          cause: error,
          retryable: failure.retryable,
        });
      }
      return `wrote and deleted gs://${config.bucket}/${name} (${target})`;
    },
    async close() {},
  };
}
