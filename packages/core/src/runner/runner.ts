/**
 * The runner: for each stream it takes the stream's lease, claims a window in the checkpoint before
 * writing anything, reads the window page by page while the previous page is delivered, writes each
 * page as create-only parts that skip what the window's manifest says was already delivered, and
 * commits the checkpoint only after the sink acknowledged. Then it re-checks closed windows for late
 * records (the reconcile pass). It stops cleanly at a page boundary when the time budget runs out,
 * isolates failures per stream, and returns a summary of what happened.
 */

import { hostname } from 'node:os';
import type { Clock } from '../clock/clock.ts';
import { MINUTE_MS } from '../clock/durations.ts';
import {
  type CheckpointStore,
  checkpointKey,
  manifestKey,
  type ReconcileEntry,
} from '../contracts/checkpoint-store.ts';
import type { Page, PullStream, Source } from '../contracts/pull-source.ts';
import type { JsonRecord, Window } from '../contracts/records.ts';
import { addDrift, type DriftCount } from '../contracts/schema-drift.ts';
import type { Sink } from '../contracts/sink.ts';
import { CheckpointConflictError, describeError, QueryTimeoutError } from '../errors/errors.ts';
import { compactInstant } from '../layout/layout.ts';
import type { Logger } from '../logging/logger.ts';
import { RunBudget } from './budget.ts';
import { type PageDelivery, PartWriter } from './part-writer.ts';
import type { BoundedQueue } from './queue.ts';
import { type RangeOutcome, RangeReading, readRange } from './range-reader.ts';
import {
  auditEntry,
  DEFAULT_RECONCILE,
  dueChecks,
  firstCheck,
  nextCheck,
  type ReconcilePolicy,
  retryCheck,
  unverifiedWindows,
} from './reconcile.ts';
import { type HeldBy, SourceHold } from './source-hold.ts';
import { spreadOrder } from './spread.ts';
import { newLeaseOwner, parseStreamState, processAlive, StreamCheckpoint } from './stream-checkpoint.ts';
import { StoredManifest } from './window-manifest.ts';
import { floorTo, nextWindow, splitWindow } from './windows.ts';

export interface RunOptions {
  source: Source;
  sink: Sink;
  checkpoints: CheckpointStore;
  logger: Logger;
  clock: Clock;
  /** Where a stream without a checkpoint starts (overrides the source's own start). */
  start?: Date | undefined;
  /** Stop at the first page boundary after which another page would not fit in this many ms. */
  budgetMs?: number | undefined;
  /** Pages read ahead of delivery (default 2). */
  queueCapacity?: number | undefined;
  /** Only these streams (default all). */
  streams?: readonly string[] | undefined;
  /**
   * The order streams are attempted in: the source's (default), or — given a seed naming the replica
   * and its tick — an order of its own (`spreadOrder`), so replicas sharing a checkpoint store start
   * on different streams. The summary lists streams in the source's order either way.
   */
  spread?: string | undefined;
  /**
   * Take the source's hold first (`SourceHold`: replicas of a daemon): its streams run on one replica
   * at a time, so one tenant never gets requests from two; held by another, every stream is `busy`.
   */
  holdSource?: boolean | undefined;
  /** Streams run at once (default 1; Citrix sources serialise per tenant anyway). */
  concurrency?: number | undefined;
  signal?: AbortSignal | undefined;
  /** This run's lease owner id (default: host, pid and a random suffix). */
  owner?: string | undefined;
  /** How long a stream's lease lasts without renewal (default 10 minutes). */
  leaseMs?: number | undefined;
  /**
   * No lease lasts beyond this instant (epoch ms): a function invocation's deadline plus a grace, so an
   * invocation killed at its deadline blocks its streams that long at most (see `LeaseOptions.until`).
   */
  leaseUntil?: number | undefined;
  /** When closed windows are checked again for late records; `false` turns the pass off. */
  reconcile?: ReconcilePolicy | false | undefined;
  /**
   * A backfill: the windows of `[from, to)` under a checkpoint of their own (`backfillKey`), so the
   * live checkpoint never moves; window manifests are the live stream's, so records a live run
   * delivered are not delivered again (nor the other way round). No reconcile pass.
   */
  backfill?: { from: Date; to: Date } | undefined;
  /** Called after each window a stream delivered (progress). */
  onWindow?: (stream: string, window: Window, summary: Readonly<StreamSummary>) => void;
  /**
   * Called after each page the sink acknowledged, with what it delivered (a daemon's metrics move as
   * records are delivered, and a run cut short is counted as far as it got).
   */
  onPage?: (stream: string, delivered: PageCounts) => void;
  /** Called when a stream's run ended, with its summary and how long it took. */
  onStream?: (summary: Readonly<StreamSummary>, durationMs: number) => void;
  /** Observes queue bounds in tests and benchmarks. */
  onQueue?: (stream: string, queue: BoundedQueue<unknown>) => void;
}

/** The checkpoint key of a backfill of `[from, to)` of the stream at `streamKey`. */
export function backfillKey(streamKey: string, range: { from: Date; to: Date }): string {
  return `${streamKey}/_backfill/${compactInstant(range.from)}-${compactInstant(range.to)}`;
}

export const DEFAULT_LEASE_MS = 10 * MINUTE_MS;

/** What one acknowledged page delivered. */
export interface PageCounts {
  records: number;
  deadLetters: number;
  bytes: number;
}

