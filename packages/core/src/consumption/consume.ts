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
import type { Column, FieldDrift, JsonRecord } from '../contracts/records.ts';
import { addDrift, type DriftCount } from '../contracts/schema-drift.ts';
import type { Batch, DeliveryFence, Sink } from '../contracts/sink.ts';
import type {
  LogConsumer,
  LogMessage,
  PartitionLag,
  PartitionPosition,
  RoutedStream,
  StreamSource,
} from '../contracts/stream-source.ts';
import { resumeOffset } from '../contracts/stream-source.ts';
import { UNFENCED } from '../delivery/delivery-ledger.ts';
import { recordDigest } from '../encoding/record-digest.ts';
import { CheckpointConflictError, describeError, PartExistsError } from '../errors/errors.ts';
import type { Logger } from '../logging/logger.ts';
import { abortableSleep, backoffDelayMs } from '../retry/retry-policy.ts';
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
  /**
   * In a run `untilCaughtUp`: give up, as failed, when partitions are behind and no batch was committed
   * for this long (a partition that cannot be read past some offset), instead of waiting forever.
   */
  stallMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Observers of a long consumption (a daemon's metrics and readiness). */
  observe?: ConsumeObserver | undefined;
}

export interface ConsumeObserver {
  /** After each part the sink acknowledged as new: its stream, kind and record count. */
  delivered?(stream: string, kind: Batch['kind'], records: number, bytes: number): void;
  /** Every `lagEveryMs` (default 15 s) while consuming, and once the member joined: where each partition stands. */
  lag?(partitions: PartitionLag[]): void;
  lagEveryMs?: number | undefined;
}

export interface ConsumedStream {
  stream: string;
  records: number;
  deadLetters: number;
  /** Fields delivered with a value the stream's model does not expect, per field and type. */
  drift?: DriftCount[];
}

export type ConsumeStop = 'caught-up' | 'budget' | 'signal' | 'failed';

/** Offsets of a partition the log deleted (its retention) before the group delivered them. */
export interface ExpiredRange {
  partition: number;
  first: number;
  last: number;
}

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
  /**
   * Records sent again to a SIEM API after a request of theirs may have been accepted (its answer lost
   * to a timeout, a reset or a 5xx; a stopped member's request found claimed): byte-identical resends
   * the API may hold twice, counted once per resend.
   */
  possiblyDuplicated: number;
  /** Messages dropped because their partition had been revoked, or read again by a rewind. */
  droppedRevoked: number;
  /** Times the member left and joined the group again because its consumer failed. */
  rejoins: number;
  /**
   * Messages lost at the source: deleted by the topic's retention before this group delivered them
   * (consumption fell further behind than the topic keeps). Reported, never silently skipped.
   */
  expired: ExpiredRange[];
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

const valueBytes = (message: LogMessage) => message.value?.byteLength ?? 0;

