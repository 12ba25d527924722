/**
 * Citrix Cloud OAuth client-credentials tokens: one cached token per client, refreshed
 * `refreshSkewSeconds` before it expires, one shared in-flight request for concurrent callers, and
 * `invalidate()` when the API answers 401. Every token obtained is registered with the secret
 * registry so logs scrub it, and `scrub()` removes tokens and the secret from any text.
 */
import { type Clock, isRetryableStatus, type Logger } from '@ctxsiem/core';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import type { CitrixCloudConfig } from './config.ts';
import { AuthenticationError, ResponseTooLargeError, TokenUnavailableError } from './errors.ts';
import { exchange, TransportError } from './http-exchange.ts';
import { odataErrorMessage } from './odata.ts';

/** Lifetime assumed when the endpoint omits `expires_in` (Citrix documents one hour). */
const DEFAULT_LIFETIME_SECONDS = 3600;
/** How many past tokens `scrub()` still recognises. */
const REMEMBERED_TOKENS = 16;

const TokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  // Citrix sends a string ("3600"); accept a number too.
  expires_in: z
    .union([z.string().regex(/^\s*\d+(\.\d+)?\s*$/), z.number()])
    .transform(Number)
    .pipe(z.number().positive())
    .optional(),
});

const OAuthErrorSchema = z.object({ error: z.string(), error_description: z.string().optional() });

export interface TokenDeps {
  clock: Clock;
  dispatcher: Dispatcher;
  logger?: Logger | undefined;
  secrets?: { add(value: string | undefined): void } | undefined;
}

export interface CachedToken {
  value: string;
  obtainedAt: number;
  expiresAt: number;
  /** When the token is replaced: `expiresAt` minus the refresh skew. */
  refreshAt: number;
}

export class TokenClient {
  readonly tokenUrl: URL;
  readonly #config: CitrixCloudConfig;
  readonly #deps: TokenDeps;
  #current: CachedToken | undefined;
  #pending: Promise<CachedToken> | undefined;
  readonly #issued: string[] = [];
  #requests = 0;

  constructor(config: CitrixCloudConfig, tokenUrl: URL, deps: TokenDeps) {
    this.#config = config;
    this.tokenUrl = new URL(tokenUrl);
    this.#deps = deps;
  }

  /** Token requests sent so far. */
  get requests(): number {
    return this.#requests;
  }

  /** The cached token (for diagnostics), undefined when none is held. */
  get current(): CachedToken | undefined {
    return this.#current;
  }

  /**
   * A valid token: the cached one until its refresh time, else a new one. Concurrent callers share one
   * request. `signal` abandons this caller's wait without cancelling the shared request.
   */
  async getToken(signal?: AbortSignal): Promise<string> {
    signal?.throwIfAborted();
    const cached = this.#current;
    if (cached && this.#deps.clock.now() < cached.refreshAt) return cached.value;
    if (!this.#pending) {
      this.#pending = this.#fetch().finally(() => {
        this.#pending = undefined;
      });
    }
    const token = await raceAbort(this.#pending, signal);
    return token.value;
  }

