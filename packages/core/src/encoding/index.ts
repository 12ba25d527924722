/**
 * The bodies sinks store: NDJSON (optionally gzipped), its size, its byte count and its SHA-256; and
 * the compact digests records are known by.
 */

// Counting the bytes of a streamed body.
export { ByteCounter } from './byte-count.ts';
// SHA-256 of stored content, for receipts and the object metadata that identifies a part's content.
export {
  type Digest,
  DigestingStream,
  digestOf,
  digestStream,
  SHA256_METADATA_KEY,
  validSha256,
} from './content-digest.ts';
// NDJSON encoding and decoding, with optional gzip.
export { decodeNdjson, decodePart, encodeNdjson, isGzip, ndjsonStream } from './ndjson.ts';
// The size of a batch's NDJSON encoding, measured without building the body.
export { ndjsonExceeds } from './ndjson-size.ts';
// Compact digests of records, whatever order their keys came in.
export { DIGEST_BYTES, DigestSet, recordDigest } from './record-digest.ts';
