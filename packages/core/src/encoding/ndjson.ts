/** NDJSON encoding (one JSON object per line, `\n` after each) with optional gzip. */
import { Readable } from 'node:stream';
import { createGzip, gzipSync } from 'node:zlib';
import type { JsonRecord } from '../contracts/contracts.ts';

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
