/**
 * The `udm` format's requests: a mapped stream's records become UDM events (`udm-mapping.ts`), checked
 * against Google's UDM schema (`udm-fields.ts`), and are sent through the Chronicle API's event import
 * (`events:import`, https://docs.cloud.google.com/chronicle/docs/reference/rest/v1/projects.locations.instances.events/import):
 * `{"inlineSource":{"events":[{"udm":{…}},…]}}`, answered with an empty body. "All events need to be
 * valid for the request to be successful. An error in one entity will cause the entire request to be
 * rejected" (the same page): an event the schema refuses is therefore never put in a request with
 * others — it is cut into a request of its own, which is refused with the schema's reason without being
 * sent (`REFUSED_SCHEME`), and the record is dead-lettered through the delivery ledger like a record
 * SecOps refused.
 *
 * Google documents no size limit for `events:import`; the request limit of `logs:import` (4,000,000
 * bytes, INFERRED as there) is applied.
 */
import type { JsonRecord, PartName } from '@ctxsiem/core';
import { cutRequests } from './requests.ts';
import { udmEventProblems } from './udm-fields.ts';
import { type UdmEvent, udmEventOf } from './udm-mapping.ts';

/** The URL scheme of a request refused before it is sent: its body is the reason. */
export const REFUSED_SCHEME = 'ctxsiem-refused:';

export const EVENTS_ENVELOPE = { head: '{"inlineSource":{"events":[', tail: ']}}' } as const;
export const EMPTY_EVENTS_BODY = `${EVENTS_ENVELOPE.head}${EVENTS_ENVELOPE.tail}`;

/** One record as an event of a request: its JSON (`{"udm":…}`), or why it cannot be one. */
export interface UdmEntry {
  json: string;
  bytes: number;
  problem?: string | undefined;
}

/**
 * A record's entry, computed once per record object and id (the sink asks when it cuts the part and
 * again when it builds each request).
 */
export function udmEntries(labels: Readonly<Record<string, string>>) {
  const remembered = new WeakMap<JsonRecord, Map<string, UdmEntry>>();
  const ingestionLabels = Object.entries(labels).map(([key, value]) => ({ key, value }));
  return (part: Pick<PartName, 'source' | 'stream'>, record: JsonRecord, recordId: string): UdmEntry => {
    let byId = remembered.get(record);
    const known = byId?.get(recordId);
    if (known) return known;
    const event = udmEventOf(part, record, recordId) as UdmEvent;
    if (ingestionLabels.length > 0)
      event.metadata = { ...(event.metadata as object), ingestion_labels: ingestionLabels };
    const problems = udmEventProblems(event);
    const json = JSON.stringify({ udm: event });
    const entry: UdmEntry = {
      json,
      bytes: Buffer.byteLength(json) + 1,
      problem:
        problems.length > 0
          ? `the record's UDM event is not valid UDM (${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; ${problems.length - 5} more` : ''})`
          : undefined,
    };
    if (!byId) {
      byId = new Map();
      remembered.set(record, byId);
    }
    byId.set(recordId, entry);
    return entry;
  };
}

/**
 * Where each request ends (as `cutRequests`): a refused entry — invalid, or too large for any request —
 * alone in its request; the valid entries between them cut by size.
 */
export function cutUdmRequests(entries: readonly UdmEntry[], maxBytes: number): number[] {
  const empty = Buffer.byteLength(EMPTY_EVENTS_BODY);
  const ends: number[] = [];
  let start = 0;
  const flush = (end: number) => {
    if (end > start)
      ends.push(
        ...cutRequests(
          entries.slice(start, end).map((e) => e.bytes),
          empty,
          maxBytes,
        ).map((e) => e + start),
      );
  };
  entries.forEach((entry, index) => {
    if (refusal(entry, maxBytes) === undefined) return;
    flush(index);
    ends.push(index + 1);
    start = index + 1;
  });
  flush(entries.length);
  return ends;
}

/** Why an entry is not sent: its schema problem, or a size no request can hold. */
export function refusal(entry: UdmEntry, maxBytes: number): string | undefined {
  if (entry.problem) return entry.problem;
  const empty = Buffer.byteLength(EMPTY_EVENTS_BODY);
  return entry.bytes - 1 + empty > maxBytes
    ? `the record's UDM event takes ${entry.bytes - 1} bytes; an events:import request holds at most ${maxBytes} (maxRequestBytes)`
    : undefined;
}

export function eventsBody(entries: readonly UdmEntry[]): string {
  return `${EVENTS_ENVELOPE.head}${entries.map((e) => e.json).join(',')}${EVENTS_ENVELOPE.tail}`;
}
