/**
 * The `telemetry` stream: License Server uploads and CVAD / SPA event documents from a folder or an
 * S3 / GCS prefix, each content once.
 *
 * Each read of a window first **receives** what is new at the location — a name not listed before with
 * this stamp, settled (not modified for `settleSeconds`), whose SHA-256 the ledger does not know — and
 * assigns it to the window in one ledger write; then it reads the window's documents in the order they
 * were received. So a document listed again, copied in again or touched is not read again; an edited
 * one is a new version, read as such; and a run stopped or killed anywhere resumes the same window with
 * the same documents (the resume token is `{document index}:{item index}`), the runner's part
 * numbering and digests skipping what was delivered. The window is the source's: records keep their own
 * times (`eventTime`), and a closed window never changes.
 *
 * Every record carries the document it came from: `documentId` (its SHA-256), `documentName`,
 * `documentVersion`. What a schema refuses is dead-lettered with the field path; so is a document too
 * large to read, one that vanished or changed between being received and being read.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  type Column,
  ConfigError,
  DAY_MS,
  type DocumentStore,
  type JsonRecord,
  type Logger,
  type Page,
  type PullStream,
  type RejectedRecord,
  type Window,
} from '@ctxsiem/core';
import type { TelemetryOptions } from './config.ts';
import type { DocumentFolder } from './document-folders.ts';
import { DocumentLedger, type KnownListing, type LedgerEntry } from './document-ledger.ts';
import {
  type DocumentReading,
  documentKind,
  readTelemetryDocument,
  recoverTelemetryRecord,
} from './telemetry-documents.ts';

const MIB = 1024 * 1024;

/**
 * Every field a telemetry record carries (a table declares each: Azure drops a field its DCR stream
 * lacks): the common ones, an event's header (`ver`, `id`, `st`, … — telemetry-events.ts) and what each
 * License Server record kind adds (license-server.ts).
 */
export const TELEMETRY_COLUMNS: readonly Column[] = [
  { name: 'kind', type: 'string' },
  { name: 'eventTime', type: 'datetime' },
  { name: 'eventId', type: 'string' },
  { name: 'documentId', type: 'string' },
  { name: 'documentName', type: 'string' },
  { name: 'documentVersion', type: 'int' },
  { name: 'serverGuid', type: 'string' },
  { name: 'serverFqdn', type: 'string' },
  { name: 'feature', type: 'string' },
  { name: 'prod', type: 'string' },
  { name: 'prodVer', type: 'string' },
  { name: 'type', type: 'string' },
  { name: 'user', type: 'dynamic' },
  { name: 'tenant', type: 'dynamic' },
  { name: 'dvc', type: 'dynamic' },
  { name: 'payload', type: 'dynamic' },
  { name: 'enabledFeatureNames', type: 'dynamic' },
  { name: 'countInstalled', type: 'long' },
  { name: 'countInUse', type: 'long' },
  { name: 'overdraft', type: 'long' },
  { name: 'licenseCount', type: 'long' },
  // An event's header as the documentation names it (eventId and eventTime repeat id and st).
  { name: 'ver', type: 'string' },
  { name: 'id', type: 'string' },
  { name: 'st', type: 'datetime' },
  // License Server features, Software Assurance samples, usage samples, startups, bursts.
  { name: 'active', type: 'boolean' },
  { name: 'licenseesInUse', type: 'long' },
  { name: 'usersAssigned', type: 'long' },
  { name: 'devicesAssigned', type: 'long' },
  { name: 'usersReleased', type: 'long' },
  { name: 'devicesReleased', type: 'long' },
  { name: 'saDate', type: 'string' },
  { name: 'sampleStart', type: 'datetime' },
  { name: 'sampleStop', type: 'datetime' },
  { name: 'countUsedMax', type: 'long' },
  { name: 'concurrentDevices', type: 'long' },
  { name: 'serial', type: 'string' },
  { name: 'installed', type: 'long' },
  { name: 'lpe', type: 'string' },
  { name: 'count', type: 'long' },
  { name: 'errorCode', type: 'long' },
];

/** What the stream did, for the run summary: totals, and what the last listing found. */
export interface TelemetryCounters {
  documentsReceived: number;
  documentsRead: number;
  /** In the last listing: files that are no telemetry document (by their extension). */
  documentsIgnored: number;
  /** In the last listing: documents left for a later run, modified less than `settleSeconds` ago. */
  documentsSettling: number;
  /** In the last listing: new names or stamps with a content read already (a copy, a touched file; remembered). */
  documentsKnown: number;
}

export interface TelemetryStreamDeps {
  /** The location's documents (opened on first use). */
  folder: () => Promise<DocumentFolder>;
  /** The checkpoint store's documents, where the ledger is kept (required to read). */
  documents: DocumentStore | undefined;
  /** The stream's checkpoint key: the ledger sits under it. */
  streamKey: string;
  logger: Logger;
  /** Wall-clock time, against which modification times are judged (they come from the same clocks). */
  wallClock?: () => number;
  /** The run's clock, for `receivedAt`. */
  now: () => number;
  counters: TelemetryCounters;
}

export const emptyTelemetryCounters = (): TelemetryCounters => ({
  documentsReceived: 0,
  documentsRead: 0,
  documentsIgnored: 0,
  documentsSettling: 0,
  documentsKnown: 0,
});

