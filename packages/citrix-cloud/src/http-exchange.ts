/**
 * One HTTP exchange on undici: send, stream the body in (decompressing gzip, deflate or br as it
 * arrives — undici's `request` does not decode bodies) and hand back status, headers and text. Both the
 * bytes received and the bytes decoded are counted chunk by chunk against `maxResponseBytes`: past the
 * cap the body is destroyed (the connection dropped) and ResponseTooLargeError is thrown, so neither a
 * huge body nor a compression bomb is ever held in memory beyond the cap plus one chunk. Transport
 * failures — resets, closed sockets, timeouts, broken gzip — come back as TransportError with a short
 * code so the caller can decide to retry.
 */
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { type Dispatcher, request } from 'undici';
import { ResponseTooLargeError } from './errors.ts';

/** Output chunk size of the decoders: decoded bytes can pass the cap by at most this much before it stops. */
export const DECODE_CHUNK_BYTES = 64 * 1024;

export interface ExchangeRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  dispatcher: Dispatcher;
  timeoutMs: number;
  /** Cap on the body as received and as decoded; past it the exchange fails with ResponseTooLargeError. */
  maxResponseBytes: number;
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
    const bytes = await readBody(req, response);
    return { status: response.statusCode, headers: response.headers, text: bytes.toString('utf8') };
  } catch (error) {
    if (error instanceof ResponseTooLargeError) throw error;
    if (req.signal?.aborted) throw req.signal.reason;
    if (timeout.aborted) {
      throw new TransportError('TIMEOUT', `no complete response within ${req.timeoutMs} ms`, {
        cause: error,
      });
    }
    throw new TransportError(transportCode(error), errorText(error), { cause: error });
  }
}

/**
 * The whole body, decoded, refusing it as soon as it passes `maxResponseBytes`: on `Content-Length`
 * before reading, else while counting the received chunks, else while counting the decoder's output.
 */
async function readBody(req: ExchangeRequest, response: Dispatcher.ResponseData): Promise<Buffer> {
  const limit = req.maxResponseBytes;
  const body: Readable = response.body;
  const encoding = headerValue(response.headers['content-encoding'])?.trim().toLowerCase() || undefined;
  const announced = Number(headerValue(response.headers['content-length']));
  const contentLength = Number.isSafeInteger(announced) && announced >= 0 ? announced : undefined;
  const decoder = createDecoder(encoding);
  let received = 0;
  let decoded = 0;
  const tooLarge = (reason: 'content-length' | 'body' | 'decoded') =>
    new ResponseTooLargeError({
      // Origin and path only: the query string may carry filters or tokens.
      operation: `${req.method} ${req.url.origin}${req.url.pathname}`,
      reason,
      limitBytes: limit,
      receivedBytes: received,
      decodedBytes: decoded,
      contentLength,
      encoding: decoder ? encoding : undefined,
      status: response.statusCode,
    });
  if (contentLength !== undefined && contentLength > limit) {
    const error = tooLarge('content-length');
    body.destroy();
    decoder?.destroy();
    throw error;
  }
  const chunks: Buffer[] = [];
  const counted = async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      received += chunk.length;
      if (received > limit) throw tooLarge('body');
      yield chunk;
    }
  };
  const collect = async (source: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of source) {
      decoded += chunk.length;
      // Without a decoder this repeats the check above; with one it is the compression-bomb guard.
      if (decoded > limit) throw tooLarge(decoder ? 'decoded' : 'body');
      chunks.push(chunk);
    }
  };
  // pipeline destroys every stage when one throws: the undici body aborts and drops the connection.
  if (decoder) await pipeline(body, counted, decoder, collect);
  else await pipeline(body, counted, collect);
  return Buffer.concat(chunks, decoded);
}

/** A streaming decoder for the response's `Content-Encoding`; undefined for identity or an unknown coding. */
function createDecoder(encoding: string | undefined): Transform | undefined {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip({ chunkSize: DECODE_CHUNK_BYTES });
    case 'deflate':
      return createInflate({ chunkSize: DECODE_CHUNK_BYTES });
    case 'br':
      return createBrotliDecompress({ chunkSize: DECODE_CHUNK_BYTES });
    default:
      return undefined;
  }
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function transportCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code !== '') {
    // zlib (gzip, deflate) reports a cut-off stream as Z_BUF_ERROR ("unexpected end of file"); brotli as ERR__ERROR_….
    if (code.startsWith('Z_')) return 'GZIP_ERROR';
    if (code.startsWith('ERR__ERROR') || code.startsWith('ERR_BROTLI')) return 'BROTLI_ERROR';
    return code;
  }
  return error instanceof Error && error.name !== 'Error' ? error.name : 'NETWORK_ERROR';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
