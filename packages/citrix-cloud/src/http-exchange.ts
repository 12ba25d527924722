/**
 * One HTTP exchange on undici: send, read the whole body (gunzipping it when the server compressed
 * it) and hand back status, headers and text. Transport failures — resets, closed sockets, timeouts,
 * broken gzip — come back as TransportError with a short code so the caller can decide to retry.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { type Dispatcher, request } from 'undici';

const gunzipAsync = promisify(gunzip);

export interface ExchangeRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  dispatcher: Dispatcher;
  timeoutMs: number;
  /** The caller's signal: aborting it aborts the exchange with the caller's reason. */
  signal?: AbortSignal | undefined;
}

export interface ExchangeResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A failure below HTTP semantics (no complete response). `code` is the retry log's outcome. */
export class TransportError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
    this.code = code;
  }
}

export async function exchange(req: ExchangeRequest): Promise<ExchangeResponse> {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  try {
    const response = await request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      dispatcher: req.dispatcher,
      signal,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
    });
    const raw = Buffer.from(await response.body.arrayBuffer());
    const encoding = headerValue(response.headers['content-encoding'])?.toLowerCase();
    const bytes = encoding === 'gzip' || encoding === 'x-gzip' ? await gunzipAsync(raw) : raw;
    return { status: response.statusCode, headers: response.headers, text: bytes.toString('utf8') };
  } catch (error) {
    if (req.signal?.aborted) throw req.signal.reason;
    if (timeout.aborted) {
      throw new TransportError('TIMEOUT', `no complete response within ${req.timeoutMs} ms`, {
        cause: error,
      });
    }
    throw new TransportError(transportCode(error), errorText(error), { cause: error });
  }
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function transportCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code !== '') {
    // zlib reports a cut-off gzip stream as Z_BUF_ERROR ("unexpected end of file").
    return code.startsWith('Z_') ? 'GZIP_ERROR' : code;
  }
  return error instanceof Error && error.name !== 'Error' ? error.name : 'NETWORK_ERROR';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