/** Reads a stream to its end, at most `limit` bytes; undefined when it is longer. */
async function readBounded(stream: Readable, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      stream.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `{document}:{item}` of a resume token; from the start when there is none (or it is not one). */
function parseResume(resume: string | undefined): [number, number] {
  const match = /^(\d+):(\d+)$/.exec(resume ?? '');
  return match ? [Number(match[1]), Number(match[2])] : [0, 0];
}

export function telemetryStream(options: TelemetryOptions, deps: TelemetryStreamDeps): PullStream {
  const { counters, logger } = deps;
  const wallClock = deps.wallClock ?? Date.now;
  const maxBytes = options.maxDocumentMiB * MIB;

  /** Assigns what is new at the location to the window starting at `from`. */
  async function receive(ledger: DocumentLedger, from: Date, signal: AbortSignal): Promise<void> {
    const folder = await deps.folder();
    const received: Parameters<DocumentLedger['assign']>[1][number][] = [];
    const known: KnownListing[] = [];
    counters.documentsIgnored = 0;
    counters.documentsSettling = 0;
    counters.documentsKnown = 0;
    const settledBefore = wallClock() - options.settleSeconds * 1000;
    for await (const listed of folder.list(signal)) {
      if (!documentKind(listed.name)) {
        counters.documentsIgnored++;
        continue;
      }
      if (ledger.sameListing(listed.name, listed.stamp)) continue;
      if (listed.modified.getTime() > settledBefore) {
        counters.documentsSettling++;
        continue;
      }
      const content = await folder.open(listed.name, signal);
      if (!content) continue; // removed since it was listed
      const sha256 = await sha256Of(content);
      const read = ledger.withContent(sha256);
      if (read) {
        counters.documentsKnown++;
        known.push({ name: listed.name, stamp: listed.stamp, sha256 });
        logger.debug({ document: listed.name, sameAs: read.name }, 'a content read already: not read again');
        continue;
      }
      received.push({ name: listed.name, sha256, size: listed.size, stamp: listed.stamp });
    }
    const assigned = await ledger.assign(from, received, new Date(deps.now()), known);
    counters.documentsReceived += assigned.length;
    if (assigned.length > 0)
      logger.info(
        { documents: assigned.length, location: folder.description },
        'telemetry documents received',
      );
  }

  /** The records of one received document, each carrying it; or why it could not be read. */
  async function readDocument(entry: LedgerEntry, signal: AbortSignal): Promise<DocumentReading> {
    const document = { documentId: entry.sha256, documentName: entry.name, documentVersion: entry.version };
    const refused = (reason: string, extra: JsonRecord = {}): DocumentReading => ({
      records: [],
      rejected: [{ record: { ...document, ...extra }, reason: `${entry.name}: ${reason}` }],
    });
    if (entry.size > maxBytes)
      return refused(`larger than maxDocumentMiB (${options.maxDocumentMiB} MiB): not read`, {
        size: entry.size,
      });
    const stream = await (await deps.folder()).open(entry.name, signal);
    if (!stream) return refused('removed before it was read');
    const content = await readBounded(stream, maxBytes);
    if (!content) return refused(`grew past maxDocumentMiB (${options.maxDocumentMiB} MiB): not read`);
    const sha256 = createHash('sha256').update(content).digest('hex');
    if (sha256 !== entry.sha256)
      return refused('changed after it was received: its new content is received as a new version', {
        sha256Now: sha256,
      });
    counters.documentsRead++;
    const reading = readTelemetryDocument(entry.name, content);
    return {
      records: reading.records.map((record) => ({ ...record, ...document })),
      rejected: reading.rejected.map(({ record, reason }) => ({
        record: { ...document, ...record },
        reason: `${entry.name}: ${reason}`,
      })),
    };
  }

  return {
    name: 'telemetry',
    cursorField: 'eventTime',
    windowedBy: 'source',
    // Windows only group what each run received: up to a UTC day (a pause is caught up in few reads).
    window: { alignMs: DAY_MS, maxWindowMs: DAY_MS, lagMs: 0 },
    columns: TELEMETRY_COLUMNS,
    // `deadletter replay` makes a rejected element a record again the way `read` does.
    recover: recoverTelemetryRecord,
    async *read(window: Window, resume: string | undefined, signal: AbortSignal): AsyncIterable<Page> {
      if (!deps.documents)
        throw new ConfigError('source-licensing', [
          {
            path: 'telemetry',
            reason:
              'the stream keeps its ledger of documents beside the checkpoints: build the source with the checkpoint store’s documents',
          },
        ]);
      const ledger = await DocumentLedger.open(deps.documents, deps.streamKey);
      await receive(ledger, window.from, signal);
      const entries = ledger.documentsOf(window.from);
      const [first, skip] = parseResume(resume);
      if (first >= entries.length) {
        yield { records: [] };
        return;
      }
      for (let index = first; index < entries.length; index++) {
        const reading = await readDocument(entries[index]!, signal);
        const items: ({ record: JsonRecord } | RejectedRecord)[] = [
          ...reading.records.map((record) => ({ record })),
          ...reading.rejected,
        ];
        const last = index === entries.length - 1;
        let start = index === first ? Math.min(skip, items.length) : 0;
        do {
          const end = Math.min(start + options.pageSize, items.length);
          const page = items.slice(start, end);
          const next = end < items.length ? `${index}:${end}` : last ? undefined : `${index + 1}:0`;
          yield {
            records: page.flatMap((item) => ('reason' in item ? [] : [item.record])),
            rejected: page.filter((item): item is RejectedRecord => 'reason' in item),
            next,
          };
          start = end;
        } while (start < items.length);
      }
    },
  };
}
