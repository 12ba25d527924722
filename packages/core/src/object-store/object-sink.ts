/**
 * The object sink (S3, GCS): each batch becomes one NDJSON object at its deterministic name (core's
 * `batchKey`), over a bucket driver. Parts are create-only, since SIEM feeds ingest an object again
 * when it is overwritten: every write is create-only and carries the object's hex SHA-256 as metadata
 * (`ctxsiem-sha256`). When the store refuses (412: the name exists), the stored digest is compared
 * with the write's: identical content is acknowledged without rewriting (`created: false`), other
 * content throws `PartExistsError`.
 *
 * Small bodies go up in one request, as does a part that comes encoded (`writeEncoded`: its NDJSON is
 * in memory already, made by a routing worker). A batch whose NDJSON exceeds `streamThresholdBytes` is encoded as
 * a stream into the driver's streamed upload (S3 multipart, GCS resumable), whatever the batch's size.
 * Its metadata is sent before its bytes, so its digest comes from a first streamed encoding pass (the
 * encoding, gzip included, is deterministic), and the upload checks it sent the same bytes.
 *
 * `check` proves what the guarantee rests on: a create-only write of a probe object, a second one that
 * the store must refuse, a read back, a delete.
 */
import { pipeline, type Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type { Batch, JsonRecord, ListedPart, PartName, Receipt, Sink } from '../contracts/index.ts';
import {
  type Digest,
  DigestingStream,
  decodePart,
  digestOf,
  digestStream,
  encodeNdjson,
  ndjsonExceeds,
  ndjsonStream,
  SHA256_METADATA_KEY,
  validSha256,
} from '../encoding/index.ts';
import { PartExistsError, SinkError } from '../errors/index.ts';
import { batchKey, controlPrefix, deadLetterListing, probeObject } from '../layout/index.ts';
import type { Logger } from '../logging/index.ts';
import type { ObjectAccess, ObjectArea, ObjectStoreDriver } from './object-store.ts';

export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';

export interface ObjectSinkOptions {
  /** `Sink.type`: `s3`, `gcs`. */
  type: string;
  /** Where parts go; `{tenant}` is replaced by the tenant id. */
  prefix: string;
  gzip: boolean;
  /** Where dead letters go. Default `_ctxsiem/{prefix}/deadletter`. */
  deadLetterPrefix?: string | undefined;
  /** Batches whose NDJSON (before gzip) is larger are streamed. */
  streamThresholdBytes: number;
  logger?: Logger | undefined;
}

/** The receipt of an object write: which upload path carried it (and, where counted, in how many parts). */
export interface ObjectReceipt extends Receipt {
  /** The driver's name of the path: `single`/`multipart` (S3), `simple`/`resumable` (GCS). */
  upload: string;
  /** Parts the object was uploaded in, where the driver counts them; 0 when it already existed. */
  parts?: number;
}

export interface ObjectSink extends Sink {
  write(batch: Batch): Promise<ObjectReceipt>;
}

/** `{tenant}` as `*`, without leading or trailing slashes: the area a template's names lie in. */
const areaOf = (template: string) => template.replaceAll('{tenant}', '*').replace(/^\/+|\/+$/g, '');

export function objectSink(driver: ObjectStoreDriver, options: ObjectSinkOptions): ObjectSink {
  const { gzip } = options;
  const layout = {
    prefix: options.prefix,
    gzip,
    deadLetterPrefix: options.deadLetterPrefix ?? `${controlPrefix(options.prefix)}/deadletter`,
  };
  const { uploads } = driver;

  // Where permissions must hold: parts and the probe are written, read back and (the probe) deleted
  // under the prefix; dead letters written and read under theirs (any tenant's, for `{tenant}`).
  const partArea: ObjectArea = { prefix: areaOf(layout.prefix), access: ['read', 'write', 'delete'] };
  const deadLetterArea: ObjectArea = { prefix: areaOf(layout.deadLetterPrefix), access: ['read', 'write'] };
  const deadLetterNames = new RegExp(
    `^${deadLetterArea.prefix.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '[^/]+')}/`,
  );
  const fail = (error: unknown, action: string, name: string, access: ObjectAccess): SinkError => {
    const area = deadLetterNames.test(name) ? deadLetterArea : partArea;
    const { message, retryable } = driver.explain(error, { action, name, access, area });
    return new SinkError(message, { cause: error, retryable });
  };

  type Stored = Pick<ObjectReceipt, 'bytes' | 'created' | 'sha256'>;
  /** A part's records, or their NDJSON encoding (uncompressed) when they come encoded. */
  type Content = { records: readonly JsonRecord[] } | { plain: Buffer };
  type Sent = Stored & Pick<ObjectReceipt, 'upload' | 'parts'>;

  /** The receipt for a name that exists: identical content is acknowledged, other content refused. */
  async function existing(name: string, content: Content, ours: Digest): Promise<Stored> {
    const location = driver.location(name);
    const failure = (error: unknown) => fail(error, 'reading the existing part', name, 'read');
    let stored: Awaited<ReturnType<ObjectStoreDriver['stored']>>;
    try {
      stored = await driver.stored(name);
    } catch (error) {
      throw failure(error);
    }
    if (!stored) {
      throw new SinkError(`${location} was reported to exist, then not found: was it deleted? Retrying`, {
        retryable: true,
      });
    }
    const bytes = stored.bytes ?? ours.bytes;
    let storedSha256: string;
    try {
      const recorded = validSha256(stored.sha256);
      if (recorded) stored.release();
      storedSha256 = recorded ?? (await digestStream(await stored.body())).sha256;
      if (storedSha256 === ours.sha256) return { bytes, created: false, sha256: storedSha256 };
      // Gzip bytes depend on the zlib that wrote them: a part written by another version with the
      // same records is the same part.
      if (gzip) {
        const [storedPlain, plain] = await Promise.all([
          stored
            .body()
            .then((body) => digestStream(body, { gunzip: true }))
            .catch(() => undefined),
          'plain' in content ? digestOf(content.plain) : digestStream(ndjsonStream(content.records, false)),
        ]);
        if (storedPlain?.sha256 === plain.sha256) return { bytes, created: false, sha256: storedSha256 };
      }
    } catch (error) {
      throw failure(error);
    } finally {
      stored.release();
    }
    throw new PartExistsError(location, `stored sha256 ${storedSha256}, this write's ${ours.sha256}`);
  }

  /** A part that was there already: no upload, no parts. */
  const notCreated = (stored: Stored, upload: string): Sent => ({
    ...stored,
    upload,
    ...(uploads.countsParts ? { parts: 0 } : {}),
  });
  const created = (digest: Digest, upload: string, parts: number | undefined): Sent => ({
    ...digest,
    upload,
    ...(uploads.countsParts ? { parts: Math.max(parts ?? 1, 1) } : {}),
    created: true,
  });

  const object = (sha256: string) => ({
    contentType: NDJSON_CONTENT_TYPE,
    contentEncoding: gzip ? 'gzip' : undefined,
    sha256,
  });

  /** A part in one request: its NDJSON (gzipped when configured). */
  async function storeWhole(name: string, plain: Buffer): Promise<Sent> {
    const body = gzip ? gzipSync(plain) : plain;
    const digest = digestOf(body);
    const outcome = await driver.create(name, body, object(digest.sha256));
    if (!outcome.created) return notCreated(await existing(name, { plain }, digest), uploads.whole);
    return created(digest, uploads.whole, outcome.parts);
  }

  async function store(name: string, records: readonly JsonRecord[], streamed: boolean): Promise<Sent> {
    if (!streamed) return storeWhole(name, encodeNdjson(records));
    // A streamed upload sends its metadata first: a first pass over the encoding gives the digest.
    const digest = await digestStream(ndjsonStream(records, gzip));
    // Spares uploading a large part only to have its completion refused. Best effort: the
    // create-only condition is what guarantees it.
    if (await driver.exists(name))
      return notCreated(await existing(name, { records }, digest), uploads.streamed);
    // Each attempt encodes again, through a digest of what it sent.
    let sent = new DigestingStream();
    const opened: Readable[] = [];
    const open = (): Readable => {
      sent = new DigestingStream();
      const body = pipeline(ndjsonStream(records, gzip), sent, () => {
        // Errors reach the upload through `sent` (pipeline destroys it with the error).
      });
      opened.push(body);
      return body;
    };
    let outcome: Awaited<ReturnType<ObjectStoreDriver['create']>>;
    try {
      outcome = await driver.create(name, open, object(digest.sha256));
    } finally {
      for (const body of opened) body.destroy();
    }
    if (!outcome.created) return notCreated(await existing(name, { records }, digest), uploads.streamed);
    const uploaded = sent.digest();
    if (uploaded.sha256 !== digest.sha256) {
      throw new SinkError(
        `the NDJSON encoding of ${driver.location(name)} was not deterministic: it was stored with sha256 ${uploaded.sha256} but metadata ${SHA256_METADATA_KEY} ${digest.sha256}`,
      );
    }
    return created(uploaded, uploads.streamed, outcome.parts);
  }

  /** Stores a part by `send` under its name, and makes its receipt. */
  async function storePart(
    part: PartName,
    records: number,
    send: (name: string) => Promise<Sent>,
  ): Promise<ObjectReceipt> {
    const name = batchKey(part, layout);
    let sent: Sent;
    try {
      sent = await send(name);
    } catch (error) {
      if (error instanceof SinkError || error instanceof PartExistsError) throw error;
      throw fail(error, 'writing', name, 'write');
    }
    const receipt: ObjectReceipt = { location: driver.location(name), records, ...sent };
    options.logger?.debug(
      {
        location: receipt.location,
        bytes: receipt.bytes,
        upload: receipt.upload,
        ...(receipt.parts === undefined ? {} : { parts: receipt.parts }),
        created: receipt.created,
      },
      receipt.created ? 'stored batch' : 'batch was already stored',
    );
    return receipt;
  }

  return {
    type: options.type,
    write(batch) {
      const streamed = ndjsonExceeds(batch.records, options.streamThresholdBytes);
      return storePart(batch, batch.records.length, (name) => store(name, batch.records, streamed));
    },
    // An encoded part is in memory already: one request, whatever its size.
    writeEncoded: (part) =>
      storePart(part, part.count, (name) =>
        storeWhole(name, Buffer.from(part.ndjson.buffer, part.ndjson.byteOffset, part.ndjson.byteLength)),
      ),
    async readPart(part: PartName) {
      const name = batchKey(part, layout);
      let body: Buffer | undefined;
      try {
        body = await driver.read(name);
      } catch (error) {
        throw fail(error, 'reading the part', name, 'read');
      }
      if (body === undefined) return undefined;
      try {
        return decodePart(body);
      } catch (error) {
        throw new SinkError(
          `the part ${driver.location(name)} is not ${gzip ? 'gzip ' : ''}NDJSON: ${(error as Error).message}`,
          { cause: error },
        );
      }
    },
    async *listDeadLetters(): AsyncGenerator<ListedPart> {
      const listing = deadLetterListing(layout);
      // Objects come back in name order, a page at a time.
      try {
        for await (const object of driver.objects(listing.prefix)) {
          const name = listing.parse(object.name);
          if (name) yield { name, location: driver.location(object.name) };
        }
      } catch (error) {
        throw fail(error, 'listing the dead letters under', listing.prefix, 'list');
      }
    },
    async check() {
      const { key: name, body: text } = probeObject(layout.prefix);
      const body = Buffer.from(text);
      const probe = { contentType: 'application/json', sha256: digestOf(body).sha256 };
      // The same create-only write a part gets: a store that refuses the condition fails here.
      try {
        const first = await driver.create(name, body, probe);
        if (!first.created) throw first.refusal;
      } catch (error) {
        throw fail(error, 'writing the probe object', name, 'write');
      }
      const remove = async () => {
        try {
          await driver.remove(name);
        } catch (error) {
          const failure = fail(error, 'deleting the probe object', name, 'delete');
          throw new SinkError(`${failure.message} (the probe object was left behind)`, {
            cause: error,
            retryable: failure.retryable,
          });
        }
      };
      // A second create-only write of the name must be refused (412): a store that ignores the
      // condition would let a part be overwritten (a SIEM feed ingests it again) and two runners both
      // advance a checkpoint — the guarantee would be silently gone.
      let second: Awaited<ReturnType<ObjectStoreDriver['create']>>;
      try {
        second = await driver.create(name, body, probe);
      } catch (error) {
        const failure = fail(error, 'writing the probe object again', name, 'write');
        await remove().catch(() => {});
        throw new SinkError(failure.message, { cause: error, retryable: failure.retryable });
      }
      if (second.created) {
        await remove().catch(() => {});
        throw new SinkError(driver.createOnlyIgnored(name));
      }
      // readPart and the comparison of a retried part read objects back.
      try {
        await driver.read(name);
      } catch (error) {
        const failure = fail(error, 'reading the probe object back', name, 'read-back');
        const left = await remove().then(
          () => '',
          () => ` (the probe object was left behind: deleting it needs ${driver.permission('delete')})`,
        );
        throw new SinkError(`${failure.message}${left}`, { cause: error, retryable: failure.retryable });
      }
      await remove();
      return `wrote (a second create-only write refused), read back and deleted ${driver.location(name)} (${driver.target}${
        driver.encryption ? `, ${driver.encryption}` : ''
      })`;
    },
    close: () => driver.close(),
  };
}