/**
 * `busy`: another runner holds the stream's lease; this run left it alone (not a failure).
 * `blocked`: the stream's lease is held by a run that looks dead — its process is gone from this host,
 * or it committed nothing for half a lease (`kill -9`, an invocation stopped at its deadline): nothing
 * can be delivered until the lease ends (the summary says when). Not a failure of this run, but not
 * the harmless overlap `busy` is: the CLI exits 3, the daemon counts it apart.
 * `conflict`: another runner wrote the stream's checkpoint while this run held it (this run's lease ran
 * out — a run slower than its lease, clocks apart — and another took the stream over): this run stopped
 * at once; to a SIEM API the part it was writing may have gone twice. A failure: runs must not overlap.
 */
export type StreamStatus = 'ok' | 'partial' | 'failed' | 'idle' | 'busy' | 'blocked' | 'conflict';

export interface StreamSummary {
  stream: string;
  /** Position (everything before it delivered) when the run began. */
  from: string;
  /** Position when the run ended. */
  to: string;
  /** True when the run stopped inside a window and will resume there. */
  midWindow: boolean;
  records: number;
  deadLetters: number;
  pages: number;
  windows: number;
  bytes: number;
  splits: number;
  /** Records skipped because their window had delivered them already (re-reads). */
  skipped: number;
  /** Records the API returned outside the window asked for, dropped by the client-side check. */
  outsideWindow: number;
  /** Parts a killed run wrote and this run adopted. */
  adoptedParts: number;
  /** Closed windows checked again for late records, and the late records delivered. */
  reconciledWindows: number;
  lateRecords: number;
  /**
   * Records the API holds for closed windows beyond what they delivered, found by a count-only audit
   * after the reconcile horizon: they arrived later than the horizon and were not delivered (reported).
   */
  beyondHorizon: number;
  /**
   * Closed windows whose last reconcile check could not finish (a re-read that timed out on the
   * smallest window, a count the API would not give), after this run: tried again with a backoff and
   * reported until a check finishes. Late records of such a window may not be delivered yet.
   */
  unverifiedWindows: number;
  /**
   * Records sent again to a SIEM API after a request of theirs may have been accepted (its answer lost
   * to a timeout, a reset connection or a 5xx; a killed or overtaken run's request found claimed):
   * byte-identical resends the API may hold twice — counted once per resend.
   */
  possiblyDuplicated: number;
  /** Where this run's dead letters went. */
  deadLetterLocations: string[];
  /** Why the run's first dead letter was refused. */
  deadLetterReason?: string;
  /**
   * Fields delivered with a value the stream's model does not expect (another type, an undeclared
   * field), per field and type, with how many records showed it: schema drift, never a dead letter.
   */
  drift?: DriftCount[];
  /** How far behind real time the stream is after the run: now − position, in seconds. */
  lagSeconds: number;
  status: StreamStatus;
  error?: string;
}

export interface RunSummary {
  tenant: string;
  source: string;
  sink: string;
  startedAt: string;
  durationMs: number;
  streams: StreamSummary[];
  totals: { records: number; deadLetters: number; pages: number; bytes: number };
  failed: string[];
  /** Streams another runner was working on, left alone. */
  busy: string[];
  /** Streams whose lease a run that looks dead holds (status `blocked`): they wait for it to end. */
  blocked: string[];
  /** Streams another runner took over while this run held them (status `conflict`). */
  conflicts: string[];
  /** The source client's counters (requests, retries, throttled, reauthentications…). */
  sourceMetrics: Record<string, number>;
  /** True when the budget ran out before every due window was read. */
  budgetExhausted: boolean;
}

/** Runs every stream of one source into one sink. Never throws for a stream's failure: see `failed`. */
export async function run(options: RunOptions): Promise<RunSummary> {
  const { source, clock } = options;
  const startedAt = clock.now();
  // A stream its source windows (a ledger of what each run received, a snapshot) has no past to fill:
  // a backfill leaves it to the live runs.
  const streams = source.streams.filter(
    (s) =>
      (!options.streams || options.streams.includes(s.name)) &&
      !(options.backfill && s.windowedBy === 'source'),
  );
  const budget = new RunBudget(clock, options.budgetMs, options.signal);
  const owner = options.owner ?? newLeaseOwner();

  const held = options.holdSource && !options.backfill ? await takeHold(options, owner) : undefined;
  if (held && !(held instanceof SourceHold)) {
    const summaries = streams.map((stream) => {
      const summary = emptySummary(stream.name);
      summary.status = 'busy';
      summary.error = `another replica (${held.owner}) is collecting this tenant's ${source.type} until ${held.expiresAt}`;
      options.onStream?.(summary, 0);
      return summary;
    });
    budget.dispose();
    return runSummary(options, startedAt, summaries, budget);
  }

  const summaries: StreamSummary[] = new Array(streams.length);
  const attempts =
    options.spread === undefined
      ? streams.map((_, index) => index)
      : spreadOrder(
          streams.map((_, index) => index),
          (index) => `${source.tenant}/${source.type}/${streams[index]!.name}`,
          options.spread,
        );
  let next = 0;
  const worker = async () => {
    while (next < attempts.length) {
      const index = attempts[next++]!;
      const stream = streams[index]!;
      const started = clock.now();
      const summary = await runStream({ options, stream, budget, owner });
      summaries[index] = summary;
      options.onStream?.(summary, clock.now() - started);
    }
  };
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 1, streams.length));
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    budget.dispose();
    await held?.release();
  }
  return runSummary(options, startedAt, summaries, budget);
}

/** The source's hold for this run, or who holds it; a store that cannot say is no reason to stop. */
async function takeHold(options: RunOptions, owner: string): Promise<SourceHold | HeldBy | undefined> {
  const { source, logger } = options;
  try {
    return await SourceHold.take({
      documents: options.checkpoints.manifests,
      tenant: source.tenant,
      source: source.type,
      owner,
      leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
      clock: options.clock,
      logger,
    });
  } catch (error) {
    logger.warn(
      { err: error, tenant: source.tenant, source: source.type },
      'could not take this source’s hold: its streams run under their own leases',
    );
    return undefined;
  }
}

