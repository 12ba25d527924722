/**
 * Drives a stream source (a Kafka consumer group member) into a sink, so that each message reaches the
 * sink once, and its offset is committed only after the sink acknowledged it:
 *
 * 1. Messages are gathered per partition and cut into batches by count, bytes or age.
 * 2. A batch is **claimed** before anything is written: its first and last offsets, in the
 *    partition's claim document (a conditional write).
 * 3. Its messages are routed (each event type is a stream; what cannot be parsed or fails its schema
 *    becomes a dead letter with the reason) and written as create-only parts named by tenant, source,
 *    stream, partition and first offset.
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
 */

import type { Clock } from '../clock/clock.ts';
import type {
  Batch,
  JsonRecord,
  LogConsumer,
  LogMessage,
  PartitionLag,
  RoutedStream,
  Sink,
  StreamSource,
} from '../contracts/contracts.ts';
import { CheckpointConflictError, describeError } from '../errors/errors.ts';
import type { Logger } from '../logging/logger.ts';
import { recordDigest } from '../runner/record-digest.ts';
import { type HeldClaim, PartitionClaims } from './partition-claims.ts';

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
  signal?: AbortSignal | undefined;
}

export interface ConsumedStream {
  stream: string;
  records: number;
  deadLetters: number;
}

export type ConsumeStop = 'caught-up' | 'budget' | 'signal' | 'failed';

export interface ConsumeSummary {
  tenant: string;
  source: string;
  /** The topic. */
  log: string;
  sink: string;
  startedAt: string;
  durationMs: number;
  records: number;
  deadLetters: number;
  bytes: number;
  batches: number;
  /**
   * Records of batches delivered again after a member stopped between the sink's acknowledgement and
   * the commit: their parts existed, so the sink acknowledged them without storing them twice.
   */
  alreadyDelivered: number;
  /** Messages dropped because their partition had been revoked, or read again by a rewind. */
  droppedRevoked: number;
  streams: ConsumedStream[];
  partitions: PartitionLag[];
  deadLetterLocations: string[];
  stoppedBy: ConsumeStop;
  status: 'ok' | 'failed';
  error?: string;
}

