/**
 * Partition batches: gathers the messages of each partition this member owns into the partition's
 * next batch, from where its delivery resumes (the committed offset) in offset order, and cuts the
 * batch by count, bytes or age (the flush policy) — or exactly at the last offset of a claim an earlier
 * member left. A cut batch joins its partition's chain: batches of one partition are delivered one
 * after another, partitions side by side. What is gathered before a rebalance, away from where
 * delivery resumes, or read again by a rewind is dropped (counted), never delivered; offsets skipped
 * because the log's start moved past them are reported as expired.
 */
import type { Clock } from '../clock/clock.ts';
import { type LogMessage, type PartitionPosition, resumeOffset } from '../contracts/stream-source.ts';
import type { Logger } from '../logging/logger.ts';
import type { ConsumeTally } from './consume-summary.ts';
import type { GroupMember } from './group-membership.ts';
import type { HeldClaim, PartitionClaims } from './partition-claims.ts';

/** When a partition's gathered messages are cut into a batch. */
export interface FlushPolicy {
  /** Messages in a batch, at most. */
  records: number;
  /** Bytes of message values in a batch, at most. */
  bytes: number;
  /** How long the first message of a batch waits for the batch to fill. */
  ms: number;
}

export const DEFAULT_FLUSH: FlushPolicy = { records: 5_000, bytes: 4 * 1024 * 1024, ms: 5_000 };

/** What this member holds of one partition in the current generation. */
export interface PartitionState {
  generation: number;
  /** Where delivery resumes: nothing before it is accepted. */
  expected: number;
  /** When `expected` was last asked for (it is asked again while messages arrive elsewhere). */
  expectedAt: number;
  /** When the log's start was last asked for because offsets were skipped. */
  gapCheckedAt: number;
  /** The offset after the last message accepted (undefined: none yet). */
  next: number | undefined;
  messages: LogMessage[];
  bytes: number;
  /** When the oldest gathered message arrived. */
  since: number;
  /** Set while the first batch must end exactly here (a claim left by an earlier member). */
  cutAt: number | undefined;
  held: HeldClaim;
  /** The delivery of the previous batch: batches of one partition go one after another. */
  chain: Promise<void>;
}

export const valueBytes = (message: LogMessage) => message.value?.byteLength ?? 0;

/** How often a partition's resume offset is asked again while its messages are not the expected one. */
const REASK_MS = 500;

export interface PartitionBatchesOptions {
  member: GroupMember;
  claims: PartitionClaims;
  flush: FlushPolicy;
  tally: ConsumeTally;
  clock: Clock;
  logger: Logger;
  /** Claims, writes and commits one cut batch, in its partition's turn. */
  deliver(state: PartitionState, partition: number, messages: LogMessage[]): Promise<void>;
}

export class PartitionBatches {
  /** Deliveries under way, across partitions. */
  readonly inFlight = new Set<Promise<void>>();
  readonly #states = new Map<number, PartitionState>();
  readonly #options: PartitionBatchesOptions;

  constructor(options: PartitionBatchesOptions) {
    this.#options = options;
  }

  /** Whether anything of the partition is held in this generation. */
  has(partition: number): boolean {
    return this.#states.has(partition);
  }

