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

/** Which cap a response broke: its announced size, the bytes received, or the bytes it decoded to. */
export type ResponseTooLargeReason = 'content-length' | 'body' | 'decoded';

/**
 * A response was larger than `maxResponseBytes`: announced by `Content-Length`, seen while its body
 * streamed in, or reached while decompressing it (a compression bomb). Reading stopped at the cap and
 * the connection was dropped. Never retried: the same request would get the same answer.
 */
export class ResponseTooLargeError extends SourceError {
  /** `GET https://api.cloud.com/monitorodata/Sessions`: method, origin and path, never the query string. */
  readonly operation: string;
  readonly reason: ResponseTooLargeReason;
  /** The cap in bytes (`maxResponseBytes`). */
  readonly limitBytes: number;
  /** Body bytes received from the network before reading stopped (0 when refused on Content-Length). */
  readonly receivedBytes: number;
  /** Bytes of decoded (decompressed) body produced before reading stopped; equals `receivedBytes` when not encoded. */
  readonly decodedBytes: number;
  /** The `Content-Length` the server announced, when it sent one. */
  readonly contentLength: number | undefined;
  /** The `Content-Encoding` that was being decoded (`gzip`, `deflate`, `br`), if any. */
  readonly encoding: string | undefined;

  constructor(details: {
    operation: string;
    reason: ResponseTooLargeReason;
    limitBytes: number;
    receivedBytes: number;
    decodedBytes: number;
    contentLength?: number | undefined;
    encoding?: string | undefined;
    status?: number | undefined;
  }) {
    const { operation, reason, limitBytes, receivedBytes, decodedBytes, contentLength, encoding } = details;
    const limit = `the ${formatBytes(limitBytes)} limit (maxResponseBytes = ${limitBytes} bytes)`;
    let what: string;
    if (reason === 'content-length') {
      what = `announced a ${formatBytes(contentLength ?? 0)} body (Content-Length ${contentLength}), over ${limit}; the body was not read`;
    } else if (reason === 'decoded') {
      what = `sent a ${encoding ?? 'compressed'} body that decodes to more than ${limit}; decoding stopped after ${decodedBytes} bytes (from ${receivedBytes} bytes received)`;
    } else {
      what = `sent a body larger than ${limit}; reading stopped after ${receivedBytes} bytes`;
    }
    super(
      'RESPONSE_TOO_LARGE',
      `${operation} ${what}. Raise maxResponseBytes in the Citrix Cloud client config if responses this large are expected, or ask for smaller pages (e.g. Prefer: odata.maxpagesize).`,
      details.status === undefined ? {} : { status: details.status },
    );
    this.operation = operation;
    this.reason = reason;
    this.limitBytes = limitBytes;
    this.receivedBytes = receivedBytes;
    this.decodedBytes = decodedBytes;
    this.contentLength = contentLength;
    this.encoding = encoding;
  }
}

/** `64 MiB`, `1.5 MiB`, `512 KiB`, `900 bytes`. */
export function formatBytes(bytes: number): string {
  const units: Array<[string, number]> = [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ];
  for (const [unit, size] of units) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} bytes`;
}
