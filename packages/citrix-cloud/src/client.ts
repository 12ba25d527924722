/**
 * The Citrix Cloud API client: authenticated GETs through one undici keep-alive agent, one request at a
 * time per tenant (process-wide), retries with backoff for transient failures, one re-authentication
 * on 401, fail-fast on 403 and on query timeouts, and an origin guard on every URL.
 */
import {
  abortableSleep,
  type Clock,
  isRetryableStatus,
  type Logger,
  nextWaitMs,
  parseConfig,
  parseRetryAfter,
  QueryTimeoutError,
  SourceError,
  silentLogger,
  systemClock,
} from '@ctxsiem/core';
import { Agent, type Dispatcher } from 'undici';
import {
  type CitrixCloudConfig,
  type CitrixCloudConfigInput,
  CitrixCloudConfigSchema,
  resolveEndpoints,
} from './config.ts';
import {
  type AttemptRecord,
  AuthenticationError,
  PermissionError,
  ResponseTooLargeError,
  RetriesExhaustedError,
  TokenUnavailableError,
} from './errors.ts';
import { type ExchangeResponse, exchange, headerValue, TransportError } from './http-exchange.ts';
import { isQueryTimeoutResponse, odataErrorMessage, retryDelayFromBody } from './odata.ts';
import { OriginGuard } from './origin-guard.ts';
import { tenantLockKey, withTenantLock } from './tenant-lock.ts';
import { TokenClient } from './token.ts';

export interface CitrixCloudDeps {
  logger?: Logger | undefined;
  clock?: Clock | undefined;
  /** HTTP dispatcher; default: a keep-alive undici Agent owned (and closed) by the client. */
  dispatcher?: Dispatcher | undefined;
  /** Secret registry: every token obtained is added so the logger scrubs it. */
  secrets?: { add(value: string | undefined): void } | undefined;
  /** Jitter source in [0, 1); tests may pin it. */
  random?: (() => number) | undefined;
}

/** Counters for run summaries. */
export interface CitrixCloudStats {
  /** HTTP requests sent to the API (every attempt; token requests not included). */
  requests: number;
  /** Attempts repeated after a transient failure (429, 5xx, timeout, broken connection or body). */
  retries: number;
  /** 429 answers received. */
  throttled: number;
  /** Re-authentications after a 401. */
  reauthentications: number;
}

export interface GetJsonOptions {
  signal?: AbortSignal | undefined;
  /**
   * Extra request headers, e.g. `{ Prefer: 'odata.maxpagesize=500' }`. The client's own headers
   * (authorization, citrix-customerid, accept, accept-encoding, host) cannot be overridden.
   */
  headers?: Readonly<Record<string, string>> | undefined;
}

/** One API call: a GET, or a query POSTed with a JSON body; its answer read as JSON, or as text. */
interface ApiRequest {
  method: 'GET' | 'POST';
  url: URL;
  body?: string | undefined;
  /** `text`: the body as it came (an OData `$metadata` document, XML); default JSON. */
  answer?: 'text' | undefined;
  /** A `204 No Content` is a documented empty result (undefined), not a body to parse. */
  noContent?: boolean | undefined;
}

/** Headers the client owns; a caller's value for them is dropped. */
const RESERVED_HEADERS = new Set([
  'authorization',
  'citrix-customerid',
  'accept',
  'accept-encoding',
  'host',
  'content-length',
  'content-type',
]);

/** Transport codes that are the caller's mistake, not the network's: never retried. */
const NON_RETRYABLE_TRANSPORT = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'ERR_INVALID_URL']);

type AttemptResult<T> =
  | { kind: 'done'; value: T }
  | { kind: 'retry'; record: AttemptRecord; retryAfterMs?: number | undefined; cause?: unknown }
  | { kind: 'reauth'; record: AttemptRecord };

