/**
 * When to retry and how long to wait: exponential backoff with full jitter, `Retry-After` (seconds or
 * HTTP date) honoured up to a cap, and an abortable sleep.
 */

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/** Statuses worth another attempt: throttling, request timeout, and every 5xx (query timeouts are
 * recognised before this is asked). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status <= 599);
}

/**
 * Full-jitter backoff ("Exponential Backoff And Jitter", AWS Architecture Blog): a uniform wait in
 * `[0, min(maxMs, baseMs * 2^(retry-1))]`. `retry` counts from 1.
 */
export function backoffDelayMs(
  retry: number,
  backoff: BackoffOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(random() * ceiling);
}

/**
 * Parses a `Retry-After` header value: delta-seconds or an HTTP date (relative to `nowMs`). Returns
 * milliseconds (never negative), or undefined when absent or unparseable.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP date names its month (`Tue, 06 Aug 2024 07:00:30 GMT`); Date.parse alone would read "-5" as a year.
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** The wait before the next attempt: Retry-After when the server sent one (capped), else backoff. */
export function nextWaitMs(
  retry: number,
  retryAfterMs: number | undefined,
  backoff: BackoffOptions,
  random: () => number = Math.random,
): { waitMs: number; fromRetryAfter: boolean } {
  if (retryAfterMs !== undefined)
    return { waitMs: Math.min(retryAfterMs, backoff.maxMs * 4), fromRetryAfter: true };
  return { waitMs: backoffDelayMs(retry, backoff, random), fromRetryAfter: false };
}

/** Waits `ms`, rejecting with the signal's reason as soon as it aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
