/**
 * Reads one range of a window page by page (the producer) while the previous page is delivered (the
 * consumer), through a bounded queue: page n+1 is fetched while page n is written, and a fast source
 * never runs ahead of a slow sink by more than the queue's capacity.
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
  /** Delivers and commits one page. */
  deliver(page: Page): Promise<void>;
  /** Asked after each page: whether the run must stop here. */
  shouldStop(): boolean;
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
  const queue = new BoundedQueue<Page>(read.queueCapacity);
  read.onQueue?.(stream.name, queue);
  const abort = new AbortController();
  const signal = AbortSignal.any([abort.signal, read.signal]);

  let pagesRead = 0;
  // True only when the source itself said the range is over (not when reading was cut short).
  let sourceFinished = false;
  const producer = (async () => {
    try {
      for await (const page of stream.read(range, resume, signal)) {
        pagesRead++;
        await queue.push(page);
        if (signal.aborted) break;
      }
      sourceFinished = !signal.aborted;
      queue.close();
    } catch (error) {
      queue.fail(error);
    }
  })();

  try {
    for await (const page of queue) {
      await nextRequestSent();
      await read.deliver(page);
      if (!page.next) return 'done';
      if (read.shouldStop()) return 'stopped';
    }
    // The source ended without a final page (no pages at all, or its last page carried a token).
    return sourceFinished ? 'done' : 'stopped';
  } catch (error) {
    if (error instanceof QueryTimeoutError) return 'timeout';
    if (resume !== undefined && pagesRead === 0 && isRefusedResume(error)) return 'refused-resume';
    // Cancelled by the run's own signal (budget, ctrl-c, shutdown): a clean stop, not a failure.
    if (read.signal.aborted) return 'stopped';
    throw error;
  } finally {
    abort.abort();
    queue.abandon();
    await producer;
  }
}
