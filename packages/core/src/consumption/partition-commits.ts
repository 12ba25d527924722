/**
 * Partition commits: delivers a cut batch in its partition's turn. The batch is claimed first (its
 * first and last offsets in the partition's claim, `partition-claims.ts`, a conditional write); a claim
 * another member wrote meanwhile from the same offset is followed, its batch cut where it cut. Then the
 * batch is written, and `last + 1` committed — only while this member still owns the partition in the
 * same generation, a refused commit retried while it does. A delivery that outlived its generation
 * commits nothing: the partition's next owner finds the claim and writes the same parts.
 */
import type { Clock } from '../clock/clock.ts';
import type { LogMessage } from '../contracts/stream-source.ts';
import { CheckpointConflictError, describeError } from '../errors/errors.ts';
import type { Logger } from '../logging/logger.ts';
import { abortableSleep, backoffDelayMs } from '../retry/retry-policy.ts';
import type { BatchWriter } from './batch-writer.ts';
import type { ConsumeTally } from './consume-summary.ts';
import type { GroupMember } from './group-membership.ts';
import { type PartitionState, valueBytes } from './partition-batches.ts';
import type { PartitionClaims } from './partition-claims.ts';

/** Commit attempts before a delivery fails (a commit refused during a rebalance is not retried). */
const COMMIT_ATTEMPTS = 4;

export interface PartitionCommitsOptions {
  member: GroupMember;
  claims: PartitionClaims;
  writer: BatchWriter;
  tally: ConsumeTally;
  clock: Clock;
  logger: Logger;
}

export class PartitionCommits {
  readonly #options: PartitionCommitsOptions;

  constructor(options: PartitionCommitsOptions) {
    this.#options = options;
  }

  /** Claims, writes and commits one batch of a partition (called in the partition's turn). */
  async deliver(state: PartitionState, partition: number, messages: LogMessage[]): Promise<void> {
    const { member, claims, writer, tally, clock, logger } = this.#options;
    if (member.consumer.generation !== state.generation || !member.consumer.owns(partition)) {
      tally.summary.droppedRevoked += messages.length;
      return;
    }
    let batch = messages;
    const first = batch[0]!.offset;
    const claim = { first, last: batch.at(-1)!.offset, claimedAt: new Date(clock.now()).toISOString() };
    try {
      state.held = await claims.write(partition, state.held, claim);
    } catch (error) {
      if (!(error instanceof CheckpointConflictError)) throw error;
      // Another member wrote the claim since it was read: the partition's owner before a rebalance,
      // whose delivery outlived its ownership. Its batch may already be stored: cut where it cut.
      state.held = await claims.read(partition);
      const theirs = state.held.claim;
      if (theirs?.first !== first)
        throw new Error(
          `partition ${partition} of ${tally.summary.log} was claimed by another consumer (offsets ${theirs?.first}–${theirs?.last}) while this one held it; nothing was committed, the next run resumes from the committed offset`,
        );
      const gathered = [...batch, ...state.messages];
      batch = gathered.filter((message) => message.offset <= theirs.last);
      const rest = gathered.filter((message) => message.offset > theirs.last);
      if (batch.at(-1)!.offset < theirs.last) {
        // Their batch is longer than what is here: gather up to its end, then deliver it (take cuts).
        state.messages = gathered;
        state.bytes = gathered.reduce((sum, message) => sum + valueBytes(message), 0);
        state.cutAt = theirs.last;
        logger.info(
          { partition, first, last: theirs.last },
          'another member claimed a longer batch while this one held the partition: following its cut',
        );
        return;
      }
      state.messages = rest;
      state.bytes = rest.reduce((sum, message) => sum + valueBytes(message), 0);
    }
    await writer.write(partition, batch);
    if (member.consumer.generation !== state.generation || !member.consumer.owns(partition)) {
      logger.info(
        { partition, first, last: batch.at(-1)!.offset },
        'the partition was revoked while its batch was delivered: not committing (its next owner finds the claim)',
      );
      return;
    }
    await this.#commit(state, partition, batch.at(-1)!.offset + 1);
    member.committed();
  }

  /**
   * Commits, retrying a refused commit while this member still owns the partition in the same
   * generation; a commit refused because the group moved on is left to the partition's next owner.
   */
  async #commit(state: PartitionState, partition: number, next: number): Promise<void> {
    const { member, logger } = this.#options;
    for (let attempt = 1; ; attempt++) {
      try {
        await member.consumer.commit(partition, next);
        return;
      } catch (error) {
        if (member.consumer.generation !== state.generation || !member.consumer.owns(partition)) {
          logger.info(
            { partition, next, err: describeError(error) },
            'the group rebalanced before the commit: its next owner finds the claim',
          );
          return;
        }
        if (attempt >= COMMIT_ATTEMPTS) throw error;
        await abortableSleep(backoffDelayMs(attempt, { baseMs: 200, maxMs: 2_000 }));
      }
    }
  }
}
