/**
 * Server-driven paging tokens. A $skiptoken is opaque to clients: base64url JSON holding the sort key of the
 * last row returned (keyset paging, as ASP.NET OData does), how many rows were returned so far (for $top), and
 * the fingerprint of the query it belongs to. A token used with a different query is rejected with a 400.
 * Under the unordered fault it also carries the read's page size and order seed, so the whole read keeps them.
 */
import { badRequest } from './api-error.ts';
import type { UnorderedRead } from './faults.ts';

export interface PagePosition {
  /**
   * Sort-key values of the last row returned: $orderby properties, then the key properties; in the default
   * order, the cursor and the row's entity key (monitor-schema.ts entityKey).
   */
  after: unknown[];
  /** Rows returned by the previous pages. */
  emitted: number;
  /** The unordered fault's layout of this read, when its first page was served under the fault. */
  read?: UnorderedRead;
}

export function encodeSkipToken(position: PagePosition, fingerprint: number): string {
  const read = position.read ? { r: [position.read.pageSize, position.read.shuffleSeed] } : {};
  return Buffer.from(
    JSON.stringify({ v: 1, a: position.after, n: position.emitted, f: fingerprint, ...read }),
  ).toString('base64url');
}

export function decodeSkipToken(token: string, fingerprint: number): PagePosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw badRequest(`The $skiptoken '${token}' is not valid.`);
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    !('a' in parsed) ||
    !('n' in parsed) ||
    !('f' in parsed) ||
    !Array.isArray(parsed.a) ||
    typeof parsed.n !== 'number' ||
    typeof parsed.f !== 'number'
  ) {
    throw badRequest(`The $skiptoken '${token}' is not valid.`);
  }
  if (parsed.f !== fingerprint) {
    throw badRequest(
      'The $skiptoken does not belong to this query: follow @odata.nextLink without changing it.',
    );
  }
  const position: PagePosition = { after: parsed.a, emitted: parsed.n };
  if ('r' in parsed) {
    const [pageSize, shuffleSeed] = Array.isArray(parsed.r) ? parsed.r : [];
    if (!Number.isInteger(pageSize) || pageSize < 1 || !Number.isInteger(shuffleSeed))
      throw badRequest(`The $skiptoken '${token}' is not valid.`);
    position.read = { pageSize, shuffleSeed };
  }
  return position;
}
