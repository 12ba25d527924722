/**
 * The runner: plans windows per stream from its checkpoint, reads pages while the previous page is being
 * delivered (a bounded queue between the two), hands each page to the sink and commits the checkpoint
 * only after the sink's acknowledgement. It stops cleanly at a page boundary when the time budget runs
 * out, isolates failures per stream, and returns a summary of what happened.
 */
import type { Clock } from './clock.ts';
import {
  type Batch,
  type CheckpointStore,
  checkpointKey,
  type JsonRecord,
  type Page,
  type PullStream,
  type Sink,
  type Source,
  type StreamState,
  type Window,
} from './contracts.ts';
import { describeError, QueryTimeoutError, SourceError } from './errors.ts';
import type { Logger } from './logger.ts';
import { BoundedQueue } from './queue.ts';
import { nextWindow, splitWindow } from './windows.ts';

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
  /** Streams run at once (default 1; Citrix sources serialise per tenant anyway). */
  concurrency?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Observes queue bounds in tests and benchmarks. */
  onQueue?: (stream: string, queue: BoundedQueue<unknown>) => void;
}

export type StreamStatus = 'ok' | 'partial' | 'failed' | 'idle';

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
  /** The source client's counters (requests, retries, throttled, reauthentications…). */
  sourceMetrics: Record<string, number>;
  /** True when the budget ran out before every due window was read. */
  budgetExhausted: boolean;
}

interface QueuedPage {
  window: Window;
  page: Page;
}

/** Runs every stream of one source into one sink. Never throws for a stream's failure: see `failed`. */
export async function run(options: RunOptions): Promise<RunSummary> {
  const { source, clock } = options;
  const startedAt = clock.now();
  const deadline = options.budgetMs === undefined ? Number.POSITIVE_INFINITY : startedAt + options.budgetMs;
  const streams = source.streams.filter((s) => !options.streams || options.streams.includes(s.name));
  const budget = new Budget(clock, deadline);

  const summaries: StreamSummary[] = new Array(streams.length);
  let nextIndex = 0;
  const worker = async () => {
    while (nextIndex < streams.length) {
      const index = nextIndex++;
      const stream = streams[index]!;
      summaries[index] = await runStream(options, stream, budget);
    }
  };
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 1, streams.length));
  await Promise.all(Array.from({ length: concurrency }, worker));

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
    sourceMetrics: source.metrics?.() ?? {},
    budgetExhausted: budget.exhausted,
  };
}

/** The run's time budget; learns how long a page takes so it stops before one would overrun. */
class Budget {
  exhausted = false;
  #pageMs = 0;
  readonly #clock: Clock;
  readonly #deadline: number;

  constructor(clock: Clock, deadline: number) {
    this.#clock = clock;
    this.#deadline = deadline;
  }

  /** Record how long the last page took from the previous boundary. */
  observe(ms: number): void {
    this.#pageMs = this.#pageMs === 0 ? ms : Math.max(ms, this.#pageMs * 0.8 + ms * 0.2);
  }