function runSummary(
  options: RunOptions,
  startedAt: number,
  summaries: StreamSummary[],
  budget: RunBudget,
): RunSummary {
  const { source, clock } = options;
  const totals = { records: 0, deadLetters: 0, pages: 0, bytes: 0 };
  for (const s of summaries) {
    totals.records += s.records;
    totals.deadLetters += s.deadLetters;
    totals.pages += s.pages;
    totals.bytes += s.bytes;
  }
  return {
    tenant: source.tenant,
    source: source.type,
    sink: options.sink.type,
    startedAt: new Date(startedAt).toISOString(),
    durationMs: clock.now() - startedAt,
    streams: summaries,
    totals,
    failed: summaries.filter((s) => s.status === 'failed').map((s) => s.stream),
    busy: summaries.filter((s) => s.status === 'busy').map((s) => s.stream),
    blocked: summaries.filter((s) => s.status === 'blocked').map((s) => s.stream),
    conflicts: summaries.filter((s) => s.status === 'conflict').map((s) => s.stream),
    sourceMetrics: source.metrics?.() ?? {},
    budgetExhausted: budget.exhausted,
  };
}

interface StreamRun {
  options: RunOptions;
  stream: PullStream;
  budget: RunBudget;
  owner: string;
}

/** Everything one stream's run works with. */
interface StreamContext extends StreamRun {
  checkpoint: StreamCheckpoint;
  /** The live checkpoint's key: window manifests are under it, a backfill's too. */
  streamKey: string;
  /** `now` as of the stream's start, to the whole second: windows are planned up to `now − lag` of it. */
  planningNow: number;
  summary: StreamSummary;
  logger: Logger;
  reconcile: ReconcilePolicy | false;
  /** The first window this run closed of which every record was dead-lettered. */
  refusedWindow?: Window;
  /** The next window's reading, begun while the window before it is delivered and closed. */
  readAhead?: RangeReading | undefined;
}

/** The summary of a stream before a run did anything with it. */
export function emptySummary(stream: string): StreamSummary {
  return {
    stream,
    from: '',
    to: '',
    midWindow: false,
    records: 0,
    deadLetters: 0,
    pages: 0,
    windows: 0,
    bytes: 0,
    splits: 0,
    skipped: 0,
    outsideWindow: 0,
    adoptedParts: 0,
    reconciledWindows: 0,
    lateRecords: 0,
    beyondHorizon: 0,
    unverifiedWindows: 0,
    possiblyDuplicated: 0,
    deadLetterLocations: [],
    lagSeconds: 0,
    status: 'idle',
  };
}

