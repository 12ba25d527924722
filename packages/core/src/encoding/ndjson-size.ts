/** The size of a batch's NDJSON encoding (`encodeNdjson`), measured without building the body. */
import type { JsonRecord } from '../contracts/records.ts';

/**
 * Whether the NDJSON of `records` (before gzip) is larger than `limit` bytes. Stops as soon as it is,
 * so a sink can choose its streamed upload path for a huge batch without encoding it first.
 */
export function ndjsonExceeds(records: readonly JsonRecord[], limit: number): boolean {
  let size = 0;
  for (const record of records) {
    size += Buffer.byteLength(JSON.stringify(record)) + 1;
    if (size > limit) return true;
  }
  return false;
}