  /** Until every delivery under way has ended. */
  async settled(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  /**
   * Forgets every partition (the member rejoins): what was gathered is dropped, never committed, and
   * read again from the commits.
   */
  dropAll(): void {
    for (const state of this.#states.values())
      this.#options.tally.summary.droppedRevoked += state.messages.length;
    this.#states.clear();
  }

  /**
   * Takes a message into its partition's batch: at once when it is the one after the last taken (the
   * usual case, kept free of awaits), otherwise after checking where the partition stands.
   */
  accept(message: LogMessage): Promise<void> | undefined {
    const { consumer } = this.#options.member;
    const state = this.#states.get(message.partition);
    if (
      state?.next === message.offset &&
      state.generation === consumer.generation &&
      consumer.owns(message.partition)
    ) {
      this.#take(message.partition, state, message);
      return undefined;
    }
    return this.#acceptChecked(message);
  }

  /** Cuts every batch that waited long enough (all of them when `all`), except a claimed one not yet complete. */
  flushAged(all: boolean): void {
    const now = this.#options.clock.now();
    for (const [partition, state] of this.#states) {
      if (state.cutAt !== undefined) continue;
      if (all || now - state.since >= this.#options.flush.ms) this.#flush(partition, state);
    }
  }

  async #acceptChecked(message: LogMessage): Promise<void> {
    const { member, tally, clock } = this.#options;
    const summary = tally.summary;
    const { partition } = message;
    if (!member.consumer.owns(partition)) {
      summary.droppedRevoked++;
      return;
    }
    let state = await this.#stateOf(partition);
    if (state.next !== undefined && message.offset < state.next) {
      // The consumer went back (a rejoin re-reads from the committed offset): start the partition over.
      this.#states.delete(partition);
      summary.droppedRevoked += state.messages.length;
      state = await this.#stateOf(partition);
    }
    if (state.next === undefined && message.offset !== state.expected) {
      // A commit that landed after `expected` was read moves where the client resumes: ask again.
      if (message.offset > state.expected && clock.now() - state.expectedAt >= REASK_MS) {
        state.expected = resumeOffset(await member.consumer.position(partition));
        state.expectedAt = clock.now();
      }
      if (message.offset !== state.expected) {
        // Buffered before a rebalance, away from where delivery resumes: the re-read brings it again.
        summary.droppedRevoked++;
        return;
      }
    }
    // One skipped offset is a transaction marker; more may be retention deleting them.
    if (state.next !== undefined && message.offset > state.next + 1)
      await this.#checkGap(partition, state, message.offset);
    this.#take(partition, state, message);
  }

  #take(partition: number, state: PartitionState, message: LogMessage): void {
    const { clock, flush } = this.#options;
    if (state.messages.length === 0) state.since = clock.now();
    state.messages.push(message);
    state.bytes += valueBytes(message);
    state.next = message.offset + 1;
    const full =
      state.cutAt !== undefined
        ? message.offset >= state.cutAt
        : state.messages.length >= flush.records || state.bytes >= flush.bytes;
    if (full) this.#flush(partition, state);
  }

  #flush(partition: number, state: PartitionState): void {
    if (state.messages.length === 0) return;
    const messages = state.messages;
    state.messages = [];
    state.bytes = 0;
    state.cutAt = undefined;
    const task = state.chain.then(() => this.#options.deliver(state, partition, messages));
    const tracked = task.catch((error: unknown) => this.#options.member.fail(error));
    state.chain = tracked;
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  async #stateOf(partition: number): Promise<PartitionState> {
    const { member, claims, tally, clock, logger } = this.#options;
    const { consumer } = member;
    const current = this.#states.get(partition);
    if (current && current.generation === consumer.generation) return current;
    // A new generation (or a first sight): what was gathered before is dropped, not delivered.
    if (current) tally.summary.droppedRevoked += current.messages.length;
    const generation = consumer.generation;
    const [position, held] = await Promise.all([consumer.position(partition), claims.read(partition)]);
    const expected = resumeOffset(position);
    if (position.committed >= 0 && position.committed < position.start)
      tally.expire(partition, position.committed, position.start - 1);
    const state: PartitionState = {
      generation,
      expected,
      expectedAt: clock.now(),
      gapCheckedAt: 0,
      next: undefined,
      messages: [],
      bytes: 0,
      since: clock.now(),
      cutAt: held.claim && held.claim.first === expected ? held.claim.last : undefined,
      held,
      chain: current?.chain ?? Promise.resolve(),
    };
    if (state.cutAt !== undefined)
      logger.info(
        { partition, first: expected, last: state.cutAt },
        'resuming a claimed batch: its parts are written again where missing and acknowledged where present',
      );
    this.#states.set(partition, state);
    return state;
  }

  /**
   * A message further on than the next one expected: offsets in between are normal (transaction
   * markers, compaction) unless the log's start moved past them, which is retention deleting them.
   */
  async #checkGap(partition: number, state: PartitionState, offset: number): Promise<void> {
    const { member, tally, clock } = this.#options;
    if (clock.now() - state.gapCheckedAt < REASK_MS) return;
    state.gapCheckedAt = clock.now();
    const position: PartitionPosition = await member.consumer.position(partition);
    if (position.start > state.next!)
      tally.expire(partition, state.next!, Math.min(position.start, offset) - 1);
  }
}
