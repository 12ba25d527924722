/**
 * SHA-256 of what a sink stores, for receipts and for the `ctxsiem-sha256` object metadata that lets a
 * later write of the same part tell identical content from other content without downloading it.
 */
import { createHash, type Hash } from 'node:crypto';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

/**
 * The object metadata key holding the hex SHA-256 of a part (S3 user metadata
 * `x-amz-meta-ctxsiem-sha256`, GCS custom metadata `metadata.ctxsiem-sha256`).
 */
export const SHA256_METADATA_KEY = 'ctxsiem-sha256';

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** A stored digest when it looks like one (metadata a third party set may not). */
export function validSha256(value: string | undefined): string | undefined {
  return value !== undefined && HEX_SHA256.test(value) ? value : undefined;
}

export interface Digest {
  sha256: string;
  bytes: number;
}

export function digestOf(data: Buffer): Digest {
  return { sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length };
}

/** A pass-through stream that hashes and counts what flows through it. */
export class DigestingStream extends Transform {
  readonly #hash: Hash = createHash('sha256');
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  /** The digest of everything that went through; call once, after the stream ended. */
  digest(): Digest {
    return { sha256: this.#hash.digest('hex'), bytes: this.bytes };
  }
}

/** Reads `body` to its end (gunzipping it first when asked) and returns its digest. */
export async function digestStream(body: Readable, options: { gunzip?: boolean } = {}): Promise<Digest> {
  const digesting = new DigestingStream();
  if (options.gunzip) await pipeline(body, createGunzip(), digesting.resume());
  else await pipeline(body, digesting.resume());
  return digesting.digest();
}
