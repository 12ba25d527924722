/**
 * Drives a stream source (a Kafka consumer group member) into a sink, so that each message reaches the
 * sink once, and its offset is committed only after the sink acknowledged it:
 *
 * 1. Messages are gathered per partition and cut into batches by count, bytes or age.
 * 2. A batch is **claimed** before anything is written: its first and last offsets, in the
 *    partition's claim document (a conditional write).
 * 3. Its messages are routed (each event type is a stream; what cannot be parsed or fails its schema
 *    becomes a dead letter with the reason) and written as create-only parts named by tenant, source,
 *    stream, partition and first offset. Routing — parsing, checks, encoding — runs in worker threads
 *    when the source and the sink allow it (`routing-workers.ts`), off the thread that consumes.
 * 4. Only then is `last + 1` committed to the group.
 *
 * A member killed between 3 and 4 leaves the claim behind. Whoever resumes the partition (itself after
 * a restart, or another member after a rebalance) starts at the committed offset, finds the claim, cuts
 * its first batch at the same offset and writes the same parts: the sink acknowledges them as existing
 * (`created: false`) — delivered once, reported as `alreadyDelivered`.
 *
 * Partitions are delivered one batch at a time each (claims follow commits), side by side across
 * partitions up to `maxInFlight`. A message from a partition this member no longer owns is dropped,
 * and a delivery that outlived its group generation does not commit.
 *
 * This file wires the parts and drains on stop: gathering and cutting (`partition-batches.ts`),
 * claiming and committing (`partition-commits.ts`, `partition-claims.ts`), routing and writing
 * (`batch-writer.ts`), the consumer loop with rejoins and stall detection (`group-membership.ts`), and
 * the summary (`consume-summary.ts`).
 */

import type { Clock } from '../clock/clock.ts';
import type { Sink } from '../contracts/sink.ts';
import type { StreamSource } from '../contracts/stream-source.ts';
import { describeError } from '../errors/errors.ts';
import type { Logger } from '../logging/logger.ts';
import { BatchWriter } from './batch-writer.ts';
import { type ConsumeObserver, type ConsumeSummary, ConsumeTally } from './consume-summary.ts';
import { GroupMember } from './group-membership.ts';
import { DEFAULT_FLUSH, type FlushPolicy, PartitionBatches } from './partition-batches.ts';
import { PartitionClaims } from './partition-claims.ts';
import { PartitionCommits } from './partition-commits.ts';
import { RoutingWorkers } from './routing-workers.ts';

export interface ConsumeOptions {
  source: StreamSource;
  sink: Sink;
  /** Where partitions' claims are kept: the checkpoint store's documents. */
  claims: ConstructorParameters<typeof PartitionClaims>[0];
  logger: Logger;
  clock: Clock;
  flush?: Partial<FlushPolicy> | undefined;
  /** Batches being delivered at once, across partitions. */
  maxInFlight?: number | undefined;
  /** Stop after this long (one-shot runs): what was read is delivered and committed first. */
  budgetMs?: number | undefined;
  /**
   * Stop once every owned partition is delivered and committed to its end, checked after `idleMs`
   * without a message (one-shot runs). Without it, consumption goes on until the budget or the signal.
   */
  untilCaughtUp?: boolean | undefined;
  idleMs?: number | undefined;
  /**
   * In a run `untilCaughtUp`: give up, as failed, when partitions are behind and no batch was committed
   * for this long (a partition that cannot be read past some offset), instead of waiting forever.
   */
  stallMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Observers of a long consumption (a daemon's metrics and readiness). */
  observe?: ConsumeObserver | undefined;
  /** Worker threads routing and encoding batches (`ConsumptionSettings.routingWorkers`; default `auto`). */
  routingWorkers?: number | 'auto' | undefined;
}

export async function consume(options: ConsumeOptions): Promise<ConsumeSummary> {
  const { source, sink, logger, clock } = options;
  const flush = { ...DEFAULT_FLUSH, ...options.flush };
  const maxInFlight = options.maxInFlight ?? 4;
  const idleMs = options.idleMs ?? 3_000;
  const stallMs = options.stallMs ?? 120_000;
  const claims = new PartitionClaims(options.claims, `${source.tenant}/${source.type}/${source.log}`);
  const startedAt = clock.now();
  const tally = new ConsumeTally(source, sink, startedAt, logger);
  const summary = tally.summary;

  const controller = new AbortController();
  const signal = controller.signal;
  const member = new GroupMember(await source.open(signal), {
    source,
    signal,
    tally,
    clock,
    logger,
    idleMs,
    stallMs,
  });
  const onAbort = () => member.stop('signal');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) member.stop('signal');

  // Routing off this thread needs a sink that stores encoded parts and refuses no record.
  const workers =
    sink.writeEncoded && !sink.refuse
      ? RoutingWorkers.start({
          routing: source.routing,
          workers: options.routingWorkers,
          tenant: source.tenant,
          tenantField: source.tenantField,
          logger,
        })
      : undefined;
  const writer = new BatchWriter({ source, sink, tally, logger, observe: options.observe, workers });
  const commits = new PartitionCommits({ member, claims, writer, tally, clock, logger });
  const batches = new PartitionBatches({
    member,
    claims,
    flush,
    tally,
    clock,
    logger,
    deliver: (state, partition, messages) => commits.deliver(state, partition, messages),
  });

  const deadline = options.budgetMs === undefined ? undefined : startedAt + options.budgetMs;
  const observeLag = options.observe?.lag;
  let lagObservedAt = Number.NEGATIVE_INFINITY;
  const tick = setInterval(
    () => {
      if (deadline !== undefined && clock.now() >= deadline) member.stop('budget');
      if (observeLag && clock.now() - lagObservedAt >= (options.observe?.lagEveryMs ?? 15_000)) {
        lagObservedAt = clock.now();
        member.consumer.lag().then(observeLag, () => undefined);
      }
      batches.flushAged(false);
      const now = clock.now();
      if (
        options.untilCaughtUp &&
        (now - member.lastMessageAt >= idleMs || now - member.lastCommitAt >= stallMs)
      )
        member.checkCaughtUp(batches).catch((error: unknown) => member.fail(error));
    },
    Math.max(50, Math.min(flush.ms, idleMs) / 4),
  );

  try {
    await member.consume(batches, maxInFlight);
    // Drain: deliver what was gathered (a claimed batch only when complete), then commit.
    if (member.stopping !== 'failed') batches.flushAged(true);
    await batches.settled();
    summary.partitions = await member.consumer.lag().catch(() => []);
  } catch (error) {
    member.failure ??= error;
  } finally {
    clearInterval(tick);
    options.signal?.removeEventListener('abort', onAbort);
    controller.abort();
    await workers?.close();
    await member.consumer.close().catch((error: unknown) => {
      logger.warn({ err: describeError(error) }, 'the consumer did not close cleanly');
    });
  }
  return tally.finish(member.stopping, member.failure, clock.now());
}
