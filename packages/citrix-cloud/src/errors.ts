/**
 * Errors of the Citrix Cloud client. All extend core's SourceError (stable `code`, HTTP `status` when
 * there was one). Messages carry method, path and the server's own words, never a token or secret.
 */
import { SourceError } from '@ctxsiem/core';

/** The token endpoint refused the credentials, or the API refused a freshly obtained token. */
export class AuthenticationError extends SourceError {
  /** OAuth `error` field from the token endpoint, when it sent one. */
  readonly oauthError: string | undefined;

  constructor(message: string, options: { cause?: unknown; status?: number; oauthError?: string } = {}) {
    super('AUTHENTICATION_FAILED', message, options);
    this.oauthError = options.oauthError;
  }
}

/** 403: the API client lacks a permission. Never retried. */
export class PermissionError extends SourceError {
  /** `METHOD /path` that was refused. */
  readonly operation: string;

  constructor(operation: string, message: string, options: { cause?: unknown; status?: number } = {}) {
    super('PERMISSION_DENIED', message, options);
    this.operation = operation;
  }
}

/** A URL (a nextLink, a resume token, a caller's URL) points away from the configured API origin. */
export class ForeignOriginError extends SourceError {
  readonly foreignOrigin: string;
  readonly expectedOrigin: string;

  constructor(foreignOrigin: string, expectedOrigin: string) {
    super(
      'FOREIGN_ORIGIN',
      `refusing to send the Citrix Cloud token to ${foreignOrigin}: only ${expectedOrigin} (the configured API origin) may be called`,
    );
    this.foreignOrigin = foreignOrigin;
    this.expectedOrigin = expectedOrigin;
  }
}

/** What one attempt of a call ended with. */
export interface AttemptRecord {
  attempt: number;
  /** HTTP status (`"503"`) or error code (`"ECONNRESET"`, `"TIMEOUT"`, `"INVALID_JSON"`, `"TOKEN_503"`). */
  outcome: string;
  status?: number;
  /** How long the client waited after this attempt before the next one. */
  waitMs?: number;
  /** Whether the wait came from a Retry-After header. */
  retryAfter?: boolean;
  /** Server message or transport error text (scrubbed). */
  detail?: string;
}

/** Transient failures outlasted `maxAttempts`. The message lists every attempt and the total wait. */
export class RetriesExhaustedError extends SourceError {
  readonly attempts: AttemptRecord[];
  readonly totalWaitMs: number;

  constructor(
    operation: string,
    attempts: AttemptRecord[],
    totalWaitMs: number,
    options: { cause?: unknown; status?: number } = {},
  ) {
    const tried = attempts
      .map((a) => {
        const wait =
          a.waitMs === undefined ? '' : `, then waited ${a.waitMs} ms${a.retryAfter ? ' (Retry-After)' : ''}`;
        const detail = a.detail ? ` "${a.detail}"` : '';
        return `#${a.attempt} ${a.outcome}${detail}${wait}`;
      })
      .join('; ');
    super(
      'RETRIES_EXHAUSTED',
      `${operation} failed after ${attempts.length} attempts and ${totalWaitMs} ms of waiting: ${tried}`,
      options,
    );
    this.attempts = attempts;
    this.totalWaitMs = totalWaitMs;
  }
}

/**
 * The token endpoint could not be reached or answered with a transient failure (429, 5xx, a broken
 * body). The API client counts this as one failed attempt and retries it like any other.
 */
export class TokenUnavailableError extends SourceError {
  /** Attempt outcome for retry logs: `TOKEN_503`, `TOKEN_ECONNRESET`, `TOKEN_INVALID_RESPONSE`. */
  readonly outcome: string;

  constructor(outcome: string, message: string, options: { cause?: unknown; status?: number } = {}) {
    super('TOKEN_UNAVAILABLE', message, options);
    this.outcome = outcome;
  }
}