  /**
   * Drops the cached token after the API refused it. Pass the refused token so that several callers
   * hitting 401 with the same token cause one re-authentication; returns whether it dropped anything.
   */
  invalidate(rejected?: string): boolean {
    if (!this.#current) return false;
    if (rejected !== undefined && this.#current.value !== rejected) return false;
    this.#current = undefined;
    return true;
  }

  /** Replaces every token this client obtained, and the client secret, with `[REDACTED]`. */
  scrub(text: string): string {
    let out = text;
    for (const secret of [...this.#issued, this.#config.clientSecret]) {
      if (secret.length >= 4 && out.includes(secret)) out = out.split(secret).join('[REDACTED]');
    }
    return out;
  }

  async #fetch(): Promise<CachedToken> {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.#config.clientId,
      client_secret: this.#config.clientSecret,
    }).toString();
    this.#requests++;
    let response: Awaited<ReturnType<typeof exchange>>;
    try {
      response = await exchange({
        method: 'POST',
        url: this.tokenUrl,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          'accept-encoding': 'gzip',
        },
        body,
        dispatcher: this.#deps.dispatcher,
        timeoutMs: this.#config.requestTimeoutMs,
        maxResponseBytes: this.#config.maxResponseBytes,
      });
    } catch (error) {
      // Not transient: passed on as it is, so the API call fails instead of retrying it.
      if (error instanceof ResponseTooLargeError) throw error;
      const code = error instanceof TransportError ? error.code : 'NETWORK_ERROR';
      throw new TokenUnavailableError(
        `TOKEN_${code}`,
        `token request to ${this.tokenUrl.origin}${this.tokenUrl.pathname} failed: ${code} (${this.scrub(errorText(error))})`,
        { cause: error },
      );
    }
    const where = `${this.tokenUrl.origin}${this.tokenUrl.pathname}`;
    if (response.status < 200 || response.status > 299) {
      // Without its closing period: the message goes on with a sentence of its own.
      const message = this.scrub(odataErrorMessage(response.text) ?? '').replace(/\.+$/, '');
      const suffix = message ? `: ${message}` : '';
      if (isRetryableStatus(response.status)) {
        throw new TokenUnavailableError(
          `TOKEN_${response.status}`,
          `token endpoint ${where} answered ${response.status}${suffix}`,
          { status: response.status },
        );
      }
      // Bad credentials: Citrix answers 400 {"error":"invalid_client"} ("Troubleshooting for Citrix cloud
      // services APIs", Citrix developer documentation; RFC 6749 §5.2). Not transient: fail at once, naming
      // the customer and client id, never the secret.
      throw new AuthenticationError(
        `Citrix Cloud refused the API client credentials for customer "${this.#config.customerId}" ` +
          `(client id "${this.#config.clientId}"): token endpoint ${where} answered ${response.status}${suffix}. ` +
          'Check customerId, clientId, clientSecret and the region/tokenUrl.',
        { status: response.status, ...oauthErrorCode(response.text) },
      );
    }
    const parsed = parseTokenBody(response.text);
    if (!parsed) {
      throw new TokenUnavailableError(
        'TOKEN_INVALID_RESPONSE',
        `token endpoint ${where} answered ${response.status} without a usable access_token/expires_in`,
        { status: response.status },
      );
    }
    const now = this.#deps.clock.now();
    const lifetimeMs = (parsed.expires_in ?? DEFAULT_LIFETIME_SECONDS) * 1000;
    // A skew longer than half the lifetime would refresh on every call: cap it.
    const skewMs = Math.min(this.#config.refreshSkewSeconds * 1000, lifetimeMs / 2);
    const token: CachedToken = {
      value: parsed.access_token,
      obtainedAt: now,
      expiresAt: now + lifetimeMs,
      refreshAt: now + lifetimeMs - skewMs,
    };
    this.#deps.secrets?.add(token.value);
    this.#issued.push(token.value);
    if (this.#issued.length > REMEMBERED_TOKENS) this.#issued.shift();
    this.#current = token;
    this.#deps.logger?.debug(
      { customerId: this.#config.customerId, expiresInSeconds: lifetimeMs / 1000 },
      'obtained Citrix Cloud token',
    );
    return token;
  }
}

function parseTokenBody(text: string): z.output<typeof TokenResponseSchema> | undefined {
  try {
    const result = TokenResponseSchema.safeParse(JSON.parse(text));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

function oauthErrorCode(text: string): { oauthError?: string } {
  try {
    const result = OAuthErrorSchema.safeParse(JSON.parse(text));
    return result.success ? { oauthError: result.data.error } : {};
  } catch {
    return {};
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Resolves like `promise` unless `signal` aborts first (then rejects with its reason): one caller gives
 * up its wait for a shared request without cancelling it for the others.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
