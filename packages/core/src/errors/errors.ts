/**
 * Named errors shared by every package. Each carries a stable `code` for machine handling and,
 * where it wraps another failure, the original as `cause`. Messages never contain secrets: the
 * logger redacts, but errors are also printed by the CLI, so callers pass only safe context.
 */

export class CtxsiemError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One configuration problem: `path` is the dotted field path (`sink.bucket`), `reason` the rule broken. */
export interface ConfigIssue {
  path: string;
  reason: string;
}

/** Invalid configuration. The message lists every bad field by path. */
export class ConfigError extends CtxsiemError {
  readonly component: string;
  readonly issues: ConfigIssue[];

  constructor(component: string, issues: ConfigIssue[]) {
    const lines = issues.map((issue) => `  - ${issue.path || '(root)'}: ${issue.reason}`);
    super('CONFIG_INVALID', `[${component}] invalid configuration:\n${lines.join('\n')}`);
    this.component = component;
    this.issues = issues;
  }
}

/** A conditional checkpoint write lost the race: someone else advanced the stream first. */
export class CheckpointConflictError extends CtxsiemError {
  readonly key: string;

  constructor(key: string, detail: string, options?: { cause?: unknown }) {
    super(
      'CHECKPOINT_CONFLICT',
      `checkpoint "${key}" was changed by another runner (${detail}); this run stops the stream without advancing it`,
      options,
    );
    this.key = key;
  }
}

/** A sink could not store a batch. `retryable` tells whether a later attempt may succeed. */
export class SinkError extends CtxsiemError {
  readonly retryable: boolean;

  constructor(message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super('SINK_FAILED', message, options);
    this.retryable = options.retryable ?? false;
  }
}

/**
 * A SIEM API refused a request for its records' content, in a way no retry changes (SecOps: a 400 that
 * names a log of the request): those records are dead-lettered with `reason`, and the stream goes on.
 * A refusal that is the sink's (credentials, permission, size, a log type the instance lacks) is a
 * plain `SinkError`: it fails the stream until it is fixed.
 */
export class RequestRefusedError extends SinkError {
  readonly status: number;
  /** The API's answer, for the dead letters (never holds a secret: the API's own message). */
  readonly reason: string;

  constructor(message: string, status: number, reason: string) {
    super(message, { retryable: false });
    this.status = status;
    this.reason = reason;
  }
}

/**
 * A part already exists with other content than the write carried. Parts are create-only; the runner
 * answers by adopting the existing part (a killed run wrote it) and writing what is left as the next
 * part. Anywhere else it is a bug worth stopping for.
 */
export class PartExistsError extends CtxsiemError {
  readonly location: string;

  constructor(location: string, detail: string, options?: { cause?: unknown }) {
    super('PART_EXISTS', `part ${location} already exists with other content (${detail})`, options);
    this.location = location;
  }
}

/** A source could not read. `status` is the HTTP status when there was one. */
export class SourceError extends CtxsiemError {
  readonly status: number | undefined;

  constructor(code: string, message: string, options: { cause?: unknown; status?: number } = {}) {
    super(code, message, options);
    this.status = options.status;
  }
}

/**
 * The API gave up on a query because it scanned too much (Citrix Monitor: 30 s). The runner answers by
 * splitting the window in half.
 */
export class QueryTimeoutError extends SourceError {
  constructor(message: string, options: { cause?: unknown; status?: number } = {}) {
    super('QUERY_TIMEOUT', message, options);
  }
}

/** Text of an error and its causes, one per line: what the CLI prints and the summary carries. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (current instanceof Error) {
      parts.push(current.message);
      current = current.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts.join('\n  caused by: ');
}