/** How often a partition's resume offset is asked again while its messages are not the expected one. */
const REASK_MS = 500;
/** How many times in a row, without a commit between, a run leaves and rejoins the group. */
const MAX_REJOINS = 3;
/** Commit attempts before a delivery fails (a commit refused during a rebalance is not retried). */
const COMMIT_ATTEMPTS = 4;

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
    possiblyDuplicated: 0,
    droppedRevoked: 0,
    rejoins: 0,
    expired: [],
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
  let consumer: LogConsumer = await source.open(controller.signal);
  const states = new Map<number, PartitionState>();
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let stopping: ConsumeStop | undefined;
  let lastMessageAt = clock.now();
  let lastCommitAt = clock.now();
  let failedRejoins = 0;
  let committedSinceRejoin = true;
  /** Rejoining is allowed while rejoins help: after progress, or up to MAX_REJOINS times in a row. */
  const mayRejoin = () => {
    failedRejoins = committedSinceRejoin ? 0 : failedRejoins + 1;
    return failedRejoins < MAX_REJOINS;
  };
  const stallMs = options.stallMs ?? 120_000;

  const stop = (why: ConsumeStop) => {
    if (stopping) return;
    stopping = why;
    void consumer.stop();
  };
  const onAbort = () => stop('signal');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stop('signal');

  /** A stream's columns and the tenant tag, handed to the sink with each part. */
  function columnsOf(stream: string): readonly Column[] | undefined {
    const columns = streamsByName.get(stream)?.columns;
    return (
      columns && [
        ...columns,
        ...(source.tenantField ? [{ name: source.tenantField, type: 'string' as const }] : []),
      ]
    );
  }

  /** Counts schema drift per stream; each field and type is logged once per run. */
  function countDrift(stream: string, drift: readonly (FieldDrift & { records?: number })[]): void {
    const entry = counted(stream);
    for (const item of drift) {
      const seen = entry.drift?.some(
        (c) => c.field === item.field && c.expected === item.expected && c.found === item.found,
      );
      if (!seen)
        logger.warn(
          { stream, field: item.field, expected: item.expected, found: item.found },
          `schema drift in ${stream}: ${item.field} holds ${item.found} where the model says ${item.expected}; delivered`,
        );
      entry.drift = addDrift(entry.drift ?? [], [item], item.records ?? 1);
    }
  }

  const fence: DeliveryFence = {
    ...UNFENCED,
    renew: async () => {},
    possiblyDuplicated: (records) => {
      summary.possiblyDuplicated += records;
    },
  };

  /** Writes one routed group of a batch as a part; returns the records it newly stored. */
  async function writePart(batch: Batch, stream: string): Promise<void> {
    // A SIEM API sink counts its resends through the fence; partitions are fenced by their claims.
    const receipt = await sink.write({ ...batch, fence }).catch((error: unknown) => {
      if (!(error instanceof PartExistsError)) throw error;
      // The part of these offsets exists with other content: an earlier run wrote it from the same
      // claimed offsets (the claim fixes where a batch starts and ends) and died before committing —
      // shaped otherwise by an earlier version or configuration. An object store's part exists only
      // whole: its messages are stored, and it is adopted. A SIEM API's ledger entry may hold requests
      // never sent, which cannot be rebuilt from other content: that stops the partition, saying why.
      if (sink.readPartDigests)
        throw new Error(
          `${error.message}: the delivery ledger holds a part of partition ${batch.partition} from offset ${batch.seq} that an earlier run began with other content (another version or configuration of ctxsiem) and did not finish; run the version and configuration that began it until the partition is past that batch`,
          { cause: error },
        );
      logger.warn(
        {
          location: error.location,
          partition: batch.partition,
          first: batch.seq,
          records: batch.records.length,
        },
        'a part of these offsets exists with other content (an earlier run wrote it from the same claim): adopting it as delivered',
      );
      return undefined;
    });
    const entry = counted(stream);
    if (!receipt?.created) {
      summary.alreadyDelivered += batch.records.length;
      return;
    }
    summary.bytes += receipt.bytes;
    if (batch.kind === 'records' && receipt.drift) countDrift(stream, receipt.drift);
    options.observe?.delivered?.(stream, batch.kind, batch.records.length, receipt.bytes);
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
      // Identity first: the digest is of the record as the source routed it, before the tenant tag.
      const digest = recordDigest(stream?.identity ? stream.identity(routed.record) : routed.record);
      let reason = routed.reason;
      if (reason === undefined) {
        // Tagged in place (the routed record is this call's own), then offered to the sink.
        if (source.tenantField) routed.record[source.tenantField] = source.tenant;
        reason = sink.refuse?.(routed.record);
      }
      if (reason === undefined && routed.drift) countDrift(routed.stream, routed.drift);
      const kind: Batch['kind'] = reason === undefined ? 'records' : 'deadletter';
      const record =
        reason === undefined
          ? routed.record
          : { reason, stream: routed.stream, tenant: source.tenant, record: routed.record };
      const key = `${kind}/${routed.stream}`;
      const group = groups.get(key) ?? { stream: routed.stream, kind, records: [], digests: [] };
      groups.set(key, group);
      group.records.push(record);
      group.digests.push(digest);
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
          columns: columnsOf(group.stream),
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
      // Another member wrote the claim since it was read: the partition's owner before a rebalance,
      // whose delivery outlived its ownership. Its batch may already be stored: cut where it cut.
      state.held = await claims.read(partition);
      const theirs = state.held.claim;
      if (theirs?.first !== first)
        throw new Error(
          `partition ${partition} of ${source.log} was claimed by another consumer (offsets ${theirs?.first}–${theirs?.last}) while this one held it; nothing was committed, the next run resumes from the committed offset`,
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
    await writeBatch(partition, batch);
    if (consumer.generation !== state.generation || !consumer.owns(partition)) {
      logger.info(
        { partition, first, last: batch.at(-1)!.offset },
        'the partition was revoked while its batch was delivered: not committing (its next owner finds the claim)',
      );
      return;
    }
    await commit(state, partition, batch.at(-1)!.offset + 1);
    lastCommitAt = clock.now();
    committedSinceRejoin = true;
  }

  /**
   * Commits, retrying a refused commit while this member still owns the partition in the same
   * generation; a commit refused because the group moved on is left to the partition's next owner.
   */
  async function commit(state: PartitionState, partition: number, next: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await consumer.commit(partition, next);
        return;
      } catch (error) {
        if (consumer.generation !== state.generation || !consumer.owns(partition)) {
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
    const [position, held] = await Promise.all([consumer.position(partition), claims.read(partition)]);
    const expected = resumeOffset(position);
    if (position.committed >= 0 && position.committed < position.start)
      expire(partition, position.committed, position.start - 1);
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
    states.set(partition, state);
    return state;
  }

  /** Records (and warns about) offsets the log deleted before they were delivered. */
  function expire(partition: number, first: number, last: number): void {
    summary.expired.push({ partition, first, last });
    logger.warn(
      { partition, first, last, messages: last - first + 1, log: source.log },
      `offsets ${first}–${last} of partition ${partition} were deleted by the topic's retention before they were delivered: they are lost at the source (consume more often, or ask for a longer retention)`,
    );
  }

  /**
   * A message further on than the next one expected: offsets in between are normal (transaction
   * markers, compaction) unless the log's start moved past them, which is retention deleting them.
   */
  async function checkGap(partition: number, state: PartitionState, offset: number): Promise<void> {
    if (clock.now() - state.gapCheckedAt < REASK_MS) return;
    state.gapCheckedAt = clock.now();
    const position: PartitionPosition = await consumer.position(partition);
    if (position.start > state.next!) expire(partition, state.next!, Math.min(position.start, offset) - 1);
  }

  /**
   * Takes a message into its partition's batch: at once when it is the one after the last taken (the
   * usual case, kept free of awaits), otherwise after checking where the partition stands.
   */
  function accept(message: LogMessage): Promise<void> | undefined {
    const state = states.get(message.partition);
    if (
      state?.next === message.offset &&
      state.generation === consumer.generation &&
      consumer.owns(message.partition)
    ) {
      take(message.partition, state, message);
      return undefined;
    }
    return acceptChecked(message);
  }

  async function acceptChecked(message: LogMessage): Promise<void> {
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
      // A commit that landed after `expected` was read moves where the client resumes: ask again.
      if (message.offset > state.expected && clock.now() - state.expectedAt >= REASK_MS) {
        state.expected = resumeOffset(await consumer.position(partition));
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
      await checkGap(partition, state, message.offset);
    take(partition, state, message);
  }

  function take(partition: number, state: PartitionState, message: LogMessage): void {
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

  /**
   * A partition whose committed offset points at messages the log deleted, with nothing after them:
   * no message comes to report the loss, so it is reported here, and the position moved to the log's
   * start (there is nothing in between to deliver).
   */
  async function settleExpired(lag: PartitionLag[]): Promise<void> {
    for (const { partition, owned, committed, start, lag: behind } of lag) {
      if (!owned || committed < 0 || committed >= start || behind > 0 || states.has(partition)) continue;
      expire(partition, committed, start - 1);
      await consumer.commit(partition, start);
    }
  }

  /** Committed offsets of partitions another member owns, as last seen: one that moves is consumed. */
  const othersCommitted = new Map<number, number>();
  /**
   * The partitions a one-shot run still waits for: its own that are behind, and another member's that
   * are behind with commits standing still — a member killed without leaving holds its partitions
   * until its session ends, and the group then gives them to those left. Another member's partition
   * whose commits move is that member's to finish.
   */
  function waitingFor(lag: PartitionLag[]): PartitionLag[] {
    return lag.filter((p) => {
      if (p.lag === 0) return false;
      if (p.owned) return true;
      const before = othersCommitted.get(p.partition);
      othersCommitted.set(p.partition, p.committed);
      return before === undefined || p.committed <= before;
    });
  }

  let checkingIdle = false;
  /**
   * One-shot runs: stops after a quiet spell when no partition is left to wait for (see `waitingFor`),
   * and fails when some stay behind with nothing committed for `stallMs`.
   */
  async function checkCaughtUp(): Promise<void> {
    if (checkingIdle || stopping) return;
    checkingIdle = true;
    try {
      flushAged(true);
      await Promise.all([...inFlight]);
      const now = clock.now();
      const idle = now - lastMessageAt >= idleMs;
      const stalled = now - lastCommitAt >= stallMs;
      if (stopping || (!idle && !stalled)) return;
      const lag = await consumer.lag();
      await settleExpired(lag);
      const behind = waitingFor(lag);
      if (behind.length === 0) {
        lastCommitAt = clock.now();
        if (idle) stop('caught-up');
        return;
      }
      if (stalled) {
        const where = behind.map(
          (p) =>
            `p${p.partition} at ${p.committed} of ${p.end}${p.owned ? '' : ' (held by another member that commits nothing)'}`,
        );
        failure ??= new Error(
          `no batch committed for ${Math.round(stallMs / 1000)} s while partitions are behind (${where.join(', ')}); offsets kept, the next run resumes there`,
        );
        stop('failed');
      }
    } finally {
      checkingIdle = false;
    }
  }

  const deadline = options.budgetMs === undefined ? undefined : startedAt + options.budgetMs;
  const observeLag = options.observe?.lag;
  let lagObservedAt = Number.NEGATIVE_INFINITY;
  const tick = setInterval(
    () => {
      if (deadline !== undefined && clock.now() >= deadline) stop('budget');
      if (observeLag && clock.now() - lagObservedAt >= (options.observe?.lagEveryMs ?? 15_000)) {
        lagObservedAt = clock.now();
        consumer.lag().then(observeLag, () => undefined);
      }
      flushAged(false);
      const now = clock.now();
      if (options.untilCaughtUp && (now - lastMessageAt >= idleMs || now - lastCommitAt >= stallMs))
        checkCaughtUp().catch((error: unknown) => {
          failure ??= error;
          stop('failed');
        });
    },
    Math.max(50, Math.min(flush.ms, idleMs) / 4),
  );

  try {
    for (;;) {
      try {
        for await (const message of consumer.messages()) {
          lastMessageAt = clock.now();
          if (stopping) break;
          const checking = accept(message);
          if (checking) await checking;
          while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
        }
        if (stopping) break;
        throw new Error('its message stream ended');
      } catch (error) {
        // The client gave up fetching (a fetch the broker refused, a lost connection it could not
        // restore). Nothing was committed past what was delivered: join again, go on from the commits.
        if (stopping || !mayRejoin()) throw error;
        // What was gathered is dropped (never committed: read again), what is being delivered finishes.
        await Promise.all([...inFlight]);
        for (const state of states.values()) summary.droppedRevoked += state.messages.length;
        states.clear();
        await consumer.close().catch(() => undefined);
        summary.rejoins++;
        logger.warn(
          { rejoin: summary.rejoins, log: source.log, err: describeError(error) },
          'the consumer failed: leaving the group and joining again',
        );
        committedSinceRejoin = false;
        consumer = await source.open(controller.signal);
        lastMessageAt = clock.now();
      }
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