async function runStream(run: StreamRun): Promise<StreamSummary> {
  const { options, stream, budget, owner } = run;
  const { source, clock } = options;
  const logger = options.logger.child({ source: source.type, tenant: source.tenant, stream: stream.name });
  const summary = emptySummary(stream.name);
  const finish = () => {
    if (summary.to)
      summary.lagSeconds = Math.max(0, Math.round((clock.now() - Date.parse(summary.to)) / 1000));
    return summary;
  };

  let checkpoint: StreamCheckpoint | undefined;
  let context: StreamContext | undefined;
  // Once the lease is this run's, losing the checkpoint to another runner is a conflict, not `busy`.
  let acquired = false;
  try {
    const streamKey = checkpointKey(source.tenant, source.type, stream.name);
    checkpoint = await StreamCheckpoint.open(
      options.checkpoints,
      options.backfill ? backfillKey(streamKey, options.backfill) : streamKey,
      clock,
      { owner, leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS, until: options.leaseUntil },
      options.backfill?.from ?? options.start ?? source.start ?? new Date(clock.now()),
      options.backfill?.to,
    );
    summary.from = checkpoint.state.position;
    summary.to = checkpoint.state.position;
    summary.midWindow = checkpoint.state.window !== undefined;
    const holder = checkpoint.heldBy();
    if (holder) {
      const dead = heldByTheDead(
        holder.owner,
        checkpoint.state.updatedAt,
        clock.now(),
        options.leaseMs ?? DEFAULT_LEASE_MS,
      );
      summary.status = dead ? 'blocked' : 'busy';
      summary.error = `another runner (${holder.owner}) holds this stream until ${holder.expiresAt}${dead}`;
      if (dead)
        logger.warn(
          { owner: holder.owner, expiresAt: holder.expiresAt },
          'stream blocked by the lease of a run that looks dead: it waits until the lease ends',
        );
      else logger.info({ owner: holder.owner, expiresAt: holder.expiresAt }, 'stream busy: left alone');
      return finish();
    }
    if (options.backfill) await checkBackfillRange(options.checkpoints, streamKey, options.backfill);
    context = {
      ...run,
      // Windows are planned up to `now − lag` as of the stream's start, to the whole second: a run never
      // chases the clock, and window bounds stay whole seconds.
      planningNow: floorTo(clock.now(), 1000),
      checkpoint,
      streamKey,
      summary,
      logger,
      // A stream whose closed windows never change has no reconcile pass.
      reconcile: stream.windowedBy === 'source' ? false : (options.reconcile ?? DEFAULT_RECONCILE),
    };
    // The first range's reading begins while the lease is taken and the window claimed.
    readFirstRangeAhead(context);
    await checkpoint.acquire();
    acquired = true;
    // Resends a killed run made and never reported are this run's to report.
    const inherited = checkpoint.state.unreportedDuplicates ?? 0;
    if (inherited > 0) {
      summary.possiblyDuplicated += inherited;
      logger.warn(
        { records: inherited },
        'a run that stopped without reporting had sent records again to the SIEM API (possibly duplicated): counted in this run',
      );
    }
    const stopped = await deliverDueWindows(context);
    // A backfill schedules its windows' checks; the live runs do them (reconcileBackfills).
    let unverifiedInBackfills = 0;
    if (!stopped && context.reconcile && !options.backfill) {
      await reconcileClosedWindows(context, context.reconcile);
      unverifiedInBackfills = await reconcileBackfills(context, context.reconcile);
    }
    summary.unverifiedWindows = unverifiedWindows(checkpoint.state.reconcile) + unverifiedInBackfills;
    if (summary.status === 'idle') {
      // Stopped between windows by the run's signal: more may be due. Otherwise every due window is done.
      if (budget.stopReason()) summary.status = 'partial';
      else if (summary.pages + summary.windows + summary.reconciledWindows > 0) summary.status = 'ok';
    }
    if (context.refusedWindow) {
      const { from, to } = context.refusedWindow;
      summary.status = 'failed';
      summary.error = `every record of the window [${from.toISOString()}, ${to.toISOString()}) was dead-lettered (${summary.deadLetterReason ?? 'refused'}); they are kept as dead letters (ctxsiem deadletter list / replay)`;
      logger.error({ window: context.refusedWindow, reason: summary.deadLetterReason }, summary.error);
    }
    return finish();
  } catch (error) {
    if (error instanceof CheckpointConflictError && !acquired) {
      // Two runs took the stream at once and the other won: nothing was written by this one.
      summary.status = 'busy';
      summary.error = `another runner took this stream first: ${error.message}`;
      logger.info({ err: error }, 'another runner took the stream first: left alone');
      return finish();
    }
    if (error instanceof CheckpointConflictError) {
      summary.status = 'conflict';
      summary.error = `another runner took this stream over while this run held it (its lease ran out: a run slower than runner.leaseSeconds, or clocks apart); this run stopped, and what it was writing may have reached a SIEM API twice: ${error.message}`;
      logger.error(
        { err: error },
        'another runner took the stream over while this run held it: this run stops it',
      );
      return finish();
    }
    summary.status = 'failed';
    summary.error = describeError(error);
    logger.error({ err: error }, `stream ${stream.name} failed; its checkpoint stays at ${summary.to}`);
    return finish();
  } finally {
    // A range read ahead that the stream never went on to (the lease lost to another runner first).
    await context?.readAhead?.cancel();
    const problem = await checkpoint?.release(
      summary.status === 'busy' || summary.status === 'blocked' || summary.status === 'conflict'
        ? undefined
        : {
            status: summary.status,
            records: summary.records,
            error: summary.error,
            ...(summary.possiblyDuplicated > 0 ? { possiblyDuplicated: summary.possiblyDuplicated } : {}),
          },
    );
    if (problem) logger.warn({ problem }, 'could not release the stream lease; it expires on its own');
  }
}

/**
 * What a stream's holder looks like when it may be a run that died holding the lease (the stream is
 * then `blocked`): a process of this host that is gone, or no commit for half a lease. Empty otherwise.
 */
function heldByTheDead(owner: string, updatedAt: string | undefined, now: number, leaseMs: number): string {
  const [host, pid] = owner.split(':');
  if (host === hostname() && pid && /^\d+$/.test(pid) && !processAlive(Number(pid)))
    return ` — held by process ${pid} of this host, which is gone (killed?): the stream waits until the lease expires`;
  if (updatedAt && now - Date.parse(updatedAt) > leaseMs / 2)
    return ` — no commit since ${updatedAt}: the run holding it may have died (kill -9, an invocation stopped at its deadline); the stream waits until the lease expires`;
  return '';
}

/**
 * A backfill fills time the stream has not collected: before the live stream's origin, and apart from
 * other backfills (the same range again resumes it). Window manifests only match windows with the same
 * bounds, so an overlap would deliver records twice: it is refused, naming the range that is free.
 */
async function checkBackfillRange(
  store: CheckpointStore,
  streamKey: string,
  range: { from: Date; to: Date },
): Promise<void> {
  const live = await store.read(streamKey);
  if (live) {
    const origin = live.state.origin;
    if (origin === undefined)
      throw new Error(
        `the live checkpoint of ${streamKey} does not say where its collection began (it predates backfill support), so a backfill could deliver what it did; reset the stream or collect the past with runner.start`,
      );
    if (range.to.getTime() > Date.parse(origin))
      throw new Error(
        `the range ends after ${origin}, where live collection of ${streamKey} began: backfill up to ${origin} at most (what the live stream delivered would be delivered again)`,
      );
  }
  const own = backfillKey(streamKey, range);
  for (const key of await store.list(`${streamKey}/_backfill/`)) {
    if (key === own) continue;
    const other = (await store.read(key))?.state;
    if (!other?.origin || !other.until) continue;
    if (range.from.getTime() < Date.parse(other.until) && Date.parse(other.origin) < range.to.getTime())
      throw new Error(
        `the range overlaps another backfill of ${streamKey} (${other.origin} to ${other.until}): backfill what lies outside it`,
      );
  }
}

/** The forward pass: claims and delivers windows up to `now − lag`. True when the run must stop. */
async function deliverDueWindows(context: StreamContext): Promise<boolean> {
  try {
    return await deliverWindows(context);
  } finally {
    // A window read ahead that the run did not go on to (the budget, a failure): dropped unread.
    await context.readAhead?.cancel();
    context.readAhead = undefined;
  }
}

