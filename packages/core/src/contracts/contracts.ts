/**
 * The contracts every connector implements. A source yields pages of records with a resume token; the
 * runner hands each page to a sink and, only after the sink acknowledges, commits the position in a
 * checkpoint store. See docs in the repository's architecture notes and README.
 */
import type { Clock } from '../clock/clock.ts';
import type { Logger } from '../logging/logger.ts';

/** A record as it travels: a plain JSON object. */
export type JsonRecord = Record<string, unknown>;

/** A half-open UTC interval `[from, to)`. */
export interface Window {
  from: Date;
  to: Date;
}

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
 * A field whose value is not what the stream's model says (another type, or a field the model does not
 * declare): the record is delivered all the same, and the drift is counted and reported.
 */
export interface FieldDrift {
  field: string;
  /** What the model says (`Edm.Int32`, or `undeclared`). */
  expected: string;
  /** What the record holds (`a GUID string`, `a number`…). */
  found: string;
}

/**
 * Record validation: anything with a zod-like `safeParse`. A failure dead-letters the record; a success
 * may carry `drift`: fields that differ from the model without making the record unusable.
 */
export interface RecordSchema {
  safeParse(
    value: unknown,
  ): { success: true; drift?: readonly FieldDrift[] } | { success: false; error: { message: string } };
}

/** A column type as SIEM tables declare them (Azure Monitor's: a DCR stream's and a table's). */
export type ColumnType = 'string' | 'int' | 'long' | 'real' | 'boolean' | 'datetime' | 'dynamic';

