/**
 * The low-level operations of each configuration log operation — the SDK calls it was made of, their
 * parameters (the cmdlet among them) and the properties they changed: what an auditor needs beyond
 * "Create Machine Catalog". `GET {api}/cvad/manage/ConfigLog/Operations/{id}/LowLevelOperations?limit`
 * with `Citrix-InstanceId` (Citrix, "How to get low level operations contained in a configuration
 * operation", developer-docs.citrix.com/en-us/citrix-daas-service-apis/citrix-daas-rest-apis/
 * how-to-get-low-level-operations-contained-in-a-high-level-operation; citrix-daas-rest-go
 * @ 1ec0933fb0fed11b41dda4095d25f853ef8af548 `ConfigLogGetLowLevelOperations`).
 *
 * **Embedded, not a stream of their own.** Each operation of a page gets its low-level operations before
 * the page is handed on (`LowLevelOperations`, the API's items as answered, and `LowLevelOperationsStatus`),
 * so a page is delivered whole or not at all: a run killed while fetching them reads the page again
 * and fetches them again; one killed after the page was delivered continues after it. Nothing half
 * there, nothing twice.
 *
 * Bounded: one request per operation, for at most `lowLevelPerWindow` operations of a window (the count
 * travels in the resume token, so a resumed window does not start counting again), each reading one page
 * of `LOW_LEVEL_LIMIT` items (more: `truncated`). The client holds one request in flight per tenant.
 *
 * The window manifest knows an operation by its own fields (`operationIdentity`): whether its low-level
 * operations were fetched, capped or found gone does not make it another record. An operation delivered
 * while running is delivered again once it ended (its end and success change), with all its low-level
 * operations then.
 */
import type { CitrixCloudClient } from '@ctxsiem/citrix-cloud';
import { type JsonRecord, SourceError } from '@ctxsiem/core';
import { collectionOf } from './search.ts';

/** Items asked for per operation: one page at the API's default size (citrix-daas-rest-go: "default limit of 250"). */
export const LOW_LEVEL_LIMIT = 250;

export const lowLevelPath = (operationId: string) =>
  `cvad/manage/ConfigLog/Operations/${encodeURIComponent(operationId)}/LowLevelOperations`;

/**
 * `complete`: every low-level operation the API has now; `truncated`: the first `LOW_LEVEL_LIMIT`;
 * `capped`: not fetched, the window's `lowLevelPerWindow` was reached; `notFound`: the API no longer has
 * the operation (404: past the retention).
 */
export type LowLevelStatus = 'complete' | 'truncated' | 'capped' | 'notFound';

/** The fields the embedding adds to an operation. */
export const LOW_LEVEL_FIELDS = ['LowLevelOperations', 'LowLevelOperationsStatus'] as const;

/** An operation as the window manifest knows it: without what the embedding added. */
export function operationIdentity(record: JsonRecord): unknown {
  const { LowLevelOperations: _items, LowLevelOperationsStatus: _status, ...operation } = record;
  return operation;
}

/** The operation with its low-level operations, asked for now. */
export async function withLowLevelOperations(
  client: CitrixCloudClient,
  operation: Record<string, unknown>,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  const path = lowLevelPath(String(operation.Id));
  let answer: unknown;
  try {
    answer = await client.getJson(`${path}?limit=${LOW_LEVEL_LIMIT}`, { headers, signal });
  } catch (error) {
    if (error instanceof SourceError && error.status === 404)
      return { ...operation, LowLevelOperations: [], LowLevelOperationsStatus: 'notFound' };
    throw error;
  }
  const page = collectionOf(answer, `GET /${path}`);
  const status: LowLevelStatus = page.next ? 'truncated' : 'complete';
  return { ...operation, LowLevelOperations: page.items, LowLevelOperationsStatus: status };
}

/** An operation whose low-level operations the window's cap left out. */
export const cappedOperation = (operation: Record<string, unknown>): Record<string, unknown> => ({
  ...operation,
  LowLevelOperations: null,
  LowLevelOperationsStatus: 'capped' satisfies LowLevelStatus,
});

const RESUME_PREFIX = '{"continuationToken":';

/**
 * The resume token of the operations stream when low-level operations are fetched: the continuation
 * token and how many operations of the window had theirs fetched.
 */
export function encodeResume(continuationToken: string, fetched: number): string {
  return JSON.stringify({ continuationToken, lowLevelFetched: fetched });
}

/** A resume token read back; a bare continuation token (a checkpoint of an earlier version) counts none. */
export function decodeResume(resume: string | undefined): { token: string | undefined; fetched: number } {
  if (!resume?.startsWith(RESUME_PREFIX)) return { token: resume, fetched: 0 };
  try {
    const parsed = JSON.parse(resume) as { continuationToken?: unknown; lowLevelFetched?: unknown };
    if (typeof parsed.continuationToken === 'string' && Number.isInteger(parsed.lowLevelFetched))
      return { token: parsed.continuationToken, fetched: parsed.lowLevelFetched as number };
  } catch {
    // not ours: a continuation token as the API gave it
  }
  return { token: resume, fetched: 0 };
}