async function deliverWindows(context: StreamContext): Promise<boolean> {
  const { checkpoint, stream, summary, budget } = context;
  while (!budget.stopReason()) {
    if (!checkpoint.state.window) {
      const next = plannedWindow(context, Date.parse(checkpoint.state.position));
      if (!next) return false;
      if (!budget.allowsAnother()) break;
      // The claim: bounds and part numbering are committed before the first part is written.
      await checkpoint.commit({
        ...checkpoint.state,
        window: { to: next.to.toISOString(), seq: 0, resume: '' },
      });
    } else if (!budget.allowsAnother()) break;
    const window = claimedWindow(checkpoint);
    const before = { records: summary.records, deadLetters: summary.deadLetters };
    if ((await deliverClaimedWindow(context)) === 'stopped') break;
    // A window of which every record was refused is not a success: the model or the service changed.
    if (summary.records === before.records && summary.deadLetters > before.deadLetters)
      context.refusedWindow ??= window;
    summary.windows++;
    context.options.onWindow?.(stream.name, window, summary);
  }
  summary.status = 'partial';
  return true;
}

/** The window to claim from `position`: up to `now − lag`, and within a backfill's range. */
function plannedWindow(context: StreamContext, position: number): Window | undefined {
  const { stream, options } = context;
  const next = nextWindow(position, context.planningNow, stream.window);
  const end = options.backfill?.to;
  if (!next || !end) return next;
  if (next.from.getTime() >= end.getTime()) return undefined;
  return next.to.getTime() > end.getTime() ? { from: next.from, to: end } : next;
}

/**
 * Begins reading the window after `window` (the one the close of `window` will claim) while `window`'s
 * last pages are delivered and it is closed, so the API answers the next window's first page meanwhile.
 * Reading writes nothing: a window read ahead that the run does not go on to is dropped. Not for a
 * stream its source windows (its read keeps a ledger), nor when the budget would not claim another.
 */
function readAhead(context: StreamContext, window: Window): void {
  const { stream, options, budget } = context;
  if (stream.windowedBy === 'source' || budget.stopReason() || !budget.allowsAnother()) return;
  const next = plannedWindow(context, window.to.getTime());
  if (!next || context.readAhead) return;
  context.readAhead = new RangeReading({
    stream,
    range: next,
    resume: undefined,
    signal: budget.signal,
    queueCapacity: options.queueCapacity ?? 2,
  });
}

/**
 * Begins reading the range the forward pass will read first (the claimed window's, from its resume
 * token, or the next due window) while the stream's lease is taken and the window claimed.
 */
function readFirstRangeAhead(context: StreamContext): void {
  const { checkpoint, stream, options, budget } = context;
  if (stream.windowedBy === 'source' || budget.stopReason() || !budget.allowsAnother()) return;
  const { position, window } = checkpoint.state;
  const range = window
    ? { from: new Date(window.readFrom ?? position), to: new Date(window.readTo ?? window.to) }
    : plannedWindow(context, Date.parse(position));
  if (!range) return;
  context.readAhead = new RangeReading({
    stream,
    range,
    resume: window?.resume || undefined,
    signal: budget.signal,
    queueCapacity: options.queueCapacity ?? 2,
  });
}

/** The reading of `range` from `resume` when it was begun ahead; one of anything else is dropped. */
async function takeReadAhead(
  context: StreamContext,
  range: Window,
  resume: string | undefined,
): Promise<RangeReading | undefined> {
  const ahead = context.readAhead;
  context.readAhead = undefined;
  if (ahead === undefined || ahead.isOf(range, resume)) return ahead;
  await ahead.cancel();
  return undefined;
}

/** The claimed window `[position, window.to)` from the checkpoint. */
function claimedWindow(checkpoint: StreamCheckpoint): Window {
  const { position, window } = checkpoint.state;
  if (!window) throw new Error('no claimed window');
  return { from: new Date(position), to: new Date(window.to) };
}

