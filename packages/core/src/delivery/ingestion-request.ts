/**
 * One request to a SIEM ingestion API, sent until it is accepted or fails in a way another attempt
 * cannot fix: retried on 429, 408, 5xx and network errors with backoff (full jitter), honouring
 * `Retry-After`, up to `maxAttempts`; a 401 gets one new token and another attempt; 401 again, 403, 413
 * and other 4xx are not retried, and say what to do about them. A non-retryable answer the sink says
 * refuses the request's records themselves (`refusesRecords`: SecOps' 400 INVALID_ARGUMENT) is a
 * `RequestRefusedError`: `ingestionSink` splits the request down to the records the API refuses,
 * dead-letters those with the API's reason, and the part goes on. Shared by the SecOps and Azure Monitor sinks.
 *
 * Every attempt sends the same bytes. An attempt whose fate is unknown — a timeout, a connection reset
 * or closed after the request went out, a 5xx — may have been accepted: the next attempt is a resend
 * (`onUncertain` tells the caller, which counts it); a 429, a 408, a refused connection or an unknown
 * host are certain refusals. The run's signal (a shutdown) does not abort a request in flight — it
 * ends within `timeoutMs` — only the waits between attempts.
 */
import { z } from 'zod';
import { RequestRefusedError, SinkError } from '../errors/errors.ts';
import type { Logger } from '../logging/logger.ts';
import { abortableSleep, isRetryableStatus, nextWaitMs, parseRetryAfter } from '../retry/retry-policy.ts';

const BACKOFF = { baseMs: 500, maxMs: 30_000 };

/** The retry options every ingestion API sink's config has (spread into its zod object). */
export const ingestionRequestOptions = {
  maxAttempts: z
    .number()
    .int()
    .min(1)
    .max(20)
    .default(8)
    .describe('Attempts per request on 429, 5xx and network errors, honouring Retry-After.'),
  requestTimeoutSeconds: z.number().positive().default(60).describe('Timeout of one request.'),
};

/** The `fetch` a request goes through: the global one, or one a test resolves hosts with. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface IngestionRequest {
  /** The service, for messages (`SecOps`, `Azure Monitor`). */
  service: string;
  url: string;
  body: string | Uint8Array;
  headers: Record<string, string>;
  /** A bearer token; `refresh` asks for a new one (after a 401). */
  token(refresh: boolean): Promise<string>;
  /** What is being sent, for messages: the part and the request's records. */
  what: string;
  maxAttempts: number;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  logger?: Logger | undefined;
  /** What to do about a 401 (twice), 403 or 413 from this service. */
  advice: { 401: string; 403: string; 413: string };
  /** Default: the global `fetch`. */
  fetch?: FetchLike | undefined;
  /**
   * Whether a non-retryable answer (not 401, 403 or 413) refuses the request's records for their
   * content — documented for this API as what no retry changes — rather than the sink's configuration.
   * Then a `RequestRefusedError` is thrown: the records are dead-lettered. Default: never.
   */
  refusesRecords?: ((status: number, body: string) => boolean) | undefined;
  /** Runs before every attempt (the lease renewal and claim check that fence a runner that lost its stream). */
  beforeAttempt?: (() => Promise<void>) | undefined;
  /** Called when an attempt ended without knowing whether the API accepted it. */
  onUncertain?: (() => void) | undefined;
  /**
   * Called when the API refused these bytes for what they are (413, or a 4xx other than 401 and 403):
   * no attempt with the same bytes was accepted either.
   */
  onRefusedBody?: (() => void) | undefined;
}

/** Network failures that happen before a request is sent: the API cannot have received it. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

/** Whether a failed `fetch` may have delivered the request (anything but a failure to connect). */
function mayHaveLanded(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_SENT.has(code)) return false;
  }
  return true;
}

/** The server's own message, for errors: `: <message>`, or nothing. */
export function serverMessage(text: string): string {
  try {
    const error = (JSON.parse(text) as { error?: { message?: unknown } | string }).error;
    const message = typeof error === 'string' ? error : error?.message;
    if (typeof message === 'string' && message) return `: ${message.slice(0, 300)}`;
  } catch {
    // Not JSON.
  }
  return text.trim() ? `: ${text.trim().slice(0, 200)}` : '';
}

export async function sendIngestionRequest(request: IngestionRequest): Promise<void> {
  const { service, what, signal } = request;
  let refreshed = false;
  for (let attempt = 1; ; attempt++) {
    let status: number;
    let retryAfter: string | null;
    let text: string;
    await request.beforeAttempt?.();
    let posted = false;
    try {
      const authorization = `Bearer ${await request.token(false)}`;
      posted = true;
      // Not aborted by the run's signal: a request sent may be accepted, and its answer is what the
      // ledger needs; it ends within its timeout.
      const response = await (request.fetch ?? fetch)(request.url, {
        method: 'POST',
        headers: { ...request.headers, authorization },
        body: request.body,
        signal: AbortSignal.timeout(request.timeoutMs),
      });
      status = response.status;
      // Accepted: an answer whose body is then cut off is still an acceptance.
      if (status >= 200 && status < 300) return void (await response.text().catch(() => ''));
      retryAfter = response.headers.get('retry-after');
      text = await response.text();
    } catch (error) {
      if (error instanceof SinkError && !error.retryable) throw error;
      if (posted && mayHaveLanded(error)) request.onUncertain?.();
      if (attempt >= request.maxAttempts)
        throw new SinkError(`${what}: ${(error as Error).message} (after ${attempt} attempts)`, {
          cause: error,
          retryable: true,
        });
      await abortableSleep(nextWaitMs(attempt, undefined, BACKOFF).waitMs, signal);
      continue;
    }
    if (status >= 200 && status < 300) return;
    const reason = serverMessage(text);
    if (status === 401 && !refreshed) {
      refreshed = true;
      await request.token(true);
      continue;
    }
    if (status !== 401 && status !== 403 && status >= 400 && !isRetryableStatus(status))
      request.onRefusedBody?.();
    if (status === 401 || status === 403 || status === 413) {
      const said =
        status === 401
          ? `${service} refused the credentials twice (401${reason})`
          : `${service} answered ${status}${reason}`;
      throw new SinkError(`${what}: ${said}; ${request.advice[status]}`, { retryable: false });
    }
    if (!isRetryableStatus(status) && request.refusesRecords?.(status, text))
      throw new RequestRefusedError(
        `${what}: ${service} refused the request's records (${status}${reason})`,
        status,
        `${service} refused the request (${status}${reason})`,
      );
    // A 5xx may come after the API took the request (a gateway timing out on it): maybe accepted.
    if (status >= 500) request.onUncertain?.();
    if (!isRetryableStatus(status) || attempt >= request.maxAttempts)
      throw new SinkError(
        `${what}: ${service} answered ${status}${reason}${attempt > 1 ? ` after ${attempt} attempts` : ''}`,
        { retryable: isRetryableStatus(status) },
      );
    const wait = nextWaitMs(attempt, parseRetryAfter(retryAfter ?? undefined, Date.now()), BACKOFF);
    request.logger?.warn({ status, attempt, waitMs: wait.waitMs, what }, `${service} asked to retry`);
    await abortableSleep(wait.waitMs, signal);
  }
}
