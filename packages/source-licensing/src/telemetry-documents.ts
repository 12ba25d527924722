/**
 * One telemetry document's records, by its kind: a License Server upload (`.xml`), or CVAD / SPA events
 * as a JSON array (`.json`, also `{ "events": [...] }` or one event) or one event per line (`.ndjson`,
 * `.jsonl`). What a schema refuses is rejected with the reason and where: the element path of an
 * upload, the index (or line) and field path of an event.
 */
import type { JsonRecord, RejectedRecord } from '@ctxsiem/core';
import { licenseServerRecords } from './license-server.ts';
import { telemetryRecord } from './telemetry-events.ts';

export interface DocumentReading {
  records: JsonRecord[];
  rejected: RejectedRecord[];
}

const KINDS = { xml: 'upload', json: 'events', ndjson: 'lines', jsonl: 'lines' } as const;

/** The kind of document a name says it is, or undefined for a file that is no telemetry document. */
export function documentKind(name: string): (typeof KINDS)[keyof typeof KINDS] | undefined {
  const extension = /\.([a-z]+)$/i.exec(name)?.[1]?.toLowerCase();
  return extension && extension in KINDS ? KINDS[extension as keyof typeof KINDS] : undefined;
}

/** The records of a document (its kind known from `documentKind`), and what was refused. */
export function readTelemetryDocument(name: string, content: Buffer): DocumentReading {
  const text = content.toString('utf8');
  switch (documentKind(name)) {
    case 'upload': {
      const upload = licenseServerRecords(text);
      return 'error' in upload
        ? { records: [], rejected: [{ record: {}, reason: upload.error }] }
        : { records: upload.records, rejected: [] };
    }
    case 'events': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        return { records: [], rejected: [{ record: {}, reason: `not JSON: ${(error as Error).message}` }] };
      }
      const events = Array.isArray(parsed)
        ? parsed
        : Array.isArray((parsed as { events?: unknown })?.events)
          ? (parsed as { events: unknown[] }).events
          : [parsed];
      return eventsReading(events.map((event, index) => ({ event, at: { index } })));
    }
    case 'lines': {
      const lines = text.split('\n');
      const events: { event: unknown; at: JsonRecord }[] = [];
      const rejected: RejectedRecord[] = [];
      lines.forEach((line, index) => {
        if (!line.trim()) return;
        try {
          events.push({ event: JSON.parse(line), at: { line: index + 1 } });
        } catch (error) {
          rejected.push({
            record: { line: index + 1, text: line },
            reason: `line ${index + 1}: not JSON: ${(error as Error).message}`,
          });
        }
      });
      const reading = eventsReading(events);
      return { records: reading.records, rejected: [...rejected, ...reading.rejected] };
    }
    default:
      return {
        records: [],
        rejected: [{ record: {}, reason: 'not a telemetry document (.xml, .json, .ndjson)' }],
      };
  }
}

function eventsReading(events: { event: unknown; at: JsonRecord }[]): DocumentReading {
  const reading: DocumentReading = { records: [], rejected: [] };
  for (const { event, at } of events) {
    const result = telemetryRecord(event);
    if ('record' in result) reading.records.push(result.record);
    else {
      const where = 'index' in at ? `event ${at.index}` : `line ${at.line}`;
      reading.rejected.push({
        record: { ...at, event: event as JsonRecord },
        reason: `${where}: ${result.error}`,
      });
    }
  }
  return reading;
}

const DOCUMENT_FIELDS = ['documentId', 'documentName', 'documentVersion'] as const;

/**
 * A rejected telemetry element as its dead letter holds it (`{documentId, documentName, documentVersion,
 * index | line, event}` or `{…, line, text}`) made a record again the way collection makes one — parsed,
 * checked against its event's schema, normalised, with its document — or why it still is not one. A
 * document refused as a whole (too large, changed, not a telemetry document) has no element to recover.
 * A record already in the stream's shape (one a sink refused) is returned as it is.
 */
export function recoverTelemetryRecord(rejected: JsonRecord): { record: JsonRecord } | { reason: string } {
  const document: JsonRecord = {};
  for (const field of DOCUMENT_FIELDS) if (field in rejected) document[field] = rejected[field];
  let event: unknown = rejected.event;
  if (event === undefined && typeof rejected.text === 'string') {
    try {
      event = JSON.parse(rejected.text);
    } catch (error) {
      return { reason: `not JSON: ${(error as Error).message}` };
    }
  }
  if (event === undefined) {
    if (typeof rejected.kind === 'string' && typeof rejected.eventTime === 'string')
      return { record: rejected };
    return {
      reason:
        'the document was refused as a whole, not one of its elements: collect it again (a new version)',
    };
  }
  const result = telemetryRecord(event);
  return 'record' in result ? { record: { ...result.record, ...document } } : { reason: result.error };
}