/** Delivers the claimed window, range by range (query timeouts split it), resuming where it stopped. */
async function deliverClaimedWindow(context: StreamContext): Promise<'done' | 'stopped'> {
  const { checkpoint, stream, summary, options, logger } = context;
  const window = claimedWindow(checkpoint);
  const claim = checkpoint.state.window!;
  // Continued from a stored resume token: its pages are read at different times (see firstCheck).
  const continued = claim.resume !== '';
  const manifest = await StoredManifest.load(
    options.checkpoints.manifests,
    manifestKey(context.streamKey, window.from),
    { tenant: options.source.tenant, source: options.source.type, stream: stream.name, window },
  );
  // Parts acknowledged (the checkpoint's number moved past them) continue the numbering even when a
  // killed run did not save them in the manifest; the writer reads them back for their digests.
  const writer = partWriter(context, manifest, claim.seq);

  for (;;) {
    const current = checkpoint.state.window!;
    const range: Window = {
      from: new Date(current.readFrom ?? checkpoint.state.position),
      to: new Date(current.readTo ?? current.to),
    };
    const resume = current.resume || undefined;
    const outcome = await readWindowRange(context, window, range, resume, writer, manifest, {
      commitPage: (page) =>
        checkpoint.commit({
          ...checkpoint.state,
          window: { ...checkpoint.state.window!, resume: page.next ?? '', seq: writer.seq },
        }),
      reading: await takeReadAhead(context, range, resume),
      // The window's last range read: the next window's reading can begin.
      onSourceDone: range.to.getTime() === window.to.getTime() ? () => readAhead(context, window) : undefined,
    });
    switch (outcome) {
      case 'stopped':
        await manifest.save();
        summary.midWindow = true;
        return 'stopped';
      case 'refused-resume':
        logger.warn(
          { from: range.from, to: range.to },
          'the API refused the stored resume token: reading the range again from its start (records already delivered are skipped)',
        );
        await checkpoint.commit({ ...checkpoint.state, window: { ...current, resume: '', seq: writer.seq } });
        continue;
      case 'timeout': {
        const halves = splitWindow(range, stream.window.minWindowMs ?? MINUTE_MS);
        if (!halves)
          throw new QueryTimeoutError(
            `query timed out on the smallest allowed window ${range.from.toISOString()} – ${range.to.toISOString()}`,
          );
        summary.splits++;
        logger.warn(
          { from: range.from, to: range.to },
          'query timed out: reading the range again in halves (records already delivered are skipped)',
        );
        await manifest.save();
        await checkpoint.commit({
          ...checkpoint.state,
          window: {
            ...current,
            readFrom: range.from.toISOString(),
            readTo: halves[0].to.toISOString(),
            resume: '',
            seq: writer.seq,
          },
        });
        continue;
      }
      case 'done':
        if (range.to.getTime() < window.to.getTime()) {
          await checkpoint.commit({
            ...checkpoint.state,
            window: {
              ...current,
              readFrom: range.to.toISOString(),
              readTo: current.to,
              resume: '',
              seq: writer.seq,
            },
          });
          continue;
        }
    }
    // The whole window is delivered: close its manifest (an empty window needs none: the reconcile
    // pass reads a missing manifest as an empty window), then move the position past it — claiming the
    // next due window in the same write, when there is one and the budget allows it.
    const now = options.clock.now();
    manifest.manifest.close(new Date(now));
    if (manifest.stored || manifest.manifest.nextSeq > 0) await manifest.save();
    const entry = context.reconcile ? firstCheck(window, now, context.reconcile, { continued }) : undefined;
    const { window: _done, ...rest } = checkpoint.state;
    const next = plannedWindow(context, window.to.getTime());
    const claimNext = next !== undefined && !context.budget.stopReason() && context.budget.allowsAnother();
    await checkpoint.commit({
      ...rest,
      position: window.to.toISOString(),
      ...(claimNext ? { window: { to: next.to.toISOString(), seq: 0, resume: '' } } : {}),
      reconcile: [...(rest.reconcile ?? []), ...(entry ? [entry] : [])],
    });
    summary.to = window.to.toISOString();
    summary.midWindow = false;
    return 'done';
  }
}

/**
 * The API's count of a window's records now (`PullStream.count`), or undefined where it has none or
 * the count query timed out (a window that needs splitting to be read may need it to be counted too).
 */
async function countOf(context: StreamContext, window: Window): Promise<number | undefined> {
  const { stream, budget, logger } = context;
  if (!stream.count) return undefined;
  try {
    return await stream.count(window, budget.signal);
  } catch (error) {
    if (!(error instanceof QueryTimeoutError)) throw error;
    logger.info(
      { from: window.from, to: window.to },
      'the count query timed out: the window is read instead of counted',
    );
    return undefined;
  }
}

function partWriter(context: StreamContext, manifest: StoredManifest, seq: number): PartWriter {
  const { options, stream, checkpoint, logger } = context;
  return new PartWriter({
    sink: options.sink,
    stream,
    tenant: options.source.tenant,
    source: options.source.type,
    tenantField: options.source.tenantField,
    manifest: manifest.manifest,
    seq,
    beforeWrite: () => checkpoint.renewIfDue(),
    // A SIEM API sink renews the lease before each request attempt (its retries and Retry-After waits
    // may outlast a lease) and claims each request under this epoch.
    fence: {
      owner: context.owner,
      epoch: checkpoint.epoch,
      renew: () => checkpoint.renew(),
      // Committed before the resend goes: a run killed after it leaves the count to its successor.
      possiblyDuplicated: async (records) => {
        context.summary.possiblyDuplicated += records;
        await checkpoint.commit({
          ...checkpoint.state,
          unreportedDuplicates: (checkpoint.state.unreportedDuplicates ?? 0) + records,
        });
      },
    },
    logger,
  });
}

/**
 * Reads `range` of `window` and delivers every page: dropped when outside the window (a second line of
 * defence behind the query's own filter), de-duplicated and written by `writer`, then committed.
 */
async function readWindowRange(
  context: StreamContext,
  window: Window,
  range: Window,
  resume: string | undefined,
  writer: PartWriter,
  manifest: StoredManifest,
  hooks: {
    commitPage: (page: Page) => Promise<void>;
    reading?: RangeReading | undefined;
    onSourceDone?: (() => void) | undefined;
  },
): Promise<RangeOutcome> {
  const { options, stream, summary, budget, logger } = context;
  let lastBoundary = options.clock.now();
  return readRange({
    stream,
    range,
    resume,
    signal: budget.signal,
    queueCapacity: options.queueCapacity ?? 2,
    onQueue: options.onQueue,
    reading: hooks.reading,
    onSourceDone: hooks.onSourceDone,
    deliver: async (page) => {
      const inWindow = keepInWindow(stream, window, page.records);
      summary.outsideWindow += page.records.length - inWindow.length;
      const delivered = await writer.deliver(inWindow, page.rejected);
      count(summary, delivered, logger);
      if (delivered.deadLetters > 0)
        logger.warn(
          { count: delivered.deadLetters, locations: delivered.deadLetterLocations },
          'records failed validation: dead-lettered',
        );
      summary.pages++;
      options.onPage?.(stream.name, {
        records: delivered.records,
        deadLetters: delivered.deadLetters,
        bytes: delivered.bytes,
      });
      await manifest.saveIfDue();
      if (page.next) await hooks.commitPage(page);
      const now = options.clock.now();
      budget.observe(now - lastBoundary);
      lastBoundary = now;
    },
    shouldStop: () => {
      if (budget.stopReason() === 'aborted') {
        logger.info('run aborted: stopping at a page boundary');
        return true;
      }
      if (!budget.allowsAnother()) {
        logger.info('time budget reached: stopping at a page boundary');
        return true;
      }
      return false;
    },
  });
}

