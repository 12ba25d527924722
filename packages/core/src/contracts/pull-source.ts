/**
 * The pull source contract: a source of streams queried window by window (the Citrix APIs), each read
 * page by page with a resume token; the runner hands each page to a sink and only after the sink
 * acknowledges commits the position in a checkpoint store.
 */
import type { ConnectorDeps } from './connector-deps.ts';
import type { Column, JsonRecord, RecordSchema, Window } from './records.ts';

/** A record the source could not make sense of (an element a document's schema refuses), and why. */
export interface RejectedRecord {
  record: JsonRecord;
  reason: string;
}

/** One page read from a stream. `next` resumes after this page; absent on the window's last page. */
export interface Page {
  records: JsonRecord[];
  /** What the source read but refused itself: dead-lettered with the reason, like a schema failure. */
  rejected?: RejectedRecord[] | undefined;
  next?: string | undefined;
}

/** How the runner cuts time into windows for a stream. */
export interface WindowPolicy {
  /** Windows never cross a multiple of this (UTC): one hour keeps a window inside one partition. */
  alignMs: number;
  /** The longest window to ask for at once. */
  maxWindowMs: number;
  /** Only data older than `now - lagMs` is asked for, so late writes on the API side are not missed. */
  lagMs: number;
  /** Only whole aligned windows are read (casodata hours): a partial last window waits for the next run. */
  wholeWindowsOnly?: boolean;
  /** The smallest window a query timeout may split down to. */
  minWindowMs?: number;
}

/**
 * A table a SIEM product already defines for a stream's records (Microsoft's `CitrixDaaSConfigOps_CL`),
 * so that its queries and workbooks work on ours: the table's columns, and how a delivered record becomes
 * a row of it.
 */
export interface TableProjection {
  /** The table's columns, after `TimeGenerated`. */
  columns: readonly Column[];
  /**
   * The data collection rule's transform from a delivered record (the stream's columns and the tenant
   * field) to the table's row, `TimeGenerated` included.
   */
  transformKql: string;
}

export interface PullStream {
  /** Stream name; also the folder name in object layouts (`Sessions`, `sessions`). */
  readonly name: string;
  /**
   * The record field windows are cut on (`ModifiedDate`), for docs and logs; sinks that send an event
   * time send this field.
   */
  readonly cursorField: string;
  /**
   * What decides which records a window holds. `cursor` (default): the records' cursor field — pages
   * are filtered to the window on the client, and closed windows are checked again for late records.
   * `source`: the source itself (the licensing telemetry stream's ledger assigns each document to the
   * window that read it first), whatever the records' times — nothing is filtered, and a closed window
   * never changes, so it is never checked again.
   */
  readonly windowedBy?: 'cursor' | 'source';
  readonly window: WindowPolicy;
  /** Optional record schema: records failing it go to the dead-letter with the reason. */
  readonly schema?: RecordSchema;
  /**
   * The fields of a delivered record and their types (without the tenant tag), for SIEM table
   * definitions (Azure's DCR and tables); absent when the stream does not know them.
   */
  readonly columns?: readonly Column[];
  /** The Azure Monitor table these records are known by, when a product defines one (default: our own). */
  readonly azureTable?: TableProjection;
  /** Reads the window from its start, or from `resume` (a page's `next`) when given. */
  read(window: Window, resume: string | undefined, signal: AbortSignal): AsyncIterable<Page>;
  /**
   * What makes two reads of a record the same record, for the window manifest's digests (default: the
   * whole record). Analytics answers its `raw` row: the envelope's `collection_timestamp` changes per read.
   */
  identity?(record: JsonRecord): unknown;
  /**
   * A record the stream rejected itself (a page's `rejected`, as stored in its dead letter) made a
   * record again by the source's own parse and normalisation, or why it still is not one. `deadletter
   * replay` runs it before the schema: a stream that rejects records must have it, or its dead letters
   * are not replayed (what it rejected is not in the shape of its records).
   */
  recover?(rejected: JsonRecord): { record: JsonRecord } | { reason: string };
  /**
   * How many records the API holds for the window now (Monitor: `$count`). The reconcile pass compares
   * it with what was delivered and re-reads only windows that gained records; without it (or when it
   * answers undefined: unknown, or the count query timed out), every due check re-reads the window.
   * Only a stream whose rows never leave a window may count: where rows leave (a cursor that moves as
   * a row changes), a count cannot tell a late row from one that left, nor see a row an offset-paged
   * read stepped over when another left between two pages — both totals are lower by as many.
   */
  count?(window: Window, signal: AbortSignal): Promise<number | undefined>;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

/** A stream a service offers, and how the source would collect it (`ctxsiem preview --list-streams`). */
export interface OfferedStream {
  name: string;
  /** The field its windows are cut on; undefined when the service's model has no usable one. */
  cursorField: string | undefined;
  /** Minutes after a window ends before it is read. */
  lagMinutes: number | undefined;
  /** Whether the configuration collects it. */
  collected: boolean;
  /** How many fields its records have, by the service's model. */
  fields?: number | undefined;
  /** Its key field, by the service's model. */
  key?: string | undefined;
  /** Read whole on every run (no time column follows its rows' changes), delivering what changed. */
  snapshot?: boolean | undefined;
  /** What publication backs the stream's model (`Citrix OpenAPI`, `… (key inferred)`), if any. */
  verifiedBy?: string | undefined;
}

export interface Source {
  /** Source type (`monitor`, `analytics`). */
  readonly type: string;
  /** The tenant (Citrix customer id) every record is tagged with. */
  readonly tenant: string;
  readonly streams: readonly PullStream[];
  /** Field added to every record carrying the tenant. */
  readonly tenantField?: string;
  /** Where a first run starts when no checkpoint exists. */
  readonly start?: Date;
  /** Authenticates and makes one minimal query per stream (`ctxsiem check`). */
  check?(): Promise<CheckResult[]>;
  /**
   * Every stream the service offers, discovered from it (Monitor: its `$metadata`), collected or not;
   * without it, the configured streams are all there is.
   */
  listStreams?(signal?: AbortSignal): Promise<OfferedStream[]>;
  /** Counters of the source's client for the run summary (requests, retries, throttled…). */
  metrics?(): Record<string, number>;
  close?(): Promise<void>;
}

export type SourceFactory<Config> = (config: Config, deps: ConnectorDeps) => Source;
