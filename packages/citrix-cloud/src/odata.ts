/**
 * OData v4 pieces the Citrix APIs need: query-option URLs, literals, the error body's message, and the
 * recognition of a server-side query timeout.
 */

export interface ODataQueryOptions {
  /** `$filter` expression, e.g. `ModifiedDate ge 2024-08-06T07:00:00Z and ModifiedDate lt 2024-08-06T08:00:00Z`. */
  filter?: string | undefined;
  /** `$select` fields (array joined with commas). */
  select?: string | readonly string[] | undefined;
  /** `$expand`, e.g. `User($select=UserName,FullName)`. */
  expand?: string | readonly string[] | undefined;
  /** `$orderby`, e.g. `ModifiedDate asc`. */
  orderby?: string | readonly string[] | undefined;
  top?: number | undefined;
  skip?: number | undefined;
  count?: boolean | undefined;
  /** `$apply` aggregation. */
  apply?: string | undefined;
}

/**
 * Appends OData system query options to `path` (relative or absolute; an existing query is kept).
 * Values are percent-encoded: spaces become `%20` (never `+`, which servers may read as a plus), and
 * `+ & = # %` are escaped; the `$` option names and the punctuation `, : / @ $ ( ) '` stay readable.
 */
export function buildODataUrl(path: string, options: ODataQueryOptions = {}): string {
  const parts: string[] = [];
  const add = (name: string, value: string | readonly string[] | number | boolean | undefined) => {
    if (value === undefined) return;
    const text = Array.isArray(value) ? value.join(',') : String(value);
    if (text === '') return;
    parts.push(`$${name}=${encodeODataValue(text)}`);
  };
  add('filter', options.filter);
  add('select', options.select);
  add('expand', options.expand);
  add('orderby', options.orderby);
  add('apply', options.apply);
  if (options.top !== undefined) add('top', checkCount('top', options.top));
  if (options.skip !== undefined) add('skip', checkCount('skip', options.skip));
  if (options.count !== undefined) add('count', options.count);
  if (parts.length === 0) return path;
  const separator = path.includes('?') ? (path.endsWith('?') || path.endsWith('&') ? '' : '&') : '?';
  return `${path}${separator}${parts.join('&')}`;
}

/** Percent-encodes one query-option value, keeping OData's readable punctuation. */
export function encodeODataValue(value: string): string {
  return encodeURIComponent(value).replace(/%(24|2C|3A|2F|40)/gi, (match) => decodeURIComponent(match));
}

/** An Edm.DateTimeOffset literal for `$filter` (unquoted, UTC, whole seconds without `.000`). */
export function formatODataInstant(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}

/** An Edm.String literal: single-quoted, inner quotes doubled. */
export function quoteODataString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * The human message of an error body: OData v4 `{"error":{"code","message"}}` (message may be a string
 * or `{value}`), Citrix Cloud gateway `{"type","detail"}`, ASP.NET `{"Message"}`, OAuth
 * `{"error","error_description"}`, or short plain text.
 */
export function odataErrorMessage(body: string): string | undefined {
  const text = body.trim();
  if (text === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text.startsWith('<') ? undefined : truncate(text);
  }
  if (!isObject(parsed)) return undefined;
  const error = parsed.error;
  if (isObject(error)) {
    const message = isObject(error.message) ? error.message.value : error.message;
    const code = typeof error.code === 'string' && error.code !== '' ? error.code : undefined;
    const inner =
      isObject(error.innererror) && typeof error.innererror.message === 'string'
        ? error.innererror.message
        : undefined;
    const parts = [typeof message === 'string' ? message : undefined, inner].filter(Boolean);
    if (parts.length > 0) return truncate(code ? `${code}: ${parts.join(' — ')}` : parts.join(' — '));
    if (code) return code;
  }
  if (typeof error === 'string') {
    const description = typeof parsed.error_description === 'string' ? `: ${parsed.error_description}` : '';
    return truncate(`${error}${description}`);
  }
  // Citrix Cloud gateway errors: {"type":"https://errors-api.cloud.com/common/<kind>","detail":"…"}.
  if (typeof parsed.detail === 'string' && parsed.detail !== '' && typeof parsed.type === 'string') {
    const kind = parsed.type.split('/').filter(Boolean).pop();
    return truncate(kind ? `${kind}: ${parsed.detail}` : parsed.detail);
  }
  for (const key of ['Message', 'message', 'detail', 'title']) {
    const value = parsed[key];
    if (typeof value === 'string' && value !== '') return truncate(value);
  }
  return undefined;
}

/**
 * Whether a response is the API abandoning a query that ran too long (Citrix Monitor: 30 s), as
 * opposed to a transient failure. Recognised as status 504 or 500 whose error message mentions a
 * timeout. The answer is to shrink the query (split the window), not to repeat it.
 */
export function isQueryTimeoutResponse(status: number, message: string | undefined): boolean {
  if (status !== 504 && status !== 500) return false;
  return message !== undefined && /time[\s-]?out|timed[\s-]out/i.test(message);
}

function checkCount(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0)
    throw new RangeError(`$${name} must be a non-negative integer, got ${value}`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function truncate(text: string, max = 500): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * A retry delay carried in a Citrix Cloud gateway error body (`parameters: [{name: "retryDelay",
 * value: "5"}]`), in milliseconds: the fallback when a 429/503 has no Retry-After header.
 */
export function retryDelayFromBody(body: string): number | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isObject(parsed) || !Array.isArray(parsed.parameters)) return undefined;
  for (const parameter of parsed.parameters) {
    if (isObject(parameter) && parameter.name === 'retryDelay') {
      const seconds = Number(parameter.value);
      if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
    }
  }
  return undefined;
}