/** One field of the records a stream delivers, and its type. */
export interface Column {
  name: string;
  type: ColumnType;
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

/** One message of a partitioned log (a Kafka topic) as consumed: where it sits, and its bytes. */
export interface LogMessage {
  partition: number;
  /** Its offset in the partition. */
  offset: number;
  /** The log's timestamp of the message. */
  timestamp: Date;
  /** Its value, as stored (undefined for a tombstone). */
  value: Uint8Array | undefined;
  /** Its key, as stored (undefined when it has none): what a tombstone deletes. */
  key?: Uint8Array | undefined;
}

/**
 * Where one message goes: a record of one of the source's streams, or — with `reason` — a dead letter
 * (the message could not be parsed, or failed its stream's schema) kept under `stream`.
 */
export interface RoutedMessage {
  stream: string;
  record: JsonRecord;
  reason?: string | undefined;
  /** Fields of a delivered record that differ from the stream's model: delivered, and counted. */
  drift?: readonly FieldDrift[] | undefined;
}

/** A stream a stream source routes messages to (one event type): what its records look like. */
export interface RoutedStream {
  readonly name: string;
  /** The record field holding the event time, for sinks that send one. */
  readonly timeField: string;
  /** The fields of a delivered record and their types, for SIEM table definitions. */
  readonly columns?: readonly Column[];
  /** What makes two deliveries of a record the same record (default: the whole record). */
  identity?(record: JsonRecord): unknown;
}

/** A group's position in one partition, and the part of the partition the log still keeps. */
export interface PartitionPosition {
  partition: number;
  /** The committed position: the offset of the next message to deliver (−1: nothing committed). */
  committed: number;
  /** The log's start: its oldest kept message (retention deletes from the front). */
  start: number;
}

/** Where a consumer group stands in one partition. */
export interface PartitionOffsets extends PartitionPosition {
  /** The partition's end offset (its high watermark). */
  end: number;
  /** Messages the log still keeps that are not yet delivered and committed. */
  lag: number;
}

/** Where a consumer group stands in one partition, seen by one of its members. */
export interface PartitionLag extends PartitionOffsets {
  /** Whether this member owns the partition now (otherwise another member of the group does, or no one). */
  owned: boolean;
}

/** Where delivery of a partition resumes: its committed position, or the log's start when that is later. */
export const resumeOffset = (position: PartitionPosition): number =>
  Math.max(position.committed, position.start);

/** A member of a consumer group: the messages of the partitions it owns, and their commits. */
export interface LogConsumer {
  /** Messages of the owned partitions, in offset order per partition, until `stop` or the signal. */
  messages(): AsyncIterable<LogMessage>;
  /**
   * Whether the partition is this member's now. False from the moment a rebalance starts: a message
   * buffered from a partition this member no longer owns must be neither delivered nor committed.
   */
  owns(partition: number): boolean;
  /** Changes each time the group's assignment changes, so a delivery can tell it outlived its own. */
  readonly generation: number;
  /**
   * The partition's committed position and the log's start. The first message `messages()` yields for
   * the partition (after a rebalance too) is at `resumeOffset` of it: the committed position, or the
   * log's start when nothing is committed or retention deleted what the committed offset points at.
   */
  position(partition: number): Promise<PartitionPosition>;
  /** Commits `next` (the offset of the next message to deliver) as the partition's position. */
  commit(partition: number, next: number): Promise<void>;
  /** Committed position, log start and end offset of every partition of the log, owned or not. */
  lag(): Promise<PartitionLag[]>;
  /** Ends `messages()`. */
  stop(): Promise<void>;
  /** Leaves the group and closes connections. */
  close(): Promise<void>;
}

/** How a stream source asks for its messages to be cut into batches and delivered (its config's). */
export interface ConsumptionSettings {
  /** A batch is cut at this many messages, bytes of values, or milliseconds after its first message. */
  flush?: { records?: number; bytes?: number; ms?: number } | undefined;
  /** Batches delivered at once, across partitions. */
  maxInFlight?: number | undefined;
  /** A one-shot run checks whether it caught up after this long without a message. */
  idleMs?: number | undefined;
}

/**
 * A source that is consumed rather than queried (Analytics for Security's Kafka export): its position
 * is the committed offsets of a consumer group, moved only after the sink acknowledged.
 */
export interface StreamSource {
  /** Source type (`sentinel`). */
  readonly type: string;
  /** The tenant every record is tagged with. */
  readonly tenant: string;
  /** Field added to every record carrying the tenant. */
  readonly tenantField?: string;
  /** The log the offsets belong to (the topic): names the partitions' claims. */
  readonly log: string;
  /** Every stream its messages are routed to. */
  readonly streams: readonly RoutedStream[];
  readonly consumption?: ConsumptionSettings;
  /**
   * The stream and record of one message, or why it is a dead letter. Never throws. The record is a
   * new object each call, the caller's to own: `consume` adds the tenant field to it in place.
   */
  route(message: LogMessage): RoutedMessage;
  /** Joins the consumer group. */
  open(signal: AbortSignal): Promise<LogConsumer>;
  /** Connects, authenticates and checks the topic can be read (`ctxsiem check`). */
  check?(): Promise<CheckResult[]>;
  /**
   * Where the group stands on every partition, read without joining it, so the members of a running
   * daemon keep their partitions (`ctxsiem status`).
   */
  offsets?(): Promise<PartitionOffsets[]>;
  /** Counters for the run summary. */
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
  /**
   * Conditional JSON documents beside the checkpoints (the checkpoint store's): where a sink that
   * cannot read its parts back keeps its delivery ledger.
   */
  documents?: DocumentStore;
  /**
   * Resolves a secret reference in a connector's config (`env:`, `file:`, `secretsmanager:`,
   * `gcpsecret:`, else the literal value) and registers the value for redaction. `field` names it in
   * errors.
   */
  resolveSecret?: (reference: string, field: string) => Promise<string>;
}

export type SourceFactory<Config> = (config: Config, deps: ConnectorDeps) => Source;

/**
 * What names one part: tenant, source, stream, the claimed window and the part number inside it. Two
 * different identities never name the same object, whatever the sink's prefix.
 */
export interface PartIdentity {
  tenant: string;
  source: string;
  stream: string;
  /** The claimed window; its start (to the millisecond) is in the part name. */
  window: Window;
  /** Part number inside the window, from 0; numbering continues across re-reads of the window. */
  seq: number;
  /** `records` for data, `deadletter` for records that failed validation (each `{reason, record}`). */
  kind: 'records' | 'deadletter';
  /**
   * Set on a `records` part that re-delivers dead letters (`ctxsiem deadletter replay`): the replay
   * round (0, 1, …) of the dead-letter part with the same window start and number.
   */
  replay?: number | undefined;
  /**
   * Set on a part of a partitioned log (a Kafka topic): the partition, with `seq` the offset of the
   * first message of the batch the part comes from — so a batch delivered again names the same parts.
   */
  partition?: number | undefined;
}

/**
 * What names a part's object: the window enters the name by its start only, so a part found by
 * listing (whose window end is not in its name) can be read and replayed.
 */
export interface PartName extends Omit<PartIdentity, 'window'> {
  window: Pick<Window, 'from'> & Partial<Pick<Window, 'to'>>;
}

/** A stored part found by listing: its name and where it is. */
export interface ListedPart {
  name: PartName;
  location: string;
}

/** What the runner hands a sink: one part's records with the name of its object. */
export interface Batch extends PartName {
  records: JsonRecord[];
  /**
   * The runner's digest of each record (by the stream's identity), in the records' order. A sink that
   * cannot read its parts back (a SIEM API) keeps them in its delivery ledger, so that a re-read after
   * a kill skips what it delivered (`readPartDigests`).
   */
  digests?: readonly string[] | undefined;
  /** The record field holding the event time (the stream's cursor field), for sinks that send one. */
  timeField?: string | undefined;
  /**
   * The fields the stream's records are known to carry and their types, the tenant tag included (the
   * stream's `columns`), for sinks whose tables declare fields (Azure Monitor): absent when unknown.
   */
  columns?: readonly Column[] | undefined;
  /**
   * The writer's lease, for sinks that send requests to a SIEM API (the runner gives it): who writes
   * and under which lease epoch (claimed in the delivery ledger before each request is sent), and the
   * renewal to run before each attempt — it throws `CheckpointConflictError` once another runner took
   * the stream over, so a runner that lost its lease sends nothing more.
   */
  fence?: DeliveryFence | undefined;
}

/** Who writes a part, under which lease, and the lease renewal that fences each request. */
export interface DeliveryFence {
  owner: string;
  epoch: number;
  /** Renews the lease (a conditional checkpoint write); throws `CheckpointConflictError` when lost. */
  renew(): Promise<void>;
  /**
   * Told of records sent again after a request of theirs may have been accepted already (its answer
   * lost to a timeout, a reset connection or a 5xx; a killed or overtaken run's request found claimed
   * in the delivery ledger): byte-identical resends a SIEM API may hold twice, counted once per resend.
   */
  possiblyDuplicated(records: number): void;
}

/** The sink's acknowledgement: where the batch went. */
export interface Receipt {
  location: string;
  records: number;
  bytes: number;
  /**
   * False when the part already existed with identical content (a retried write whose first attempt
   * landed): acknowledged without rewriting it.
   */
  created: boolean;
  /** Hex SHA-256 of the stored bytes, kept in the window manifest. */
  sha256: string;
  /**
   * Records of the part a SIEM API refused for their content (`RequestRefusedError`), as index ranges
   * `[start, end)` of the batch with the API's reason: not delivered — the runner dead-letters them and
   * the stream goes on. Every write of the same part answers the same ranges.
   */
  refused?: readonly { start: number; end: number; reason: string }[] | undefined;
  /**
   * Fields the destination does not declare (a SIEM table's columns), per field, with how many records
   * carried them: counted and reported as schema drift like the source's own.
   */
  drift?: readonly (FieldDrift & { records: number })[] | undefined;
}

export interface Sink {
  readonly type: string;
  /**
   * Stores the batch as a new part, create-only: a part is never rewritten, since SIEM feeds ingest an
   * object again when it is modified. When the part already exists with identical content the write is
   * acknowledged (`created: false`); with different content it throws `PartExistsError`.
   */
  write(batch: Batch): Promise<Receipt>;
  /**
   * Reads a stored part back, or undefined when it does not exist: the runner adopts a part a killed
   * run wrote but never recorded (its records count as delivered).
   */
  readPart(part: PartName): Promise<JsonRecord[] | undefined>;
  /**
   * For a sink that cannot read records back (a SIEM API): the digests of the records a part delivered
   * — all of a complete part, those of the requests accepted of a part a killed run left half-sent — or
   * undefined when it delivered none. The runner prefers it to `readPart` for `records` parts. With the
   * runner's `fence`, a request found claimed and unanswered (a killed or overtaken run's, maybe
   * accepted) is first sent again as its frozen body, byte-identical, and counted as possibly duplicated.
   */
  readPartDigests?(part: PartName, fence?: DeliveryFence): Promise<string[] | undefined>;
  /**
   * Why the sink cannot take this record (one record over an API's request limit), or undefined. The
   * runner dead-letters a refused record with the reason and delivers the rest.
   */
  refuse?(record: JsonRecord): string | undefined;
  /**
   * Every stored dead-letter part (`ctxsiem deadletter list|replay`), in key order. Reads names only;
   * a key under the dead-letter prefix that is not a part's name is left out.
   */
  listDeadLetters(): AsyncIterable<ListedPart>;
  /** A real probe that mimics a write (write and delete a small object). Throws with a clear reason. */
  check(): Promise<string>;
  close(): Promise<void>;
}

export type SinkFactory<Config> = (config: Config, deps: ConnectorDeps) => Sink;

/**
 * The window a runner claimed and is delivering: `[position, to)`. It is committed before the first
 * part is written, so a successor resumes the same window with the same part numbering.
 */
export interface ClaimedWindow {
  /** End of the claimed window. */
  to: string;
  /** The next part number. */
  seq: number;
  /** Resume token inside the range being read (`''`: from the range's start). */
  resume: string;
  /** The range being read, after query-timeout splits (default: the whole window). */
  readFrom?: string | undefined;
  readTo?: string | undefined;
}

/** Who holds a stream: the runner that may write its parts until `expiresAt`. */
export interface StreamLease {
  owner: string;
  expiresAt: string;
}

/** A closed window the reconcile pass will check again for late records, at `at`. */
export interface ReconcileEntry {
  from: string;
  to: string;
  /** Checks done so far. */
  checks: number;
  at: string;
  /**
   * A count-only audit instead of a check: the records the window delivered when it was last looked at
   * (its last check, or a catch-up read past the horizon). At `at` the API's count is compared with it
   * once: what is more arrived later than the horizon — reported (`beyondHorizon`), not delivered.
   */
  audit?: number | undefined;
  /**
   * The check re-reads the window whatever the API's count says: its read was continued from a stored
   * resume token (an offset-paged read may have stepped over rows that stayed, which a count cannot see).
   */
  reread?: boolean | undefined;
  /** Failed tries of this check (a re-read or count that could not finish): the window is unverified. */
  unverified?: number | undefined;
}

/** What a checkpoint holds for one stream. */
export interface StreamState {
  /** Everything before this instant has been delivered. */
  position: string;
  /** Where the stream's first run started: a backfill fills the time before it, never after. */
  origin?: string | undefined;
  /** A backfill's end: its windows stop here. */
  until?: string | undefined;
  /** Set while a window is claimed: resume it instead of planning a new one. */
  window?: ClaimedWindow | undefined;
  /** Set while a runner works on the stream: others leave it alone until it expires. */
  lease?: StreamLease | undefined;
  /**
   * The epoch of the stream's last lease, kept after it is released: every run taking the stream holds
   * it with the next epoch. A SIEM API sink's ledger claims carry it, so a runner whose lease another
   * took over never sends a request a newer holder claimed.
   */
  leaseEpoch?: number | undefined;
  /** Closed windows within the reconcile horizon, with when each is next checked. */
  reconcile?: ReconcileEntry[] | undefined;
  /** How the last run that held the stream ended (`ctxsiem status`). */
  lastRun?: RunOutcome | undefined;
  /** The last run that failed, kept after later runs succeed. */
  lastFailure?: { at: string; error: string } | undefined;
  updatedAt?: string;
}

/** How a run that held a stream ended. */
export interface RunOutcome {
  at: string;
  status: 'ok' | 'partial' | 'idle' | 'failed';
  records: number;
  error?: string | undefined;
  /** Records the run sent again to a SIEM API after a request whose answer was lost (`StreamSummary`). */
  possiblyDuplicated?: number | undefined;
}

/** A JSON document stored beside the checkpoints, with conditional writes like them. */
export interface DocumentStore {
  read(key: string): Promise<{ document: JsonRecord; version: string } | undefined>;
  /** Writes only if the stored version still equals `ifVersion` (undefined = must not exist yet). */
  write(key: string, document: JsonRecord, ifVersion: string | undefined): Promise<string>;
  delete(key: string): Promise<void>;
  /** Keys starting with `prefix`, sorted. */
  list(prefix?: string): Promise<string[]>;
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
  /** Lists keys under a prefix (`ctxsiem state show`); never manifest keys. */
  list(prefix?: string): Promise<string[]>;
  /**
   * Window manifests, one per window at `manifestKey(checkpoint key, window start)`: kept apart from
   * the checkpoints (`_manifests/` beside them), with the same conditional writes.
   */
  readonly manifests: DocumentStore;
}

/** Checkpoint key for one stream: tenant × source × stream. */
export function checkpointKey(tenant: string, source: string, stream: string): string {
  return `${tenant}/${source}/${stream}`;
}

/** Manifest key of the window starting at `from` of the stream at `checkpointKey`. */
export function manifestKey(streamKey: string, from: Date): string {
  return `${streamKey}/${from.toISOString().replaceAll(':', '')}`;
}
