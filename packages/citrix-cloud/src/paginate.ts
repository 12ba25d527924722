/**
 * Server-driven OData paging: follows `@odata.nextLink` (absolute or relative) page by page, each link
 * checked by the client's origin guard before anything is sent. Each page's `next` is an absolute URL
 * on the API origin that a later run can pass back as `resume`.
 */
import { type JsonRecord, SourceError } from '@ctxsiem/core';
import type { CitrixCloudClient } from './client.ts';

export interface ODataPage<T = JsonRecord> {
  records: T[];
  /** Absolute URL of the next page; absent on the last page. */
  next?: string | undefined;
}

export interface PaginateOptions {
  signal?: AbortSignal | undefined;
  /** A `next` from an earlier page: start there instead of `firstUrl` (it must pass the origin guard). */
  resume?: string | undefined;
  /** Extra headers for every page request, e.g. `{ Prefer: 'odata.maxpagesize=500' }`. */
  headers?: Readonly<Record<string, string>> | undefined;
}

interface ODataCollection {
  value?: unknown;
  '@odata.nextLink'?: unknown;
}

/** Yields every page of an OData collection in server order. */
export async function* paginateOData<T = JsonRecord>(
  client: CitrixCloudClient,
  firstUrl: string | URL,
  options: PaginateOptions = {},
): AsyncGenerator<ODataPage<T>, void, undefined> {
  let url: URL = client.guard.resolve(options.resume ?? firstUrl);
  const seen = new Set<string>();
  while (true) {
    seen.add(url.href);
    const body = await client.getJson<ODataCollection>(url, {
      signal: options.signal,
      headers: options.headers,
    });
    if (typeof body !== 'object' || body === null || !Array.isArray(body.value)) {
      throw new SourceError(
        'INVALID_RESPONSE',
        `GET ${url.pathname}${url.search} did not return an OData collection (no "value" array)`,
      );
    }
    const link = body['@odata.nextLink'];
    if (link !== undefined && link !== null && typeof link !== 'string') {
      throw new SourceError('INVALID_RESPONSE', `GET ${url.pathname}: "@odata.nextLink" is not a string`);
    }
    // Relative links resolve against the page that carried them; the guard refuses other origins.
    const next = link ? client.guard.resolve(link, url) : undefined;
    if (next && seen.has(next.href)) {
      throw new SourceError(
        'PAGING_LOOP',
        `GET ${url.pathname}: "@odata.nextLink" repeats an earlier page (${next.pathname}${next.search})`,
      );
    }
    yield { records: body.value as T[], ...(next ? { next: next.href } : {}) };
    if (!next) return;
    url = next;
  }
}
