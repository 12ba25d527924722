/**
 * Reads one range of a window page by page (the producer) while the previous page is delivered (the
 * consumer), through a bounded queue: page n+1 is fetched while page n is written, and a fast source
 * never runs ahead of a slow sink by more than the queue's capacity. A range's reading may begin before
 * its delivery does (`RangeReading`: the runner reads the next window's first pages while it closes the
 * window before); reading writes nothing, so what is read ahead and not delivered is only dropped.
 */
import type { Page, PullStream } from '../contracts/pull-source.ts';
import type { Window } from '../contracts/records.ts';
import { QueryTimeoutError, SourceError } from '../errors/errors.ts';
import { BoundedQueue } from './queue.ts';

/**
 * How reading a range ended: `done` (the source said it is over), `stopped` (the run stops at a page
 * boundary or was aborted), `timeout` (the API gave up on the query: read it again in halves), or
 * `refused-resume` (the API refused the stored resume token: read the range again from its start).
 */
export type RangeOutcome = 'done' | 'stopped' | 'timeout' | 'refused-resume';

export interface RangeRead {
  stream: PullStream;
  range: Window;
  resume: string | undefined;
  /** The run's signal: aborting it cancels the read in flight. */
  signal: AbortSignal;
  queueCapacity: number;
  onQueue?: ((stream: string, queue: BoundedQueue<unknown>) => void) | undefined;
  /** This range's reading when it began already (read ahead); it must be of `range` from `resume`. */
  reading?: RangeReading | undefined;
  /** Called once the source said the range is over (its last page read, maybe not yet delivered). */
  onSourceDone?: (() => void) | undefined;
  /** Delivers and commits one page. */
  deliver(page: Page): Promise<void>;
  /** Asked after each page: whether the run must stop here. */
  shouldStop(): boolean;
}

/**
 * A range being read: the producer, queueing the source's pages as they come (at most the queue's
 * capacity ahead of their delivery), until the source says the range is over or the reading is
 * cancelled (its own signal, or the run's).
 */
export class RangeReading {
  readonly stream: PullStream;
  readonly range: Window;
  readonly resume: string | undefined;
  readonly queue: BoundedQueue<Page>;
  /** Pages the source gave. */
  pagesRead = 0;
  /** True only when the source itself said the range is over (not when reading was cut short). */
  sourceFinished = false;
  readonly #abort = new AbortController();
  readonly #producer: Promise<void>;
  #onSourceDone: (() => void) | undefined;

  constructor(options: {
    stream: PullStream;
    range: Window;
    resume: string | undefined;
    signal: AbortSignal;
    queueCapacity: number;
    onSourceDone?: (() => void) | undefined;
  }) {
    this.#onSourceDone = options.onSourceDone;
    const { stream, range, resume } = options;
    this.stream = stream;
    this.range = range;
    this.resume = resume;
    const queue = new BoundedQueue<Page>(options.queueCapacity);
    this.queue = queue;
    const signal = AbortSignal.any([this.#abort.signal, options.signal]);
    this.#producer = (async () => {
      try {
        for await (const page of stream.read(range, resume, signal)) {
          this.pagesRead++;
          await queue.push(page);
          if (signal.aborted) break;
        }
        this.sourceFinished = !signal.aborted;
        queue.close();
        if (this.sourceFinished) this.#onSourceDone?.();
      } catch (error) {
        queue.fail(error);
      }
    })();
  }

  /** Calls `callback` once the source said the range is over: now, when it did already. */
  afterSource(callback: () => void): void {
    if (this.sourceFinished) callback();
    else this.#onSourceDone = callback;
  }

  /** Whether this is the reading of `range` from `resume`. */
  isOf(range: Window, resume: string | undefined): boolean {
    return (
      this.range.from.getTime() === range.from.getTime() &&
      this.range.to.getTime() === range.to.getTime() &&
      this.resume === resume
    );
  }

  /** Stops reading and drops what was read and not delivered; resolves once the producer ended. */
  async cancel(): Promise<void> {
    this.#abort.abort();
    this.queue.abandon();
    await this.#producer;
  }
}

/**
 * Whether an error on the first request of a resumed read means the stored resume token is no longer
 * valid (an expired or unknown skiptoken). A read from the range's start has no token, so it cannot loop.
 */
function isRefusedResume(error: unknown): boolean {
  return error instanceof SourceError && [400, 404, 410].includes(error.status ?? 0);
}

/**
 * Lets the producer send its next request before a page's delivery takes the thread. A page's records
 * are validated, digested and encoded synchronously; a request asked for meanwhile goes out only from
 * a later turn of the event loop (undici writes a request on a kept-alive socket from a `setImmediate`,
 * `scheduleIdleSocketValidation` in lib/dispatcher/client-h1.js), so without this the API's time to
 * answer would begin only after the delivery's work, never overlapping it. The consumer wakes before
 * the producer asks for the next page (both on the queue's microtasks), so the client's immediate is
 * queued after this one's first: the second turn comes after the request was written.
 */
async function nextRequestSent(): Promise<void> {
  for (let turn = 0; turn < 2; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export async function readRange(read: RangeRead): Promise<RangeOutcome> {
  const { stream, range, resume } = read;
  let reading = read.reading;
  if (reading === undefined)
    reading = new RangeReading({
      stream,
      range,
      resume,
      signal: read.signal,
      queueCapacity: read.queueCapacity,
      onSourceDone: read.onSourceDone,
    });
  else if (read.onSourceDone) reading.afterSource(read.onSourceDone);
  read.onQueue?.(stream.name, reading.queue);
  try {
    for await (const page of reading.queue) {
      await nextRequestSent();
      await read.deliver(page);
      if (!page.next) return 'done';
      if (read.shouldStop()) return 'stopped';
    }
    // The source ended without a final page (no pages at all, or its last page carried a token).
    return reading.sourceFinished ? 'done' : 'stopped';
  } catch (error) {
    if (error instanceof QueryTimeoutError) return 'timeout';
    if (resume !== undefined && reading.pagesRead === 0 && isRefusedResume(error)) return 'refused-resume';
    // Cancelled by the run's own signal (budget, ctrl-c, shutdown): a clean stop, not a failure.
    if (read.signal.aborted) return 'stopped';
    throw error;
  } finally {
    await reading.cancel();
  }
}
