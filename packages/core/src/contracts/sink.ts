/**
 * The sink contract: parts named by their identity, written create-only and acknowledged with a
 * receipt, read back (or their digests, for a SIEM API), dead letters listed, a real probe as check.
 */
import type { ConnectorDeps } from './connector-deps.ts';
import type { Column, FieldDrift, JsonRecord, Window } from './records.ts';

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

/**
 * A part whose records come encoded: their NDJSON lines (`encodeNdjson`'s encoding, uncompressed), made
 * off the consuming thread by whoever parsed and checked them (`consume`'s routing workers).
 */
export interface EncodedPart extends Omit<Batch, 'records' | 'digests' | 'fence'> {
  /** The records as NDJSON: one JSON text a line, `\n` after each. */
  ndjson: Uint8Array;
  /** How many records (lines) it holds. */
  count: number;
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
  possiblyDuplicated(records: number): void | Promise<void>;
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
   * For a sink that stores a part's NDJSON as it is (files, object stores): stores a part whose records
   * come encoded, with `write`'s contract (create-only, the same bytes for the same records, the same
   * receipt). `write` is this with the records encoded on the caller's thread. Absent on a sink that
   * needs the records themselves (a SIEM API): `consume` then routes on its own thread.
   */
  writeEncoded?(part: EncodedPart): Promise<Receipt>;
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