/**
 * Adds a page's delivery to the stream's summary. Schema drift is logged once per field and type in a
 * run (the summary counts every record), so a drifting field never floods the log.
 */
function count(summary: StreamSummary, delivered: PageDelivery, logger?: Logger): void {
  for (const drift of delivered.drift) {
    const seen = summary.drift?.some(
      (c) => c.field === drift.field && c.expected === drift.expected && c.found === drift.found,
    );
    if (!seen && logger)
      logger.warn(
        { field: drift.field, expected: drift.expected, found: drift.found },
        `schema drift in ${summary.stream}: ${drift.field} holds ${drift.found} where the model says ${drift.expected}; delivered as it is`,
      );
    summary.drift = addDrift(summary.drift ?? [], [drift], drift.records);
  }
  summary.deadLetterReason ??= delivered.deadLetterReason;
  summary.records += delivered.records;
  summary.deadLetters += delivered.deadLetters;
  summary.skipped += delivered.skipped;
  summary.bytes += delivered.bytes;
  summary.adoptedParts += delivered.adopted;
  summary.deadLetterLocations.push(...delivered.deadLetterLocations);
}

/**
 * Records whose cursor lies in the window; a record without a readable cursor is kept for validation.
 * A stream the source windows keeps every record.
 */
function keepInWindow(stream: PullStream, window: Window, records: readonly JsonRecord[]): JsonRecord[] {
  if (stream.windowedBy === 'source') return [...records];
  const from = window.from.getTime();
  const to = window.to.getTime();
  return records.filter((record) => {
    const at = Date.parse(String(record[stream.cursorField]));
    return Number.isNaN(at) || (at >= from && at < to);
  });
}

/**
 * The reconcile pass: closed windows due for a check are compared with the API (its count where it has
 * one) and, when the API holds records the window never delivered, read again — split in halves where
 * the query times out, like the first read; only those records are delivered, into new parts that
 * continue the window's numbering. A check counts as done only when its re-read finished: a window that
 * cannot be read (a timeout on the smallest window) keeps its entry, due again, and fails the stream.
 * The checkpoint drops a window's last entry before its manifest (and the delivery ledger under it) is
 * deleted: a run killed in between leaves a manifest nothing reads again, never a check without it.
 */
async function reconcileClosedWindows(context: StreamContext, policy: ReconcilePolicy): Promise<void> {
  const { checkpoint, stream, summary, options, budget, logger } = context;
  const unfinished: string[] = [];
  for (const entry of dueChecks(checkpoint.state.reconcile, options.clock.now())) {
    if (budget.stopReason() || !budget.allowsAnother()) {
      summary.status = 'partial';
      break;
    }
    const window: Window = { from: new Date(entry.from), to: new Date(entry.to) };
    if (entry.audit !== undefined) {
      await auditWindow(context, entry, entry.audit, policy);
      continue;
    }
    const manifest = await StoredManifest.load(
      options.checkpoints.manifests,
      manifestKey(context.streamKey, window.from),
      { tenant: options.source.tenant, source: options.source.type, stream: stream.name, window },
    );
    // A window whose read may have stepped over rows is re-read whatever the count says (firstCheck).
    const onApi = entry.reread ? undefined : await countOf(context, window);
    if (onApi === undefined || onApi !== manifest.manifest.delivered) {
      const before = summary.records + summary.deadLetters;
      const writer = partWriter(context, manifest, manifest.manifest.nextSeq);
      let outcome: 'done' | 'stopped' | 'unreadable';
      try {
        outcome = await rereadWindow(context, window, writer, manifest);
      } finally {
        const late = summary.records + summary.deadLetters - before;
        manifest.manifest.document.late += late;
        summary.lateRecords += late;
        if (manifest.stored || manifest.manifest.nextSeq > 0) await manifest.save();
        if (late > 0) logger.info({ from: entry.from, late }, 'reconcile delivered late records');
      }
      if (outcome === 'stopped') {
        summary.status = 'partial';
        break;
      }
      if (outcome === 'unreadable') {
        // Not done: the entry stays (due again after a backoff, reported as unverified until a check
        // finishes), and so does the manifest.
        unfinished.push(entry.from);
        await replaceCheck(context, entry, retryCheck(entry, options.clock.now(), policy));
        continue;
      }
    }
    summary.reconciledWindows++;
    const now = options.clock.now();
    // After the last check, where the API counts, one count-only audit later still (see auditEntry).
    const next =
      nextCheck(entry, now, policy) ??
      (stream.count ? auditEntry(entry, now, policy, manifest.manifest.delivered) : undefined);
    await replaceCheck(context, entry, next);
    if (next && next.audit === undefined) continue;
    if (manifest.stored) await manifest.delete();
  }
  if (unfinished.length > 0) {
    summary.status = 'failed';
    summary.error = `the reconcile check of ${unfinished.length} window(s) from ${unfinished.join(', ')} could not read them (the query timed out on the smallest allowed window): they stay unverified and are checked again after a backoff`;
    logger.error({ windows: unfinished }, summary.error);
  } else if (unverifiedWindows(checkpoint.state.reconcile) > 0) {
    const waiting = (checkpoint.state.reconcile ?? []).filter((entry) => entry.unverified);
    logger.warn(
      { windows: waiting.map(({ from, at, unverified }) => ({ from, next: at, tries: unverified })) },
      `${waiting.length} closed window(s) could not be checked for late records yet: they are tried again after a backoff`,
    );
  }
}

