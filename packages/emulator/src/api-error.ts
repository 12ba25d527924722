/**
 * Errors that end a request with a specific HTTP status and body. Two body shapes exist:
 *
 * - Citrix Cloud's common error `{"type":"https://errors-api.cloud.com/common/<kind>","detail","parameters"?}`
 *   ("Common Citrix Cloud API error codes",
 *   https://developer-docs.citrix.com/en-us/citrix-cloud/citrix-cloud-api-overview/common-citrix-cloud-api-error-codes),
 *   used for authentication, permissions, throttling, content negotiation and, on Monitor, for 400 and 404:
 *   the Monitor OpenAPI's Error400/Error401/Error404/Error429 examples all have this shape ("Citrix Monitor
 *   Service API for Developer Portal", info.version devportal-cloud-ga; public copy in smitpi/CTXCloudApi,
 *   CTXCloudApi/Private/monitor-rest-apis.json at a06da18727ec5099fa0e08612447dc319b59b2e3,
 *   components.responses). The same document's `ErrorGeneral` schema declares `{"error":{"code","message"}}`,
 *   contradicting its own examples; the emulator follows the examples.
 * - OData `{"error":{"code","message"}}` (OData JSON Format, "Error Response") for casodata and for the
 *   emulator's 500s (INFERRED: an ASP.NET OData service answers so when no gateway rewrites the error; Citrix
 *   documents no 500 for Monitor).
 */

export class ApiError extends Error {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string>;
  constructor(status: number, body: unknown, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

/** An OData error, e.g. 400 BadRequest for an unsupported query. */
export function odataError(status: number, code: string, message: string): ApiError {
  return new ApiError(status, { error: { code, message } }, message);
}

export function badRequest(message: string): ApiError {
  return odataError(400, 'BadRequest', message);
}

/** One entry of a Citrix Cloud error's `parameters`. */
export interface CloudParameter {
  name: string;
  value: string;
}

/** A Citrix Cloud common error (https://errors-api.cloud.com/common/<kind>); `parameters` only when given. */
export function cloudError(
  status: number,
  kind: string,
  detail: string,
  parameters: readonly CloudParameter[] = [],
  headers: Record<string, string> = {},
): ApiError {
  const body = {
    type: `https://errors-api.cloud.com/common/${kind}`,
    detail,
    ...(parameters.length > 0 ? { parameters: [...parameters] } : {}),
  };
  return new ApiError(status, body, detail, headers);
}

/** The retry hint of a 429 or 503: the delay in seconds (null: none given) and whether to send it as a header. */
export interface RetryHint {
  seconds: number | null;
  /** Also send `Retry-After: <seconds>`, which Citrix does not document for these answers. */
  header: boolean;
}

/**
 * A 429 or 503 as Citrix documents them: 429 `…/common/rateLimitExceeded`, "Rate limit exceeded; try again in
 * 4 seconds", `parameters: [{"name":"retryDelay","value":"4"}]` (the Monitor OpenAPI's Error429 example, and
 * the common error codes page above); 503 `…/common/serviceUnavailable`, "Service is unavailable; try again in
 * 4 seconds", the same `retryDelay` (common error codes page; the Monitor OpenAPI lists no 503). Neither
 * source shows a `Retry-After` header: Error429 lists only Date, Content-Type, Content-Length and Connection,
 * so by default none is sent (`hint.header` adds one for tests that want it). Without a delay
 * (`seconds: null`) the body has no `parameters` and the detail no "try again" (INFERRED: a throttle that
 * gives no hint).
 */
export function retryLaterError(status: 429 | 503, hint: RetryHint): ApiError {
  const [kind, what] =
    status === 429
      ? ['rateLimitExceeded', 'Rate limit exceeded']
      : ['serviceUnavailable', 'Service is unavailable'];
  if (hint.seconds === null) return cloudError(status, kind, what);
  const value = String(hint.seconds);
  return cloudError(
    status,
    kind,
    `${what}; try again in ${value} seconds`,
    [{ name: 'retryDelay', value }],
    hint.header ? { 'retry-after': value } : {},
  );
}

/**
 * 406 for a request whose `Accept` admits none of the resource's representations: the body of Citrix's
 * common 406 (`…/common/notAcceptable`, "Must accept application/json media type",
 * `parameters: [{"name":"contentType","value":"application/json"}]`, common error codes page above); for
 * the XML `$metadata` the same with application/xml (INFERRED: the page only shows JSON).
 */
export function notAcceptable(mediaType: string): ApiError {
  return cloudError(406, 'notAcceptable', `Must accept ${mediaType} media type`, [
    { name: 'contentType', value: mediaType },
  ]);
}

/**
 * The Citrix kind of a Monitor 400 / 404. 404: `notFound`, the Monitor OpenAPI's Error404 example. 400: of
 * the kinds Citrix lists for 400 (outOfRange, tooLong, invalidString, invalidEnum, missing, invalidJson —
 * common error codes page above), `invalidString` ("does not match the validation regex") is what a query
 * option that fails the OData grammar or the model is (INFERRED: the Monitor OpenAPI's only 400 example is
 * outOfRange with `property=startTime`, a value out of range, which the emulator's 400s are not).
 */
const MONITOR_ERROR_KINDS: Readonly<Record<number, string>> = { 400: 'invalidString', 404: 'notFound' };

/**
 * A Monitor answer's error: an OData-shaped 400 or 404 (raised by the query layer the emulator shares with
 * casodata) in the Citrix shape, its message as `detail`; any other error as it is.
 */
export function monitorError(error: ApiError): ApiError {
  const kind = MONITOR_ERROR_KINDS[error.status];
  const body = error.body as { error?: { message?: unknown } } | null;
  const message = body?.error?.message;
  if (kind === undefined || typeof message !== 'string') return error;
  return cloudError(error.status, kind, message, [], error.headers);
}