/** What this member holds of one partition in the current generation. */
interface PartitionState {
  generation: number;
  /** Where delivery resumes: nothing before it is accepted. */
  expected: number;
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

const valueBytes = (message: LogMessage) => message.value?.byteLength ?? 0;

export async function consume(options: ConsumeOptions): Promise<ConsumeSummary> {
  const { source, sink, logger, clock } = options;
  const flush = { ...DEFAULT_FLUSH, ...options.flush };
  const maxInFlight = options.maxInFlight ?? 4;
  const idleMs = options.idleMs ?? 3_000;
  const claims = new PartitionClaims(options.claims, `${source.tenant}/${source.type}/${source.log}`);
  const streamsByName = new Map<string, RoutedStream>(source.streams.map((s) => [s.name, s]));
  const startedAt = clock.now();
  const summary: ConsumeSummary = {
    tenant: source.tenant,
    source: source.type,
    log: source.log,
    sink: sink.type,
    startedAt: new Date(startedAt).toISOString(),
    durationMs: 0,
    records: 0,
    deadLetters: 0,
    bytes: 0,
    batches: 0,
    alreadyDelivered: 0,
    droppedRevoked: 0,
    streams: [],
    partitions: [],
    deadLetterLocations: [],
    stoppedBy: 'signal',
    status: 'ok',
  };
  const perStream = new Map<string, ConsumedStream>();
  const counted = (stream: string) => {
    const entry = perStream.get(stream) ?? { stream, records: 0, deadLetters: 0 };
    perStream.set(stream, entry);
    return entry;
  };

  const controller = new AbortController();
  const consumer: LogConsumer = await source.open(controller.signal);
  const states = new Map<number, PartitionState>();
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let stopping: ConsumeStop | undefined;
  let lastMessageAt = clock.now();

  const stop = (why: ConsumeStop) => {
    if (stopping) return;
    stopping = why;
    void consumer.stop();
  };
  const onAbort = () => stop('signal');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stop('signal');

  /** Writes one routed group of a batch as a part; returns the records it newly stored. */
  async function writePart(batch: Batch, stream: string): Promise<void> {
    const receipt = await sink.write(batch);
    const entry = counted(stream);
    if (!receipt.created) {
      summary.alreadyDelivered += batch.records.length;
      return;
    }
    summary.bytes += receipt.bytes;
    if (batch.kind === 'records') {
      summary.records += batch.records.length;
      entry.records += batch.records.length;
    } else {
      summary.deadLetters += batch.records.length;
      entry.deadLetters += batch.records.length;
      summary.deadLetterLocations.push(receipt.location);
    }
  }

  /** Routes a batch's messages into parts and writes them. */
  async function writeBatch(partition: number, messages: LogMessage[]): Promise<void> {
    const first = messages[0]!;
    const last = messages.at(-1)!;
    const groups = new Map<
      string,
      { stream: string; kind: Batch['kind']; records: JsonRecord[]; digests: string[] }
    >();
    for (const message of messages) {
      const routed = source.route(message);
      const stream = streamsByName.get(routed.stream);
      const tagged = source.tenantField
        ? { ...routed.record, [source.tenantField]: source.tenant }
        : routed.record;
      const reason = routed.reason ?? sink.refuse?.(tagged);
      const kind: Batch['kind'] = reason === undefined ? 'records' : 'deadletter';
      const record =
        reason === undefined
          ? tagged
          : { reason, stream: routed.stream, tenant: source.tenant, record: routed.record };
      const key = `${kind}/${routed.stream}`;
      const group = groups.get(key) ?? { stream: routed.stream, kind, records: [], digests: [] };
      groups.set(key, group);
      group.records.push(record);
      group.digests.push(recordDigest(stream?.identity ? stream.identity(routed.record) : routed.record));
    }
    const window = { from: first.timestamp, to: new Date(last.timestamp.getTime() + 1) };
    for (const group of groups.values())
      await writePart(
        {
          tenant: source.tenant,
          source: source.type,
          stream: group.stream,
          window,
          seq: first.offset,
          partition,
          kind: group.kind,
          records: group.records,
          digests: group.digests,
          timeField: streamsByName.get(group.stream)?.timeField,
        },
        group.stream,
      );
    summary.batches++;
  }

  /** Claims, writes and commits one batch of a partition (called in the partition's turn). */
  async function deliver(state: PartitionState, partition: number, messages: LogMessage[]): Promise<void> {
    if (consumer.generation !== state.generation || !consumer.owns(partition)) {
      summary.droppedRevoked += messages.length;
      return;
    }
    let batch = messages;
    const first = batch[0]!.offset;
    const claim = { first, last: batch.at(-1)!.offset, claimedAt: new Date(clock.now()).toISOString() };
    try {
      state.held = await claims.write(partition, state.held, claim);
    } catch (error) {
      if (!(error instanceof CheckpointConflictError)) throw error;
      // Another member wrote the claim since it was read: follow its cut, or give the partition up.
      state.held = await claims.read(partition);
      const theirs = state.held.claim;
      if (theirs?.first !== first || theirs.last > claim.last)
        throw new Error(
          `partition ${partition} of ${source.log} was claimed by another consumer (offsets ${theirs?.first}–${theirs?.last}) while this one held it; nothing was committed, the next run resumes from the committed offset`,
        );
      const rest = batch.filter((message) => message.offset > theirs.last);
      batch = batch.filter((message) => message.offset <= theirs.last);
      state.messages.unshift(...rest);
      state.bytes += rest.reduce((sum, message) => sum + valueBytes(message), 0);
    }
    await writeBatch(partition, batch);
    if (consumer.generation !== state.generation || !consumer.owns(partition)) {
      logger.info(
        { partition, first, last: batch.at(-1)!.offset },
        'the partition was revoked while its batch was delivered: not committing (its next owner finds the claim)',
      );
      return;
    }
    await consumer.commit(partition, batch.at(-1)!.offset + 1);
  }

  function flushPartition(partition: number, state: PartitionState): void {
    if (state.messages.length === 0) return;
    const messages = state.messages;
    state.messages = [];
    state.bytes = 0;
    state.cutAt = undefined;
    const task = state.chain.then(() => deliver(state, partition, messages));
    const tracked = task.catch((error: unknown) => {
      failure ??= error;
      stop('failed');
    });
    state.chain = tracked;
    inFlight.add(tracked);
    void tracked.finally(() => inFlight.delete(tracked));
  }

  async function stateOf(partition: number): Promise<PartitionState> {
    const current = states.get(partition);
    if (current && current.generation === consumer.generation) return current;
    // A new generation (or a first sight): what was gathered before is dropped, not delivered.
    if (current) summary.droppedRevoked += current.messages.length;
    const generation = consumer.generation;
    const [expected, held] = await Promise.all([consumer.startOf(partition), claims.read(partition)]);
    const state: PartitionState = {
      generation,
      expected,
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
    states.set(partition, state);
    return state;
  }

  /** Takes a message into its partition's batch; false when it is dropped. */
  async function accept(message: LogMessage): Promise<void> {
    const { partition } = message;
    if (!consumer.owns(partition)) {
      summary.droppedRevoked++;
      return;
    }
    let state = await stateOf(partition);
    if (state.next !== undefined && message.offset < state.next) {
      // The consumer went back (a rejoin re-reads from the committed offset): start the partition over.
      states.delete(partition);
      summary.droppedRevoked += state.messages.length;
      state = await stateOf(partition);
    }
    if (state.next === undefined && message.offset !== state.expected) {
      // Buffered before a rebalance, ahead of where delivery resumes: the re-read brings it again.
      summary.droppedRevoked++;
      return;
    }
    if (state.messages.length === 0) state.since = clock.now();
    state.messages.push(message);
    state.bytes += valueBytes(message);
    state.next = message.offset + 1;
    const full =
      state.cutAt !== undefined
        ? message.offset >= state.cutAt
        : state.messages.length >= flush.records || state.bytes >= flush.bytes;
    if (full) flushPartition(partition, state);
  }

  /** Cuts every batch that waited long enough (all of them when `all`), except a claimed one not yet complete. */
  function flushAged(all: boolean): void {
    const now = clock.now();
    for (const [partition, state] of states) {
      if (state.cutAt !== undefined) continue;
      if (all || now - state.since >= flush.ms) flushPartition(partition, state);
    }
  }

  let checkingIdle = false;
  async function checkCaughtUp(): Promise<void> {
    if (checkingIdle || stopping) return;
    checkingIdle = true;
    try {
      flushAged(true);
      await Promise.all([...inFlight]);
      if (stopping || clock.now() - lastMessageAt < idleMs) return;
      const lag = await consumer.lag();
      if (lag.every((partition) => partition.lag === 0)) stop('caught-up');
    } finally {
      checkingIdle = false;
    }
  }

  const deadline = options.budgetMs === undefined ? undefined : startedAt + options.budgetMs;
  const tick = setInterval(
    () => {
      if (deadline !== undefined && clock.now() >= deadline) stop('budget');
      flushAged(false);
      if (options.untilCaughtUp && clock.now() - lastMessageAt >= idleMs)
        checkCaughtUp().catch((error: unknown) => {
          failure ??= error;
          stop('failed');
        });
    },
    Math.max(50, Math.min(flush.ms, idleMs) / 4),
  );

  try {
    if (!stopping)
      for await (const message of consumer.messages()) {
        lastMessageAt = clock.now();
        if (stopping) break;
        await accept(message);
        while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
      }
    // Drain: deliver what was gathered (a claimed batch only when complete), then commit.
    if (stopping !== 'failed') flushAged(true);
    await Promise.all([...inFlight]);
    summary.partitions = await consumer.lag().catch(() => []);
  } catch (error) {
    failure ??= error;
  } finally {
    clearInterval(tick);
    options.signal?.removeEventListener('abort', onAbort);
    controller.abort();
    await consumer.close().catch((error: unknown) => {
      logger.warn({ err: describeError(error) }, 'the consumer did not close cleanly');
    });
  }
  if (failure !== undefined) {
    summary.status = 'failed';
    summary.error = describeError(failure);
    summary.stoppedBy = 'failed';
  } else {
    summary.stoppedBy = stopping ?? 'caught-up';
  }
  summary.streams = [...perStream.values()].sort((a, b) => a.stream.localeCompare(b.stream));
  summary.durationMs = clock.now() - startedAt;
  return summary;
}
