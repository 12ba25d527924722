/**
 * The Manage API's `$search` paging, shared by the streams: `POST {path}?limit&continuationToken` with
 * `Citrix-InstanceId` and a `SearchFilters` body, answering `Items` and `ContinuationToken` (citrix-daas-rest-go
 * @ 1ec0933fb0fed11b41dda4095d25f853ef8af548, `LogOperationResponseModelCollection`,
 * `SessionResponseModelCollection`). The continuation token is the page's resume token.
 */
import type { CitrixCloudClient } from '@ctxsiem/citrix-cloud';
import { SourceError } from '@ctxsiem/core';
import { z } from 'zod';

/** A Manage API collection: `Items` and, when there is more, `ContinuationToken`. */
export const CollectionSchema = z.looseObject({
  Items: z.array(z.record(z.string(), z.unknown())),
  ContinuationToken: z.string().nullable().optional(),
});

export interface SearchPage {
  items: Record<string, unknown>[];
  /** The continuation token of the next page; undefined after the last. */
  next: string | undefined;
}

/** Parses a Manage API collection, or throws naming the request and the first problem. */
export function collectionOf(answer: unknown, request: string): SearchPage {
  const parsed = CollectionSchema.safeParse(answer);
  if (!parsed.success)
    throw new SourceError(
      'INVALID_RESPONSE',
      `${request} answered an unexpected body: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`,
    );
  return { items: parsed.data.Items, next: parsed.data.ContinuationToken || undefined };
}

/** The pages of one search, from `token` (a continuation token) or from its start. */
export async function* searchPages(
  client: CitrixCloudClient,
  request: {
    path: string;
    body: unknown;
    pageSize: number;
    headers: Record<string, string>;
    token: string | undefined;
  },
  signal: AbortSignal,
): AsyncIterable<SearchPage> {
  let token = request.token;
  for (;;) {
    const query = new URLSearchParams({ limit: String(request.pageSize) });
    if (token) query.set('continuationToken', token);
    const page = collectionOf(
      await client.searchJson(`${request.path}?${query}`, request.body, { headers: request.headers, signal }),
      `POST /${request.path}`,
    );
    token = page.next;
    yield page;
    if (!token) return;
  }
}
