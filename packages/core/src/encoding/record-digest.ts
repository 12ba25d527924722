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

/**
 * Whether `canonicalJson(value)` is `JSON.stringify(value)`: an array of strings, finite numbers,
 * booleans and nulls (a stream's identity: key and cursor), whose text has no keys to sort —
 * safe-stable-stringify writes such strings, numbers and literals exactly as `JSON.stringify` does.
 */
function flatArray(value: unknown): value is readonly (string | number | boolean | null)[] {
  if (!Array.isArray(value) || value.length === 0) return false;
  for (const item of value)
    if (item !== null && typeof item !== 'string' && typeof item !== 'boolean' && !Number.isFinite(item))
      return false;
  return true;
}

/** The digest of a record's identity (the record, or what the stream says identifies it). */
export function recordDigest(identity: unknown): string {
  const text = flatArray(identity) ? JSON.stringify(identity) : (canonicalJson(identity) ?? 'undefined');
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

/** base64url's alphabet by character code: each character's six bits, or -1. */
const SEXTETS = (() => {
  const table = new Int32Array(128).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
})();

/** The six bits of `text`'s character at `i`, or -1 for one not in base64url. */
const sextet = (text: string, i: number): number => SEXTETS[text.charCodeAt(i)] ?? -1;

/** Digests per block of a `DigestSet`'s log (9 bytes each: 576 KiB a block). */
const BLOCK_DIGESTS = 65_536;
const BLOCK_SHIFT = 16;
/** Digests the first block holds before it grows (small sets stay small). */
const FIRST_BLOCK_DIGESTS = 64;
/** Slots of the smallest index; the index doubles past 3/4 full. */
const MIN_SLOTS = 128;

/**
 * A set of record digests held compactly, as bytes: the digests in the order added, 9 bytes each
 * in blocks of 64Ki (a log), and an open-addressing index of 4-byte positions into it (linear probing,
 * doubled past 3/4 full) — 9 bytes plus 5.3–10.7 bytes of index a digest, about 17 MB a million, where a
 * set of strings took about 0.2 KB a digest. A digest is SHA-256 output, so its first four bytes are its
 * hash. Digests come and go as 12 base64url characters (`recordDigest`); `encode()` is the log itself in
 * base64 (the raw bytes concatenated), the manifest's stored format.
 */
export class DigestSet {
  /** The log: block `i` holds digests `i·64Ki …`; only the first grows (doubling) up to a full block. */
  #blocks: Buffer[] = [];
  #size = 0;
  /** Each slot holds 1 + a position in the log, or 0 when empty. */
  #slots = new Uint32Array(MIN_SLOTS);
  /** Where `has` decodes the digest it looks for. */
  readonly #probe = Buffer.alloc(DIGEST_BYTES);

  constructor(digests: Iterable<string> = []) {
    for (const digest of digests) this.add(digest);
  }

  /** The set an `encode()` produced; throws on text that is not one. */
  static decode(text: string): DigestSet {
    return DigestSet.fromBytes(Buffer.from(text, 'base64'));
  }

  /** The set of the digests concatenated in `bytes` (`encode()`'s bytes); throws on a partial digest. */
  static fromBytes(bytes: Uint8Array): DigestSet {
    if (bytes.length % DIGEST_BYTES !== 0)
      throw new RangeError(`digest text of ${bytes.length} bytes is not a multiple of ${DIGEST_BYTES}`);
    const set = new DigestSet();
    set.addBytes(bytes);
    return set;
  }

  get size(): number {
    return this.#size;
  }

  has(digest: string): boolean {
    if (!this.#decode(digest, this.#probe, 0)) return false;
    return this.#find(this.#probe, 0) >= 0;
  }

  /** The digests as `recordDigest` gives them, in the order they were added. */
  *values(): IterableIterator<string> {
    for (let position = 0; position < this.#size; position++) {
      const at = (position & (BLOCK_DIGESTS - 1)) * DIGEST_BYTES;
      yield this.#blocks[position >>> BLOCK_SHIFT]!.toString('base64url', at, at + DIGEST_BYTES);
    }
  }

  add(digest: string): void {
    const [block, at] = this.#room();
    if (!this.#decode(digest, block, at)) throw new RangeError(`not a record digest: ${digest}`);
    this.#insert(block, at);
  }

  /** Adds the digests concatenated in `bytes` (9 bytes each; a partial digest at the end is ignored). */
  addBytes(bytes: Uint8Array): void {
    for (let from = 0; from + DIGEST_BYTES <= bytes.length; from += DIGEST_BYTES) {
      const [block, at] = this.#room();
      block.set(bytes.subarray(from, from + DIGEST_BYTES), at);
      this.#insert(block, at);
    }
  }

  /** The digests at positions `from` (inclusive) to `to` in the order added, concatenated (9 bytes each). */
  bytes(from = 0, to = this.#size): Buffer {
    const end = Math.min(to, this.#size);
    const pieces: Buffer[] = [];
    for (let position = Math.max(0, from); position < end; ) {
      const inBlock = position & (BLOCK_DIGESTS - 1);
      const count = Math.min(BLOCK_DIGESTS - inBlock, end - position);
      const block = this.#blocks[position >>> BLOCK_SHIFT]!;
      pieces.push(block.subarray(inBlock * DIGEST_BYTES, (inBlock + count) * DIGEST_BYTES));
      position += count;
    }
    return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
  }

  encode(): string {
    return this.bytes().toString('base64');
  }

  /** Writes a 12-character digest's 9 bytes at `at`; false when it is not one. */
  #decode(digest: string, into: Buffer, at: number): boolean {
    if (digest.length !== DIGEST_CHARS) return false;
    // Four characters make three bytes (in JavaScript: cheaper than a call into Buffer's decoder).
    for (let char = 0, byte = at; char < DIGEST_CHARS; char += 4, byte += 3) {
      const bits =
        (sextet(digest, char) << 18) |
        (sextet(digest, char + 1) << 12) |
        (sextet(digest, char + 2) << 6) |
        sextet(digest, char + 3);
      if (bits < 0) return false;
      into[byte] = bits >>> 16;
      into[byte + 1] = (bits >>> 8) & 0xff;
      into[byte + 2] = bits & 0xff;
    }
    return true;
  }

  /** The block and offset where the next digest goes, growing the log as needed. */
  #room(): [Buffer, number] {
    const index = this.#size >>> BLOCK_SHIFT;
    const at = (this.#size & (BLOCK_DIGESTS - 1)) * DIGEST_BYTES;
    let block = this.#blocks[index];
    if (block === undefined) {
      block = Buffer.alloc((index === 0 ? FIRST_BLOCK_DIGESTS : BLOCK_DIGESTS) * DIGEST_BYTES);
      this.#blocks.push(block);
    } else if (at === block.length) {
      // Only the first block is ever short: double it.
      const grown = Buffer.alloc(Math.min(block.length * 2, BLOCK_DIGESTS * DIGEST_BYTES));
      block.copy(grown);
      this.#blocks[index] = block = grown;
    }
    return [block, at];
  }

  /** Makes the digest just written at the log's end a member, unless it is one already. */
  #insert(block: Buffer, at: number): void {
    if (this.#find(block, at) >= 0) return;
    if ((this.#size + 1) * 4 > this.#slots.length * 3) this.#grow();
    this.#slots[this.#emptySlot(block, at)] = ++this.#size;
  }

  /** The slot of the digest at `bytes[at…]`, or -1. */
  #find(bytes: Buffer, at: number): number {
    const mask = this.#slots.length - 1;
    for (let slot = bytes.readUInt32LE(at) & mask; ; slot = (slot + 1) & mask) {
      const entry = this.#slots[slot]!;
      if (entry === 0) return -1;
      if (this.#equals(entry - 1, bytes, at)) return slot;
    }
  }

  /** The first empty slot on the digest's probe sequence. */
  #emptySlot(bytes: Buffer, at: number): number {
    const mask = this.#slots.length - 1;
    let slot = bytes.readUInt32LE(at) & mask;
    while (this.#slots[slot] !== 0) slot = (slot + 1) & mask;
    return slot;
  }

  #equals(position: number, bytes: Buffer, at: number): boolean {
    const block = this.#blocks[position >>> BLOCK_SHIFT]!;
    const from = (position & (BLOCK_DIGESTS - 1)) * DIGEST_BYTES;
    for (let i = 0; i < DIGEST_BYTES; i++) if (block[from + i] !== bytes[at + i]) return false;
    return true;
  }

  /** Doubles the index and places every digest again. */
  #grow(): void {
    this.#slots = new Uint32Array(this.#slots.length * 2);
    for (let position = 0; position < this.#size; position++) {
      const block = this.#blocks[position >>> BLOCK_SHIFT]!;
      this.#slots[this.#emptySlot(block, (position & (BLOCK_DIGESTS - 1)) * DIGEST_BYTES)] = position + 1;
    }
  }
}
