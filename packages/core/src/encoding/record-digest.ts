/**
 * Compact digests of records, for window manifests: the first 9 bytes of the SHA-256 of the record's
 * canonical JSON (keys sorted at every level), as 12 base64url characters. Two reads of one record give
 * the same digest whatever order the API serialised its keys in. At 72 bits, a window of a million
 * records has about a one in 10^10 chance of any two digests colliding.
 */
import { hash } from 'node:crypto';
import { configure } from 'safe-stable-stringify';
import type { PullStream } from '../contracts/pull-source.ts';
import type { JsonRecord } from '../contracts/records.ts';
import type { PartName } from '../contracts/sink.ts';

export const DIGEST_BYTES = 9;
const DIGEST_CHARS = 12;

const canonicalJson = configure({ deterministic: true, circularValue: TypeError, bigint: true });

/** The digest of a record's identity (the record, or what the stream says identifies it). */
export function recordDigest(identity: unknown): string {
  const text = canonicalJson(identity) ?? 'undefined';
  // 12 base64url characters are exactly the first 9 bytes.
  return hash('sha256', text, 'base64url').slice(0, DIGEST_CHARS);
}

/** The digest of a record as the source returned it, by the stream's identity. */
export function streamRecordDigest(stream: Pick<PullStream, 'identity'>, record: unknown): string {
  return recordDigest(stream.identity ? stream.identity(record as JsonRecord) : record);
}

/**
 * A stored record as the source returned it: a dead letter's `record`, or a delivered record without
 * the tenant tag the runner added.
 */
export function sourceRecordOf(
  kind: PartName['kind'],
  stored: JsonRecord,
  tenantField: string | undefined,
): unknown {
  if (kind === 'deadletter') return stored.record;
  if (!tenantField || !(tenantField in stored)) return stored;
  const { [tenantField]: _tenant, ...original } = stored;
  return original;
}

/** A set of record digests that encodes to one compact string (the raw bytes concatenated, base64). */
export class DigestSet {
  readonly #digests: Set<string>;

  constructor(digests: Iterable<string> = []) {
    this.#digests = new Set(digests);
  }

  /** The set an `encode()` produced; throws on text that is not one. */
  static decode(text: string): DigestSet {
    const bytes = Buffer.from(text, 'base64');
    if (bytes.length % DIGEST_BYTES !== 0)
      throw new RangeError(`digest text of ${bytes.length} bytes is not a multiple of ${DIGEST_BYTES}`);
    const digests: string[] = [];
    for (let at = 0; at < bytes.length; at += DIGEST_BYTES)
      digests.push(bytes.subarray(at, at + DIGEST_BYTES).toString('base64url'));
    return new DigestSet(digests);
  }

  get size(): number {
    return this.#digests.size;
  }

  has(digest: string): boolean {
    return this.#digests.has(digest);
  }

  values(): IterableIterator<string> {
    return this.#digests.values();
  }

  add(digest: string): void {
    if (digest.length !== DIGEST_CHARS) throw new RangeError(`not a record digest: ${digest}`);
    this.#digests.add(digest);
  }

  encode(): string {
    const bytes = Buffer.allocUnsafe(this.#digests.size * DIGEST_BYTES);
    let at = 0;
    for (const digest of this.#digests) at += bytes.write(digest, at, DIGEST_BYTES, 'base64url');
    return bytes.toString('base64');
  }
}