/**
 * The checks of backfilled windows. A backfill schedules them in its own checkpoint as the live stream
 * does (a backfilled window, read past the horizon, is checked once `firstCheckMs` after it was read,
 * then audited), but a backfill command runs once: the live runs, on their schedule, do the due checks
 * of every backfill of their stream, each under that backfill's lease (one still running is left
 * alone). Returns the backfills' windows still unverified.
 */
async function reconcileBackfills(context: StreamContext, policy: ReconcilePolicy): Promise<number> {
  const { options, streamKey, budget, owner } = context;
  const store = options.checkpoints;
  let unverified = 0;
  for (const key of await store.list(`${streamKey}/_backfill/`)) {
    const stored = await store.read(key);
    const state = stored && parseStreamState(key, stored.state);
    if (!state?.reconcile?.length) continue;
    unverified += unverifiedWindows(state.reconcile);
    if (dueChecks(state.reconcile, options.clock.now()).length === 0) continue;
    if (budget.stopReason() || !budget.allowsAnother()) break;
    const checkpoint = await StreamCheckpoint.open(
      store,
      key,
      options.clock,
      { owner, leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS, until: options.leaseUntil },
      new Date(state.position),
    );
    if (checkpoint.heldBy()) continue;
    await checkpoint.acquire();
    // This run's summary reports the resends made under the backfill's lease, a killed run's too.
    context.summary.possiblyDuplicated += checkpoint.state.unreportedDuplicates ?? 0;
    try {
      await reconcileClosedWindows({ ...context, checkpoint }, policy);
    } finally {
      await checkpoint.release(undefined, true);
    }
    unverified += unverifiedWindows(checkpoint.state.reconcile) - unverifiedWindows(state.reconcile);
  }
  return unverified;
}

/** How many times a count-only audit is tried before it gives up (with a warning). */
const MAX_AUDIT_TRIES = 3;

/**
 * A window's count-only audit: the API's count now against what the window delivered when it was last
 * looked at. What is more arrived later than the horizon: counted and reported, never delivered (the
 * window's manifest is gone). The entry goes either way.
 */
async function auditWindow(
  context: StreamContext,
  entry: ReconcileEntry,
  delivered: number,
  policy: ReconcilePolicy,
): Promise<void> {
  const { summary, options, logger } = context;
  const window: Window = { from: new Date(entry.from), to: new Date(entry.to) };
  const onApi = await countOf(context, window);
  if (onApi === undefined && (entry.unverified ?? 0) < MAX_AUDIT_TRIES) {
    // The count timed out: tried again after a backoff (the audit has nothing to re-read).
    await replaceCheck(context, entry, retryCheck(entry, options.clock.now(), policy));
    return;
  }
  if (onApi === undefined)
    logger.warn(
      { from: entry.from, to: entry.to, tries: entry.unverified },
      `the API would not count a closed window for its audit after ${MAX_AUDIT_TRIES} tries: records it may hold beyond the reconcile horizon are not counted`,
    );
  if (onApi !== undefined && onApi > delivered) {
    summary.beyondHorizon += onApi - delivered;
    logger.warn(
      { from: entry.from, to: entry.to, delivered, onApi },
      `${onApi - delivered} records of a closed window arrived after its last reconcile check (later than runner.reconcileHorizonMinutes): not delivered — raise the horizon where rows come this late`,
    );
  }
  await replaceCheck(context, entry, undefined);
}

/**
 * Reads a closed window again from its start, splitting a range whose query times out in halves (as
 * the first read does); `unreadable` when a range of the smallest allowed size still times out.
 */
async function rereadWindow(
  context: StreamContext,
  window: Window,
  writer: PartWriter,
  manifest: StoredManifest,
): Promise<'done' | 'stopped' | 'unreadable'> {
  const { stream, summary, logger } = context;
  const ranges: Window[] = [window];
  for (let range = ranges.shift(); range; range = ranges.shift()) {
    const outcome = await readWindowRange(context, window, range, undefined, writer, manifest, {
      commitPage: async () => {},
    });
    if (outcome === 'stopped') return 'stopped';
    if (outcome !== 'timeout') continue;
    const halves = splitWindow(range, stream.window.minWindowMs ?? MINUTE_MS);
    if (!halves) {
      logger.warn(
        { from: range.from, to: range.to },
        'reconcile read timed out on the smallest allowed window',
      );
      return 'unreadable';
    }
    summary.splits++;
    logger.warn(
      { from: range.from, to: range.to },
      'reconcile read timed out: reading the range again in halves (records already delivered are skipped)',
    );
    ranges.unshift(...halves);
  }
  return 'done';
}

/** Commits the checkpoint with the check `done` replaced by `next`, or dropped. */
function replaceCheck(
  context: StreamContext,
  done: ReconcileEntry,
  next: ReconcileEntry | undefined,
): Promise<void> {
  const { checkpoint } = context;
  return checkpoint.commit({
    ...checkpoint.state,
    reconcile: replaceEntry(checkpoint.state.reconcile ?? [], done, next),
  });
}

function replaceEntry(
  entries: readonly ReconcileEntry[],
  done: ReconcileEntry,
  next: ReconcileEntry | undefined,
): ReconcileEntry[] {
  return entries.flatMap((entry) => (entry.from === done.from ? (next ? [next] : []) : [entry]));
}