export class CitrixCloudClient {
  readonly config: CitrixCloudConfig;
  readonly customerId: string;
  /** API base URL (ends in `/`). */
  readonly apiBase: URL;
  /** The only origin the token is ever sent to. */
  readonly apiOrigin: string;
  readonly guard: OriginGuard;
  readonly tokens: TokenClient;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  #closed = false;
  readonly #random: () => number;
  readonly #lockKey: string;
  readonly #stats: CitrixCloudStats = { requests: 0, retries: 0, throttled: 0, reauthentications: 0 };

  /** Validates `config` (ConfigError naming each bad field) and prepares the client; no I/O yet. */
  constructor(config: CitrixCloudConfigInput, deps: CitrixCloudDeps = {}) {
    this.config = parseConfig('citrix-cloud', CitrixCloudConfigSchema, config);
    const endpoints = resolveEndpoints(this.config);
    this.customerId = this.config.customerId;
    this.apiBase = endpoints.apiBase;
    this.apiOrigin = endpoints.apiOrigin;
    this.guard = new OriginGuard(endpoints.apiBase);
    this.#logger = deps.logger ?? silentLogger();
    this.#clock = deps.clock ?? systemClock;
    this.#ownsDispatcher = deps.dispatcher === undefined;
    this.#dispatcher =
      deps.dispatcher ?? new Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000, connections: 4 });
    this.#random = deps.random ?? Math.random;
    this.#lockKey = tenantLockKey(this.apiOrigin, this.customerId);
    this.tokens = new TokenClient(this.config, endpoints.tokenUrl, {
      clock: this.#clock,
      dispatcher: this.#dispatcher,
      logger: this.#logger,
      secrets: deps.secrets,
    });
  }

  /** A snapshot of the counters. */
  get stats(): CitrixCloudStats {
    return { ...this.#stats };
  }

  /**
   * GETs JSON from `pathOrUrl` (relative to the API base, or an absolute URL on the API origin).
   * Waits for the tenant's lock and holds it through every attempt, body read and backoff wait.
   */
  async getJson<T = unknown>(pathOrUrl: string | URL, options: GetJsonOptions = {}): Promise<T> {
    return this.#request<T>({ method: 'GET', url: this.guard.resolve(pathOrUrl) }, options);
  }

  /**
   * GETs JSON like `getJson`, from an endpoint that documents `204 No Content` for "nothing to report"
   * (Citrix's licensing usage APIs): a 204 answers `undefined` — a result, not an error, never retried.
   */
  async getJsonOrNoContent<T = unknown>(
    pathOrUrl: string | URL,
    options: GetJsonOptions = {},
  ): Promise<T | undefined> {
    return this.#request<T | undefined>(
      { method: 'GET', url: this.guard.resolve(pathOrUrl), noContent: true },
      options,
    );
  }

  /**
   * POSTs a JSON body to a query endpoint (the DaaS `…/$search` operations: a search, not a change) and
   * reads the JSON answer, with the same lock, token, retries and errors as `getJson`. Only for queries:
   * a request is sent again after a transient failure.
   */
  async searchJson<T = unknown>(
    pathOrUrl: string | URL,
    body: unknown,
    options: GetJsonOptions = {},
  ): Promise<T> {
    return this.#request<T>(
      { method: 'POST', url: this.guard.resolve(pathOrUrl), body: JSON.stringify(body) },
      options,
    );
  }

  /**
   * GETs a document that is not JSON — the OData service's `$metadata` (XML) — as text, with the same
   * lock, token, retries and errors as `getJson`.
   */
  async getText(pathOrUrl: string | URL, options: GetJsonOptions = {}): Promise<string> {
    return this.#request<string>(
      { method: 'GET', url: this.guard.resolve(pathOrUrl), answer: 'text' },
      options,
    );
  }

  #request<T>(request: ApiRequest, options: GetJsonOptions): Promise<T> {
    options.signal?.throwIfAborted();
    const extra = callerHeaders(options.headers);
    if (request.body !== undefined) extra['content-type'] = 'application/json';
    return withTenantLock(this.#lockKey, options.signal, () => this.#run<T>(request, extra, options.signal));
  }

  /** Releases the keep-alive connections (only when the client created its own agent). */
  async close(): Promise<void> {
    if (!this.#ownsDispatcher || this.#closed) return;
    this.#closed = true;
    await this.#dispatcher.close();
  }

  async #run<T>(
    request: ApiRequest,
    extra: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const { url } = request;
    const operation = `${request.method} ${url.pathname}${url.search}`;
    const attempts: AttemptRecord[] = [];
    let totalWaitMs = 0;
    let reauthenticated = false;
    let transientRetries = 0;
    for (let attempt = 1; ; attempt++) {
      const result = await this.#attempt<T>(request, extra, operation, attempt, reauthenticated, signal);
      if (result.kind === 'done') return result.value;
      attempts.push(result.record);
      if (result.kind === 'reauth') {
        reauthenticated = true;
        this.#stats.reauthentications++;
        this.#logger.info(
          { path: url.pathname, customerId: this.customerId },
          'Citrix Cloud answered 401; re-authenticating once',
        );
        // Always allowed, even on the last attempt: a 401 is answered by one fresh token, not by giving up.
        continue;
      }
      // An answer other than 401 came with the fresh token (a 429, a 5xx): it was accepted, so a later
      // 401 means it expired since — another re-authentication, not a refusal. Never a loop: each
      // such answer is a transient retry, bounded by maxAttempts.
      if (result.record.status !== undefined && result.record.status !== 401) reauthenticated = false;
      if (attempt >= this.config.maxAttempts) {
        throw this.#exhausted(operation, attempts, totalWaitMs, result.record, result.cause);
      }
      transientRetries++;
      const { waitMs, fromRetryAfter } = nextWaitMs(
        transientRetries,
        result.retryAfterMs,
        this.config.backoff,
        this.#random,
      );
      result.record.waitMs = waitMs;
      if (fromRetryAfter) result.record.retryAfter = true;
      this.#logger.warn(
        {
          path: url.pathname,
          customerId: this.customerId,
          attempt,
          outcome: result.record.outcome,
          waitMs,
          fromRetryAfter,
        },
        'Citrix Cloud request failed; retrying',
      );
      await abortableSleep(waitMs, signal);
      totalWaitMs += waitMs;
      this.#stats.retries++;
    }
  }

  async #attempt<T>(
    request: ApiRequest,
    extra: Record<string, string>,
    operation: string,
    attempt: number,
    reauthenticated: boolean,
    signal: AbortSignal | undefined,
  ): Promise<AttemptResult<T>> {
    let token: string;
    try {
      token = await this.tokens.getToken(signal);
    } catch (error) {
      if (error instanceof TokenUnavailableError) {
        return {
          kind: 'retry',
          record: { attempt, outcome: error.outcome, detail: error.message },
          cause: error,
        };
      }
      throw error;
    }
    this.#stats.requests++;
    const { url } = request;
    let response: ExchangeResponse;
    try {
      response = await exchange({
        method: request.method,
        url,
        ...(request.body === undefined ? {} : { body: request.body }),
        headers: {
          ...extra,
          authorization: `CwsAuth Bearer=${token}`,
          'citrix-customerid': this.customerId,
          accept:
            request.answer === 'text' ? 'application/xml, text/plain;q=0.9, */*;q=0.1' : 'application/json',
          'accept-encoding': 'gzip',
          'user-agent': 'ctxsiem-citrix-cloud',
        },
        dispatcher: this.#dispatcher,
        timeoutMs: this.config.requestTimeoutMs,
        maxResponseBytes: this.config.maxResponseBytes,
        signal,
      });
    } catch (error) {
      // Too large is the same answer next time: fail the call at once.
      if (error instanceof ResponseTooLargeError) throw error;
      if (error instanceof TransportError && !NON_RETRYABLE_TRANSPORT.has(error.code)) {
        return {
          kind: 'retry',
          record: { attempt, outcome: error.code, detail: this.#scrub(error.message) },
          cause: error,
        };
      }
      throw error;
    }
    const { status } = response;
    if (status >= 200 && status <= 299) {
      if (status === 204 && request.noContent) return { kind: 'done', value: undefined as T };
      if (request.answer === 'text') return { kind: 'done', value: response.text as T };
      try {
        return { kind: 'done', value: JSON.parse(response.text) as T };
      } catch (error) {
        const detail = `${response.text.length} bytes that are not complete JSON`;
        return { kind: 'retry', record: { attempt, outcome: 'INVALID_JSON', status, detail }, cause: error };
      }
    }
    const message = this.#scrub(odataErrorMessage(response.text) ?? '') || undefined;
    const said = message ? `: ${message}` : '';
    if (status === 401) {
      if (!reauthenticated) {
        this.tokens.invalidate(token);
        return {
          kind: 'reauth',
          record: { attempt, outcome: '401', status, ...(message ? { detail: message } : {}) },
        };
      }
      throw new AuthenticationError(
        `${operation} was refused with 401 even with a freshly obtained token${said}. ` +
          `The API client for customer "${this.customerId}" authenticates but is not accepted here; check customerId and the region/apiBase.`,
        { status },
      );
    }
    if (status === 403) {
      throw new PermissionError(operation, permissionMessage(operation, url, message), { status });
    }
    if (isQueryTimeoutResponse(status, message)) {
      throw new QueryTimeoutError(
        `${operation} timed out on the server (${status}${said}); query a smaller window`,
        { status },
      );
    }
    if (isRetryableStatus(status)) {
      if (status === 429) this.#stats.throttled++;
      const retryAfterMs =
        parseRetryAfter(response.headers['retry-after'], this.#clock.now()) ??
        retryDelayFromBody(response.text);
      return {
        kind: 'retry',
        record: { attempt, outcome: String(status), status, ...(message ? { detail: message } : {}) },
        retryAfterMs,
      };
    }
    if (status >= 300 && status <= 399) {
      const location = headerValue(response.headers.location);
      throw new SourceError(
        'UNEXPECTED_REDIRECT',
        `${operation} answered ${status}${location ? ` redirecting to ${originOnly(location)}` : ''}; redirects are not followed`,
        { status },
      );
    }
    throw new SourceError('REQUEST_REJECTED', `${operation} was rejected with ${status}${said}`, { status });
  }

  #exhausted(
    operation: string,
    attempts: AttemptRecord[],
    totalWaitMs: number,
    last: AttemptRecord,
    cause: unknown,
  ): RetriesExhaustedError {
    return new RetriesExhaustedError(operation, attempts, totalWaitMs, {
      ...(cause === undefined ? {} : { cause }),
      ...(last.status === undefined ? {} : { status: last.status }),
    });
  }

  #scrub(text: string): string {
    return this.tokens.scrub(text);
  }
}

/** What a 403 means for the operation, in words an administrator can act on. */
export function permissionMessage(operation: string, url: URL, serverMessage: string | undefined): string {
  const path = url.pathname.toLowerCase();
  let grant = 'grant the API client a role that allows this call';
  if (path.includes('/monitorodata/')) {
    grant = 'grant it Monitor read access (Full Administrator or a custom role with Monitor)';
  } else if (path.includes('/casodata/')) {
    grant = 'grant it access to Citrix Analytics for Performance (an administrator with Analytics access)';
  } else if (path.includes('/licensing/')) {
    grant = 'grant it access to Licensing (Full Administrator or a custom role with Licensing)';
  }
  const said = serverMessage ? ` Server said: ${serverMessage}` : '';
  return `the API client lacks permission for ${operation.split('?')[0]}; ${grant}.${said}`;
}

/** The caller's extra headers with lower-case names, minus the ones the client owns. */
function callerHeaders(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const key = name.toLowerCase();
    if (!RESERVED_HEADERS.has(key)) out[key] = value;
  }
  return out;
}

function originOnly(location: string): string {
  try {
    return new URL(location).origin;
  } catch {
    return 'a relative location';
  }
}
