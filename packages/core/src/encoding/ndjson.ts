/** NDJSON encoding (one JSON object per line, `\n` after each) with optional gzip. */
import { Readable } from 'node:stream';
import { createGzip, gunzipSync, gzipSync } from 'node:zlib';
import type { JsonRecord } from '../contracts/records.ts';

export function encodeNdjson(records: readonly JsonRecord[], gzip = false): Buffer {
  let text = '';
  for (const record of records) text += `${JSON.stringify(record)}\n`;
  const body = Buffer.from(text, 'utf8');
  return gzip ? gzipSync(body) : body;
}

/** The same encoding as a stream, for bodies too large to hold at once (multipart uploads). */
export function ndjsonStream(
  records: Iterable<JsonRecord> | AsyncIterable<JsonRecord>,
  gzip = false,
): Readable {
  async function* lines() {
    for await (const record of records) yield `${JSON.stringify(record)}\n`;
  }
  const plain = Readable.from(lines());
  return gzip ? plain.pipe(createGzip()) : plain;
}

/** Parses NDJSON text back into records (tests, `state show`, readers). */
export function decodeNdjson(text: string): JsonRecord[] {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as JsonRecord);
}

/** True when `raw` starts with the gzip magic bytes (NDJSON never does: its lines start with `{`). */
export function isGzip(raw: Uint8Array): boolean {
  return raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
}

/** The records of a stored part: NDJSON, gunzipped first when it is gzip. Throws on bad content. */
export function decodePart(raw: Uint8Array): JsonRecord[] {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return decodeNdjson((isGzip(bytes) ? gunzipSync(bytes) : bytes).toString('utf8'));
}
