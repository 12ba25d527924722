/**
 * Group membership: this member's consumer and why it stops, the loop taking its messages into
 * partition batches (no more batches in flight than allowed), leaving and joining the group again
 * when the consumer fails — from the committed offsets, while rejoins help — and, for one-shot runs,
 * when it caught up (every partition committed to its end, or another member's still moving) or
 * stalled (partitions behind with nothing committed for `stallMs`: failed, offsets kept).
 */
import type { Clock } from '../clock/clock.ts';
import type { LogConsumer, PartitionLag, StreamSource } from '../contracts/stream-source.ts';
import { describeError } from '../errors/errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { ConsumeStop, ConsumeTally } from './consume-summary.ts';
import type { PartitionBatches } from './partition-batches.ts';

/** How many times in a row, without a commit between, a run leaves and rejoins the group. */
const MAX_REJOINS = 3;

export interface GroupMemberOptions {
  source: StreamSource;
  /** Ends the consumers this member opens. */
  signal: AbortSignal;
  tally: ConsumeTally;
  clock: Clock;
  logger: Logger;
  idleMs: number;
  stallMs: number;
}

export class GroupMember {
  /** The consumer of this membership; another after a rejoin. */
  consumer: LogConsumer;
  /** Why consumption stops, once it does. */
  stopping: ConsumeStop | undefined;
  /** The first failure: the consumption failed. */
  failure: unknown;
  lastMessageAt: number;
  lastCommitAt: number;
  readonly #options: GroupMemberOptions;
  #failedRejoins = 0;
  #committedSinceRejoin = true;
  #checkingIdle = false;
  /** Committed offsets of partitions another member owns, as last seen: one that moves is consumed. */
  readonly #othersCommitted = new Map<number, number>();

  constructor(consumer: LogConsumer, options: GroupMemberOptions) {
    this.consumer = consumer;
    this.#options = options;
    this.lastMessageAt = options.clock.now();
    this.lastCommitAt = options.clock.now();
  }

  stop(why: ConsumeStop): void {
    if (this.stopping) return;
    this.stopping = why;
    void this.consumer.stop();
  }

  fail(error: unknown): void {
    this.failure ??= error;
    this.stop('failed');
  }

  /** A batch was committed: progress, for stall detection and rejoins. */
  committed(): void {
    this.lastCommitAt = this.#options.clock.now();
    this.#committedSinceRejoin = true;
  }

  /**
   * Takes the consumer's messages into `batches` until consumption stops, joining the group again
   * when the consumer fails (throws when that does not help, or the stream ended unasked).
   */
  async consume(batches: PartitionBatches, maxInFlight: number): Promise<void> {
    const { source, signal, tally, clock, logger } = this.#options;
    for (;;) {
      try {
        for await (const message of this.consumer.messages()) {
          this.lastMessageAt = clock.now();
          if (this.stopping) break;
          const checking = batches.accept(message);
          if (checking) await checking;
          while (batches.inFlight.size >= maxInFlight) await Promise.race(batches.inFlight);
        }
        if (this.stopping) return;
        throw new Error('its message stream ended');
      } catch (error) {
        // The client gave up fetching (a fetch the broker refused, a lost connection it could not
        // restore). Nothing was committed past what was delivered: join again, go on from the commits.
        if (this.stopping || !this.#mayRejoin()) throw error;
        // What was gathered is dropped (never committed: read again), what is being delivered finishes.
        await batches.settled();
        batches.dropAll();
        await this.consumer.close().catch(() => undefined);
        tally.summary.rejoins++;
        logger.warn(
          { rejoin: tally.summary.rejoins, log: source.log, err: describeError(error) },
          'the consumer failed: leaving the group and joining again',
        );
        this.#committedSinceRejoin = false;
        this.consumer = await source.open(signal);
        this.lastMessageAt = clock.now();
      }
    }
  }

  /**
   * One-shot runs: stops after a quiet spell when no partition is left to wait for (see `#waitingFor`),
   * and fails when some stay behind with nothing committed for `stallMs`.
   */
  async checkCaughtUp(batches: PartitionBatches): Promise<void> {
    if (this.#checkingIdle || this.stopping) return;
    const { clock, idleMs, stallMs } = this.#options;
    this.#checkingIdle = true;
    try {
      batches.flushAged(true);
      await batches.settled();
      const now = clock.now();
      const idle = now - this.lastMessageAt >= idleMs;
      const stalled = now - this.lastCommitAt >= stallMs;
      if (this.stopping || (!idle && !stalled)) return;
      const lag = await this.consumer.lag();
      await this.#settleExpired(lag, batches);
      const behind = this.#waitingFor(lag);
      if (behind.length === 0) {
        this.lastCommitAt = clock.now();
        if (idle) this.stop('caught-up');
        return;
      }
      if (stalled) {
        const where = behind.map(
          (p) =>
            `p${p.partition} at ${p.committed} of ${p.end}${p.owned ? '' : ' (held by another member that commits nothing)'}`,
        );
        this.fail(
          new Error(
            `no batch committed for ${Math.round(stallMs / 1000)} s while partitions are behind (${where.join(', ')}); offsets kept, the next run resumes there`,
          ),
        );
      }
    } finally {
      this.#checkingIdle = false;
    }
  }

  /** Rejoining is allowed while rejoins help: after progress, or up to MAX_REJOINS times in a row. */
  #mayRejoin(): boolean {
    this.#failedRejoins = this.#committedSinceRejoin ? 0 : this.#failedRejoins + 1;
    return this.#failedRejoins < MAX_REJOINS;
  }

  /**
   * A partition whose committed offset points at messages the log deleted, with nothing after them:
   * no message comes to report the loss, so it is reported here, and the position moved to the log's
   * start (there is nothing in between to deliver).
   */
  async #settleExpired(lag: PartitionLag[], batches: PartitionBatches): Promise<void> {
    for (const { partition, owned, committed, start, lag: behind } of lag) {
      if (!owned || committed < 0 || committed >= start || behind > 0 || batches.has(partition)) continue;
      this.#options.tally.expire(partition, committed, start - 1);
      await this.consumer.commit(partition, start);
    }
  }

  /**
   * The partitions a one-shot run still waits for: its own that are behind, and another member's that
   * are behind with commits standing still — a member killed without leaving holds its partitions
   * until its session ends, and the group then gives them to those left. Another member's partition
   * whose commits move is that member's to finish.
   */
  #waitingFor(lag: PartitionLag[]): PartitionLag[] {
    return lag.filter((p) => {
      if (p.lag === 0) return false;
      if (p.owned) return true;
      const before = this.#othersCommitted.get(p.partition);
      this.#othersCommitted.set(p.partition, p.committed);
      return before === undefined || p.committed <= before;
    });
  }
}
