/**
 * Writing responses: JSON / XML bodies, gzip when the client accepts it, and the two transport faults
 * (truncated body, reset connection).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { acceptsCoding } from './content-negotiation.ts';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const ODATA_JSON = 'application/json; odata.metadata=minimal';

export function jsonReply(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(value),
  };
}

/** A reply ready for the wire: compressed when the client accepts gzip, with its Content-Length. */
export interface EncodedReply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export function encodeReply(req: IncomingMessage, reply: Reply): EncodedReply {
  let body = Buffer.from(reply.body, 'utf8');
  const headers: Record<string, string> = { ...reply.headers };
  if (body.length > 0 && acceptsCoding(req.headers['accept-encoding'], 'gzip')) {
    body = gzipSync(body);
    headers['content-encoding'] = 'gzip';
    headers.vary = 'Accept-Encoding';
  }
  headers['content-length'] = String(body.length);
  return { status: reply.status, headers, body };
}

/**
 * Writes an encoded reply. With `truncate`, the full Content-Length is announced but only half of the
 * (possibly compressed) body is written before the socket is destroyed.
 */
export function writeReply(res: ServerResponse, reply: EncodedReply, options: { truncate?: boolean } = {}) {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(reply.status, reply.headers);
  if (options.truncate) {
    res.write(reply.body.subarray(0, Math.floor(reply.body.length / 2)), () => res.destroy());
    return;
  }
  res.end(reply.body);
}

/** Encodes and writes a reply at once. */
export function sendReply(
  req: IncomingMessage,
  res: ServerResponse,
  reply: Reply,
  options: { truncate?: boolean } = {},
) {
  writeReply(res, encodeReply(req, reply), options);
}

/** Drops the connection without a response. */
export function resetConnection(req: IncomingMessage, res: ServerResponse): void {
  req.socket.destroy();
  res.destroy();
}
