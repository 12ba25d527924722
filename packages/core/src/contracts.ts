/**
 * The contracts every connector implements. A source yields pages of records with a resume token; the
 * runner hands each page to a sink and, only after the sink acknowledges, commits the position in a
 * checkpoint store. See docs in the repository's architecture notes and README.
 */
import type { Clock } from './clock.ts';
import type { Logger } from './logger.ts';

/** A record as it travels: a plain JSON object. */
export type JsonRecord = Record<string, unknown>;

/** A half-open UTC interval `[from, to)`. */
export interface Window {
  from: Date;
  to: Date;
}

/** One page read from a stream. `next` resumes after this page; absent on the window's last page. */
export interface Page {
  records: JsonRecord[];
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

/** Record validation: anything with a zod-like `safeParse`. */
export interface RecordSchema {
  safeParse(value: unknown): { success: true } | { success: false; error: { message: string } };
}

export interface PullStream {
  /** Stream name; also the folder name in object layouts (`Sessions`, `sessions`). */
  readonly name: string;
  /** The record field windows are cut on (`ModifiedDate`), for docs and logs. */
  readonly cursorField: string;
  readonly window: WindowPolicy;
  /** Optional record schema: records failing it go to the dead-letter with the reason. */
  readonly schema?: RecordSchema;
  /** Reads the window from its start, or from `resume` (a page's `next`) when given. */
  read(window: Window, resume: string | undefined, signal: AbortSignal): AsyncIterable<Page>;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
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
  /** Counters of the source's client for the run summary (requests, retries, throttled…). */
  metrics?(): Record<string, number>;
  close?(): Promise<void>;
}

/** Narrow dependencies handed to factories; constructible in tests. */
export interface ConnectorDeps {
  logger: Logger;
  clock: Clock;
  signal?: AbortSignal;
  /** Secret values to scrub from logs; connectors register tokens they obtain. */
  secrets?: { add(value: string | undefined): void };
}

export type SourceFactory<Config> = (config: Config, deps: ConnectorDeps) => Source;

/** What the runner hands a sink: one page's records with the identity that names its object. */
export interface Batch {
  tenant: string;
  source: string;
  stream: string;
  window: Window;
  /** Page number inside the window, from 0: with the window start it makes the object name. */
  seq: number;
  /** `records` for data, `deadletter` for records that failed validation (each `{reason, record}`). */
  kind: 'records' | 'deadletter';
  records: JsonRecord[];
}

/** The sink's acknowledgement: where the batch went. */
export interface Receipt {
  location: string;
  records: number;
  bytes: number;
}

export interface Sink {
  readonly type: string;
  /** Stores the batch. Idempotent: the same batch identity always lands in the same place. */
  write(batch: Batch): Promise<Receipt>;
  /** A real probe that mimics a write (write and delete a small object). Throws with a clear reason. */
  check(): Promise<string>;
  close(): Promise<void>;
}

export type SinkFactory<Config> = (config: Config, deps: ConnectorDeps) => Sink;

/** What a checkpoint holds for one stream. */
export interface StreamState {
  /** Everything before this instant has been delivered. */
  position: string;
  /** Set while a window is part-way delivered: resume there instead of re-reading it. */
  window?: { to: string; resume: string; seq: number } | undefined;
  updatedAt?: string;
}

export interface VersionedState {
  state: StreamState;
  /** Opaque version for the conditional write (an ETag, a generation, a file version). */
  version: string;
}

export interface CheckpointStore {
  readonly type: string;
  read(key: string): Promise<VersionedState | undefined>;
  /**
   * Writes only if the stored version still equals `ifVersion` (undefined = must not exist yet).
   * Returns the new version; throws CheckpointConflictError otherwise.
   */
  write(key: string, state: StreamState, ifVersion: string | undefined): Promise<string>;
  /** Removes a stream's checkpoint (`ctxsiem state reset`). */
  delete(key: string): Promise<void>;
  /** Lists keys under a prefix (`ctxsiem state show`). */
  list(prefix?: string): Promise<string[]>;
}

/** Checkpoint key for one stream: tenant × source × stream. */
export function checkpointKey(tenant: string, source: string, stream: string): string {
  return `${tenant}/${source}/${stream}`;
}
