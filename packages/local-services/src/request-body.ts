/** Reads a request body up to `limit` bytes, as the contract servers enforce an API's size limit. */
import type { IncomingMessage } from 'node:http';

/** The body, or `too large` (the rest is drained, so the answer can still be sent). */
export async function readLimitedBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      return 'too large';
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
