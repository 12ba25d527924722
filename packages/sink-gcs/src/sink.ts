/**
 * The GCS sink: each batch becomes one NDJSON object at its deterministic name (core's `batchKey`).
 * Parts are create-only, since SIEM feeds ingest an object again when it is overwritten: every upload
 * carries the precondition `ifGenerationMatch: 0` (only if no live object has the name) and the
 * object's hex SHA-256 as custom metadata (`ctxsiem-sha256`). When GCS answers 412 (the name exists),
 * the stored digest is compared with the write's: identical content is acknowledged without
 * rewriting (`created: false`), other content throws core's `PartExistsError`.
 *
 * Small bodies go up in one simple upload; a batch whose NDJSON exceeds `resumableThresholdBytes` is
 * encoded as a stream into a resumable upload that buffers one `chunkSizeBytes` chunk at a time,
 * whatever the batch's size. Its metadata is sent when the upload starts, so its digest comes from a
 * first streamed encoding pass (the encoding, gzip included, is deterministic), and the upload checks
 * it sent the same bytes.
 */
import { type Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
import type { File, FileMetadata, GetFilesOptions } from '@google-cloud/storage';
import { createStorage, describeTarget } from './client.ts';
import { type GcsSinkConfig, GcsSinkConfigSchema } from './config.ts';
import {
  explainGcsError,
  type GcsOperation,
  isMissingBucket,
  isNotFound,
  isPreconditionFailure,
} from './errors.ts';

export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';

/** The receipt of a GCS write: which upload path carried it. */
export interface GcsReceipt extends Receipt {
  /** `simple`: one request with the whole body; `resumable`: streamed in chunks. */
  upload: 'simple' | 'resumable';
}

export interface GcsSink extends Sink {
  write(batch: Batch): Promise<GcsReceipt>;
}

/** Only if no live object has the name: GCS answers 412 otherwise. */
const CREATE_ONLY = { ifGenerationMatch: 0 };

export function gcsSink(input: unknown, deps?: ConnectorDeps): GcsSink {
  const config: GcsSinkConfig = parseConfig('sink-gcs', GcsSinkConfigSchema, input);
  // Every upload is preconditioned, so retrying one is safe either way.
  const storage = createStorage(config, 'always');
  const bucket = storage.bucket(config.bucket);
  const layout = {
    prefix: config.prefix,
    gzip: config.gzip,
    deadLetterPrefix: config.deadLetterPrefix ?? `${controlPrefix(config.prefix)}/deadletter`,
  };
  const target = describeTarget(config);
  const locationOf = (name: string) => `gs://${config.bucket}/${name}`;
  const metadata = (sha256: string) => ({
    contentType: NDJSON_CONTENT_TYPE,
    ...(config.gzip ? { contentEncoding: 'gzip' } : {}),
    metadata: { [SHA256_METADATA_KEY]: sha256 },
  });

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

  type Stored = Pick<GcsReceipt, 'bytes' | 'created' | 'sha256'>;
  type Sent = Stored & Pick<GcsReceipt, 'upload'>;

  /** The stored bytes as a stream, exactly as stored (no decompression of `Content-Encoding: gzip`). */
  const storedBytes = (file: File): Readable =>
    file.createReadStream({ decompress: false, validation: false });

  /** The receipt for a name that exists: identical content is acknowledged, other content refused. */
  async function existing(name: string, records: readonly JsonRecord[], ours: Digest): Promise<Stored> {
    const location = locationOf(name);
    const file = bucket.file(name);
    const failure = (error: unknown) =>
      fail(error, operation('reading the existing part', name, 'storage.objects.get'));
    let stored: FileMetadata;
    try {
      [stored] = await file.getMetadata();
    } catch (error) {
      if (!isNotFound(error)) throw failure(error);
      throw new SinkError(`${location} was reported to exist, then not found: was it deleted? Retrying`, {
        cause: error,
        retryable: true,
      });
    }
    const bytes = stored.size === undefined ? ours.bytes : Number(stored.size);
    let storedSha256: string;
    try {
      const recorded = stored.metadata?.[SHA256_METADATA_KEY];
      storedSha256 =
        validSha256(typeof recorded === 'string' ? recorded : undefined) ??
        (await digestStream(storedBytes(file))).sha256;
      if (storedSha256 === ours.sha256) return { bytes, created: false, sha256: storedSha256 };
      // Gzip bytes depend on the zlib that wrote them: a part written by another version with the
      // same records is the same part.
      if (config.gzip) {
        const [storedPlain, plain] = await Promise.all([
          digestStream(storedBytes(file), { gunzip: true }).catch(() => undefined),
          digestStream(ndjsonStream(records, false)),
        ]);
        if (storedPlain?.sha256 === plain.sha256) return { bytes, created: false, sha256: storedSha256 };
      }
    } catch (error) {
      throw failure(error);
    }
    throw new PartExistsError(location, `stored sha256 ${storedSha256}, this write's ${ours.sha256}`);
  }

  async function saveSimple(name: string, body: Buffer, digest: Digest): Promise<Sent> {
    // gzip: false — the body is already encoded as configured; the library must not compress it again.
    await bucket.file(name).save(body, {
      resumable: false,
      gzip: false,
      contentType: NDJSON_CONTENT_TYPE,
      metadata: metadata(digest.sha256),
      preconditionOpts: CREATE_ONLY,
    });
    return { ...digest, upload: 'simple', created: true };
  }

  async function saveResumable(name: string, records: readonly JsonRecord[], digest: Digest): Promise<Sent> {
    const sent = new DigestingStream();
    const upload = bucket.file(name).createWriteStream({
      resumable: true,
      chunkSize: config.chunkSizeBytes,
      gzip: false,
      contentType: NDJSON_CONTENT_TYPE,
      metadata: metadata(digest.sha256),
      preconditionOpts: CREATE_ONLY,
    });
    await pipeline(ndjsonStream(records, config.gzip), sent, upload);
    const uploaded = sent.digest();
    if (uploaded.sha256 !== digest.sha256) {
      throw new SinkError(
        `the NDJSON encoding of ${locationOf(name)} was not deterministic: it was stored with sha256 ${uploaded.sha256} but metadata ${SHA256_METADATA_KEY} ${digest.sha256}`,
      );
    }
    return { ...uploaded, upload: 'resumable', created: true };
  }

  async function store(name: string, records: readonly JsonRecord[], streamed: boolean): Promise<Sent> {
    const body = streamed ? undefined : encodeNdjson(records, config.gzip);
    // A resumable upload sends its metadata first: a first pass over the encoding gives the digest.
    const digest = body ? digestOf(body) : await digestStream(ndjsonStream(records, config.gzip));
    if (!body) {
      // Spares uploading a large part only to have its completion refused. Best effort: the
      // precondition is what guarantees create-only.
      const [found] = await bucket
        .file(name)
        .exists()
        .catch(() => [false]);
      if (found) return { ...(await existing(name, records, digest)), upload: 'resumable' };
    }
    try {
      return body ? await saveSimple(name, body, digest) : await saveResumable(name, records, digest);
    } catch (error) {
      if (error instanceof SinkError || !isPreconditionFailure(error)) throw error;
    }
    return { ...(await existing(name, records, digest)), upload: body ? 'simple' : 'resumable' };
  }

  return {
    type: 'gcs',
    async write(batch) {
      const name = batchKey(batch, layout);
      const streamed = ndjsonExceeds(batch.records, config.resumableThresholdBytes);
      let sent: Sent;
      try {
        sent = await store(name, batch.records, streamed);
      } catch (error) {
        if (error instanceof SinkError || error instanceof PartExistsError) throw error;
        throw fail(error, operation('writing', name, 'storage.objects.create'));
      }
      const receipt: GcsReceipt = { location: locationOf(name), records: batch.records.length, ...sent };
      deps?.logger?.debug(
        {
          location: receipt.location,
          bytes: receipt.bytes,
          upload: receipt.upload,
          created: receipt.created,
        },
        receipt.created ? 'stored batch' : 'batch was already stored',
      );
      return receipt;
    },
    async readPart(part: PartName) {
      const name = batchKey(part, layout);
      const chunks: Buffer[] = [];
      try {
        await pipeline(
          storedBytes(bucket.file(name)),
          new Writable({
            write(chunk: Buffer, _encoding, callback) {
              chunks.push(chunk);
              callback();
            },
          }),
        );
      } catch (error) {
        if (isNotFound(error) && !isMissingBucket(error)) return undefined;
        throw fail(error, operation('reading the part', name, 'storage.objects.get'));
      }
      try {
        return decodePart(Buffer.concat(chunks));
      } catch (error) {
        throw new SinkError(
          `the part ${locationOf(name)} is not ${config.gzip ? 'gzip ' : ''}NDJSON: ${(error as Error).message}`,
          { cause: error },
        );
      }
    },
    async *listDeadLetters(): AsyncGenerator<ListedPart> {
      const listing = deadLetterListing(layout);
      // Objects come back in name order, a page at a time.
      let query: GetFilesOptions | null = {
        autoPaginate: false,
        maxResults: 1000,
        ...(listing.prefix ? { prefix: listing.prefix } : {}),
      };
      while (query) {
        let files: File[];
        let next: GetFilesOptions | null | undefined;
        try {
          [files, next] = await bucket.getFiles(query);
        } catch (error) {
          throw fail(
            error,
            operation('listing the dead letters under', listing.prefix, 'storage.objects.list'),
          );
        }
        for (const file of files) {
          const name = listing.parse(file.name);
          if (name) yield { name, location: locationOf(file.name) };
        }
        query = next;
      }
    },
    async check() {
      const { key: name, body } = probeObject(config.prefix);
      const file = bucket.file(name);
      // The same create-only upload a part gets.
      const saveProbe = () =>
        file.save(body, {
          resumable: false,
          gzip: false,
          contentType: 'application/json',
          metadata: { metadata: { [SHA256_METADATA_KEY]: digestOf(Buffer.from(body)).sha256 } },
          preconditionOpts: CREATE_ONLY,
        });
      try {
        await saveProbe();
      } catch (error) {
        throw fail(error, operation('writing the probe object', name, 'storage.objects.create'));
      }
      const remove = async () => {
        try {
          await file.delete({ ignoreNotFound: true });
        } catch (error) {
          const failure = fail(error, operation('deleting the probe object', name, 'storage.objects.delete'));
          throw new SinkError(`${failure.message} (the probe object was left behind)`, {
            cause: error,
            retryable: failure.retryable,
          });
        }
      };
      // A second create-only upload of the name must be refused (412): a store that ignores
      // ifGenerationMatch would let a part be overwritten (a SIEM feed ingests it again) and two runners
      // both advance a checkpoint — the guarantee would be silently gone.
      const second = await saveProbe().then(
        () => 'accepted' as const,
        (error: unknown) => (isPreconditionFailure(error) ? ('refused' as const) : error),
      );
      if (second !== 'refused') {
        await remove().catch(() => {});
        if (second !== 'accepted') {
          const failure = fail(
            second,
            operation('writing the probe object again', name, 'storage.objects.create'),
          );
          throw new SinkError(failure.message, { cause: second, retryable: failure.retryable });
        }
        throw new SinkError(
          `gs://${config.bucket}/${name}: a second create-only upload (ifGenerationMatch=0) of an existing object was accepted: this store ignores preconditions, so parts could be overwritten and a checkpoint advanced by two runners at once — ctxsiem needs GCS's preconditions (Google Cloud Storage, or a store that answers 412)`,
        );
      }
      // readPart and the comparison of a retried part read objects back.
      try {
        await file.download({ decompress: false, validation: false });
      } catch (error) {
        const failure = fail(error, operation('reading the probe object back', name, 'storage.objects.get'));
        const left = await remove().then(
          () => '',
          () => ' (the probe object was left behind: deleting it needs storage.objects.delete)',
        );
        throw new SinkError(`${failure.message}${left}`, { cause: error, retryable: failure.retryable });
      }
      await remove();
      return `wrote (a second create-only write refused), read back and deleted gs://${config.bucket}/${name} (${target})`;
    },
    async close() {},
  };
}
