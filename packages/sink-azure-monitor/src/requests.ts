/**
 * The Logs Ingestion API takes a JSON array per call, at most 1 MB **after gzip**. A part's records are
 * cut into requests by that compressed size: each request as many records as still fit, found by
 * gzipping candidate ranges (doubling, then halving), so a request is filled close to the limit rather
 * than to 1 MB of uncompressed JSON (a tenth of it, compressed). The delivery ledger keeps the cut, so
 * a retry sends the same requests.
 */
import { gzipSync } from 'node:zlib';
import type { JsonRecord } from '@ctxsiem/core';

/** gzip's worst case over stored blocks, and the array brackets: what a record alone may add. */
const GZIP_OVERHEAD_BYTES = 64;

export function encodeRequest(records: readonly JsonRecord[]): Buffer {
  return gzipSync(Buffer.from(JSON.stringify(records), 'utf8'));
}

/** The gzipped size of a request holding `record` alone, or a cheap bound when that surely fits. */
export function singleRecordBytes(record: JsonRecord, maxBytes: number): number {
  const raw = Buffer.byteLength(JSON.stringify(record)) + GZIP_OVERHEAD_BYTES;
  return raw <= maxBytes ? raw : encodeRequest([record]).length;
}

/** Where each request ends: request i holds records [ends[i - 1] ?? 0, ends[i]). */
export function cutByCompressedSize(records: readonly JsonRecord[], maxBytes: number): number[] {
  const fits = (start: number, end: number) => encodeRequest(records.slice(start, end)).length <= maxBytes;
  const ends: number[] = [];
  let start = 0;
  while (start < records.length) {
    // A record that cannot fit alone was refused before: it still gets a request of its own.
    let good = start + 1;
    let bad: number | undefined;
    for (let step = 1; good < records.length; step *= 2) {
      const probe = Math.min(records.length, good + step);
      if (!fits(start, probe)) {
        bad = probe;
        break;
      }
      good = probe;
    }
    while (bad !== undefined && bad - good > 1) {
      const middle = Math.floor((good + bad) / 2);
      if (fits(start, middle)) good = middle;
      else bad = middle;
    }
    ends.push(good);
    start = good;
  }
  return ends;
}
