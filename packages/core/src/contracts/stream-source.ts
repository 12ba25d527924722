/**
 * The stream source contract: a partitioned log consumed by a consumer group (a Kafka topic), each
 * message routed to a stream or a dead letter; its position is the group's committed offsets, moved
 * only after the sink acknowledged (`consume()`).
 */
import type { CheckResult } from './pull-source.ts';
import type { Column, FieldDrift, JsonRecord } from './records.ts';

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
 * A source's `route` as a worker thread loads it: an ES module whose export `createRoute`, called with
 * `args` (structured-cloneable), returns the same function as the source's `route`.
 */
export interface RoutingModule {
  /** The module's file URL (it must exist as a file: a bundled application has none, and routes in-thread). */
  url: string;
  args: readonly unknown[];
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
  /**
   * Worker threads that parse, check and encode messages off the consuming thread, when the source
   * declares its `routing` and the sink takes encoded parts (`writeEncoded`): `auto` is one per core
   * beyond the first (at least one, at most four); 0 routes on the consuming thread.
   */
  routingWorkers?: number | 'auto' | undefined;
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
  /**
   * Where `route` can be loaded again in a worker thread, so that messages are parsed, checked and
   * encoded off the consuming thread (`consume`'s routing workers): absent, they are routed on it.
   */
  readonly routing?: RoutingModule | undefined;
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
