/**
 * Errors that end a request with a specific HTTP status and body. Two body shapes exist, as on the real
 * service: OData errors from the Monitor/casodata services (`{"error":{"code","message"}}`) and Citrix Cloud
 * gateway errors (`{"type","detail","parameters"}`) for authentication, permissions and throttling.
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

/** A Citrix Cloud common error (https://errors-api.cloud.com/common/<kind>). */
export function cloudError(
  status: number,
  kind: string,
  detail: string,
  options: { retryAfterSeconds?: number | null; headers?: Record<string, string> } = {},
): ApiError {
  const headers: Record<string, string> = { ...options.headers };
  const body: { type: string; detail: string; parameters?: { name: string; value: string }[] } = {
    type: `https://errors-api.cloud.com/common/${kind}`,
    detail,
  };
  if (options.retryAfterSeconds !== undefined && options.retryAfterSeconds !== null) {
    headers['retry-after'] = String(options.retryAfterSeconds);
    body.parameters = [{ name: 'retryDelay', value: String(options.retryAfterSeconds) }];
  }
  return new ApiError(status, body, detail, headers);
}