  /** Whether another page still fits. Once it does not, it never does again in this run. */
  allowsAnother(): boolean {
    if (!this.exhausted && this.#clock.now() + this.#pageMs > this.#deadline) this.exhausted = true;
    return !this.exhausted;
  }
}

async function runStream(options: RunOptions, stream: PullStream, budget: Budget): Promise<StreamSummary> {
  const { source, checkpoints, clock } = options;
  const logger = options.logger.child({ source: source.type, tenant: source.tenant, stream: stream.name });
  const key = checkpointKey(source.tenant, source.type, stream.name);
  const summary: StreamSummary = {
    stream: stream.name,
    from: '',
    to: '',
    midWindow: false,
    records: 0,
    deadLetters: 0,
    pages: 0,
    windows: 0,
    bytes: 0,
    splits: 0,
    lagSeconds: 0,
    status: 'idle',
  };
  const finish = () => {
    if (summary.to)
      summary.lagSeconds = Math.max(0, Math.round((clock.now() - Date.parse(summary.to)) / 1000));
    return summary;
  };

  try {
    const stored = await checkpoints.read(key);
    let version = stored?.version;
    let state: StreamState = stored?.state ?? {
      position: (options.start ?? source.start ?? new Date(clock.now())).toISOString(),
    };
    summary.from = state.position;
    summary.to = state.position;
    summary.midWindow = state.window !== undefined;

    const commit = async (next: StreamState) => {
      version = await checkpoints.write(
        key,
        { ...next, updatedAt: new Date(clock.now()).toISOString() },
        version,
      );
      state = next;
      summary.to = next.position;
      summary.midWindow = next.window !== undefined;
    };

    // Windows are planned up to `now - lag` as of the stream's start: a run never chases the clock.
    const planningNow = clock.now();
    while (!options.signal?.aborted) {
      const position = Date.parse(state.position);
      const window: Window | undefined = state.window
        ? { from: new Date(position), to: new Date(state.window.to) }
        : nextWindow(position, planningNow, stream.window);
      if (!window) break;
      if (!budget.allowsAnother()) {
        summary.status = 'partial';
        break;
      }
      const outcome = await deliverWindow(options, stream, window, state, commit, summary, budget, logger);
      if (outcome === 'split') {
        const halves = splitWindow(window, stream.window.minWindowMs ?? 60_000);
        if (!halves)
          throw new QueryTimeoutError(
            `query timed out on the smallest allowed window ${window.from.toISOString()}`,
          );
        summary.splits++;
        logger.warn({ from: window.from, to: window.to }, 'query timed out: splitting the window in half');
        // Commit the smaller window as the one in progress so a restart resumes the same half.
        await commit({
          position: state.position,
          window: { to: halves[0].to.toISOString(), resume: '', seq: 0 },
        });
        continue;
      }
      if (outcome === 'restart') {
        logger.warn(
          { from: window.from, to: window.to },
          'the API refused the stored resume token: reading the window again from its start (its parts are rewritten in place)',
        );
        await commit({
          position: state.position,
          window: { to: window.to.toISOString(), resume: '', seq: 0 },
        });
        continue;
      }
      if (outcome === 'stopped') {
        summary.status = 'partial';
        break;
      }
      summary.windows++;
    }
    if (summary.status === 'idle') {
      // Stopped by the run's signal between windows: more may be due. Otherwise every due window is done.
      if (options.signal?.aborted) summary.status = 'partial';
      else if (summary.pages + summary.windows > 0) summary.status = 'ok';
    }
    return finish();
  } catch (error) {
    summary.status = 'failed';
    summary.error = describeError(error);
    logger.error({ err: error }, `stream ${stream.name} failed; its checkpoint stays at ${summary.to}`);
    return finish();
  }
}

type WindowOutcome = 'done' | 'stopped' | 'split' | 'restart';

/**
 * Whether an error on the first request of a resumed window means the stored resume token is no longer
 * valid (an expired or unknown skiptoken): the window is then read again from its start. A restart has
 * no resume token, so it can never loop.
 */
function isRejectedResume(error: unknown): boolean {
  return error instanceof SourceError && [400, 404, 410].includes(error.status ?? 0);
}

/** Reads one window page by page (producer) while delivering the previous page (consumer). */
async function deliverWindow(
  options: RunOptions,
  stream: PullStream,
  window: Window,
  state: StreamState,
  commit: (next: StreamState) => Promise<void>,
  summary: StreamSummary,
  budget: Budget,
  logger: Logger,
): Promise<WindowOutcome> {
  const { source, sink, clock } = options;
  const resume = state.window?.resume || undefined;
  let seq = state.window?.seq ?? 0;
  const queue = new BoundedQueue<QueuedPage>(options.queueCapacity ?? 2);
  options.onQueue?.(stream.name, queue);
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });

  let pagesRead = 0;
  // True only when the source itself said the window is over (not when reading was cut short).
  let sourceFinished = false;
  const producer = (async () => {
    try {
      for await (const page of stream.read(window, resume, abort.signal)) {
        pagesRead++;
        await queue.push({ window, page });
        if (abort.signal.aborted) break;
      }
      sourceFinished = !abort.signal.aborted;
      queue.close();
    } catch (error) {
      queue.fail(error);
    }
  })();

  let lastBoundary = clock.now();
  let completed = false;
  try {
    for await (const { page } of queue) {
      const { valid, invalid } = validate(stream, page.records, source);
      const identity = { tenant: source.tenant, source: source.type, stream: stream.name, window, seq };
      if (valid.length > 0) {
        const receipt = await sink.write({ ...identity, kind: 'records', records: valid } satisfies Batch);
        summary.bytes += receipt.bytes;
      }
      if (invalid.length > 0) {
        const receipt = await sink.write({
          ...identity,
          kind: 'deadletter',
          records: invalid,
        } satisfies Batch);
        summary.bytes += receipt.bytes;
        logger.warn(
          { count: invalid.length, location: receipt.location },
          'records failed validation: dead-lettered',
        );
      }
      if (valid.length + invalid.length > 0) seq++;
      summary.records += valid.length;
      summary.deadLetters += invalid.length;
      summary.pages++;

      if (page.next) {
        await commit({
          position: state.position,
          window: { to: window.to.toISOString(), resume: page.next, seq },
        });
      } else {
        await commit({ position: window.to.toISOString() });
        completed = true;
      }
      const now = clock.now();
      budget.observe(now - lastBoundary);
      lastBoundary = now;
      if (completed) break;
      if (options.signal?.aborted) {
        logger.info({ seq }, 'run aborted: stopping at a page boundary');
        return 'stopped';
      }
      if (!budget.allowsAnother()) {
        logger.info({ seq }, 'time budget reached: stopping at a page boundary');
        return 'stopped';
      }
    }
    if (!sourceFinished) return 'stopped';
    if (!completed) {
      // The source ended without a final page (no pages at all, or its last page carried a token).
      await commit({ position: window.to.toISOString() });
    }
    return 'done';
  } catch (error) {
    if (error instanceof QueryTimeoutError && pagesRead === 0 && resume === undefined) return 'split';
    if (resume !== undefined && pagesRead === 0 && isRejectedResume(error)) return 'restart';
    // Reading was cancelled by the run's own signal (ctrl-c, shutdown): a clean stop, not a failure.
    if (options.signal?.aborted) return 'stopped';
    throw error;
  } finally {
    abort.abort();
    queue.abandon();
    await producer;
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}

function validate(
  stream: PullStream,
  records: JsonRecord[],
  source: Source,
): { valid: JsonRecord[]; invalid: JsonRecord[] } {
  const tenantField = source.tenantField;
  const valid: JsonRecord[] = [];
  const invalid: JsonRecord[] = [];
  for (const record of records) {
    const result = stream.schema?.safeParse(record);
    if (result && !result.success) {
      invalid.push({ reason: result.error.message, stream: stream.name, tenant: source.tenant, record });
      continue;
    }
    valid.push(tenantField ? { ...record, [tenantField]: source.tenant } : record);
  }
  return { valid, invalid };
}
