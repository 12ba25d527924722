/**
 * The request bodies of the two ingestion APIs, and cutting a part's records into requests by the
 * encoded size of the body — what the APIs limit — rather than by count.
 *
 * - `import` (Chronicle API): `{"inlineSource":{"logs":[{"data":<base64 of the record's JSON>,
 *   "logEntryTime":…,"collectionTime":…,"environmentNamespace"?,"labels"?}],"forwarder"?}}`.
 * - `legacy` (Ingestion API): `{"customer_id","log_type","entries":[{"log_text":<the record's JSON>,
 *   "ts_epoch_microseconds"}],"namespace"?,"labels"?:[{key,value}]}`.
 *
 * A record's share of a body does not depend on when it is sent (timestamps have a fixed width), so a
 * part is cut into the same requests on every attempt: the delivery ledger counts on it.
 */
import type { JsonRecord } from '@ctxsiem/core';
import type { SecOpsSinkConfig } from './config.ts';
import { chronicleLocation } from './regions.ts';

/** Room kept for a request's envelope (the log type, forwarder, namespace and labels around the logs). */
export const ENVELOPE_ALLOWANCE_BYTES = 2048;

const PLACEHOLDER_TIME = '2000-01-01T00:00:00.000Z';
/** Microseconds since the epoch have 16 digits from 2001 to 2286. */
const PLACEHOLDER_MICROS = '1000000000000000';

/** The record's event time: its time field when that is a date, else `fallback`; never after `now`. */
export function entryTime(
  record: JsonRecord,
  timeField: string | undefined,
  fallback: Date,
  now: number,
): Date {
  const value = timeField ? record[timeField] : undefined;
  const parsed = typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
  const time = parsed && !Number.isNaN(parsed.getTime()) ? parsed : fallback;
  return new Date(Math.min(time.getTime(), now));
}

/** The size of one log as SecOps counts it: the record's JSON, in UTF-8 bytes. */
export const logBytes = rememberSizes((record) => Buffer.byteLength(JSON.stringify(record), 'utf8'));

export interface RequestShape {
  /** The encoded size one record adds to a body (its separator included). */
  recordBytes(record: JsonRecord): number;
  /** The size of a body with no records, for `logType`. */
  emptyBytes(logType: string): number;
  /** The body of one request. */
  body(logType: string, records: readonly JsonRecord[], times: readonly Date[], collected: Date): string;
}

/**
 * A record's size, computed once: the runner asks when it checks the record (`refuse`), the sink again
 * when it cuts the part — the same record object both times.
 */
function rememberSizes(size: (record: JsonRecord) => number): (record: JsonRecord) => number {
  const sizes = new WeakMap<JsonRecord, number>();
  return (record) => {
    let bytes = sizes.get(record);
    if (bytes === undefined) {
      bytes = size(record);
      sizes.set(record, bytes);
    }
    return bytes;
  };
}

export function requestShape(config: SecOpsSinkConfig): RequestShape {
  const labels = Object.keys(config.labels).length > 0 ? config.labels : undefined;
  if (config.api === 'import') {
    const forwarder = config.forwarder?.includes('/')
      ? config.forwarder
      : config.forwarder &&
        `projects/${config.project}/locations/${chronicleLocation(config.region)}/instances/${config.instance}/forwarders/${config.forwarder}`;
    const log = (record: JsonRecord, time: string, collected: string) =>
      JSON.stringify({
        data: Buffer.from(JSON.stringify(record), 'utf8').toString('base64'),
        logEntryTime: time,
        collectionTime: collected,
        ...(config.namespace ? { environmentNamespace: config.namespace } : {}),
        ...(labels
          ? { labels: Object.fromEntries(Object.entries(labels).map(([k, value]) => [k, { value }])) }
          : {}),
      });
    const envelope = (logs: string) =>
      `{"inlineSource":{"logs":[${logs}]${forwarder ? `,"forwarder":${JSON.stringify(forwarder)}` : ''}}}`;
    return {
      recordBytes: rememberSizes(
        (record) => Buffer.byteLength(log(record, PLACEHOLDER_TIME, PLACEHOLDER_TIME)) + 1,
      ),
      emptyBytes: () => Buffer.byteLength(envelope('')),
      body: (_logType, records, times, collected) =>
        envelope(records.map((r, i) => log(r, times[i]!.toISOString(), collected.toISOString())).join(',')),
    };
  }
  const entry = (record: JsonRecord, micros: string) =>
    JSON.stringify({ log_text: JSON.stringify(record), ts_epoch_microseconds: micros });
  const envelope = (logType: string, entries: string) =>
    `{"customer_id":${JSON.stringify(config.instance)},"log_type":${JSON.stringify(logType)},"entries":[${entries}]${
      config.namespace ? `,"namespace":${JSON.stringify(config.namespace)}` : ''
    }${labels ? `,"labels":${JSON.stringify(Object.entries(labels).map(([key, value]) => ({ key, value })))}` : ''}}`;
  return {
    recordBytes: rememberSizes((record) => Buffer.byteLength(entry(record, PLACEHOLDER_MICROS)) + 1),
    emptyBytes: (logType) => Buffer.byteLength(envelope(logType, '')),
    body: (logType, records, times) =>
      envelope(logType, records.map((r, i) => entry(r, String(times[i]!.getTime() * 1000))).join(',')),
  };
}

/**
 * Where each request ends: request i holds records [ends[i - 1] ?? 0, ends[i]). Greedy: as many
 * records as fit under `maxBytes`; a record that fits no request alone was refused before.
 */
export function cutRequests(sizes: readonly number[], emptyBytes: number, maxBytes: number): number[] {
  const ends: number[] = [];
  let bytes = emptyBytes;
  let count = 0;
  sizes.forEach((size, index) => {
    // The first record of a request has no separator before it.
    if (count > 0 && bytes + size > maxBytes) {
      ends.push(index);
      bytes = emptyBytes;
      count = 0;
    }
    bytes += count === 0 ? size - 1 : size;
    count++;
  });
  if (count > 0) ends.push(sizes.length);
  return ends;
}
