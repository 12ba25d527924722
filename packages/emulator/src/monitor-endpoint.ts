/**
 * The `/monitorodata` routes: service document, `$metadata`, and entity-set queries with server-driven
 * paging (absolute `@odata.nextLink` carrying a `$skiptoken`).
 */
import { odataError } from './api-error.ts';
import type { UnorderedRead } from './faults.ts';
import { jsonReply, ODATA_JSON, type Reply } from './http-response.ts';
import { buildMetadataDocument } from './metadata.ts';
import { type MonitorContext, runMonitorQuery } from './monitor-query.ts';
import { ENTITY_SETS, findEntitySet } from './monitor-schema.ts';
import { type MonitorQuery, parseMonitorQuery } from './odata-query.ts';
import type { RowSource } from './row-source.ts';
import type { ScanBudget } from './scan-budget.ts';
import { decodeSkipToken, encodeSkipToken } from './skiptoken.ts';

export interface MonitorRequest {
  /** Path segments after /monitorodata (decoded). */
  segments: string[];
  params: URLSearchParams;
  /** Origin the client used (from the Host header). */
  origin: string;
  /** Origin to put in a first page's nextLink instead of `origin` (the foreignNextLink fault). */
  foreignOrigin?: string | null;
  sources: ReadonlyMap<string, RowSource>;
  now: number;
  budget: ScanBudget;
  pageSize: number;
  /** The unordered fault's draw for a new read (a request without $skiptoken); undefined when it is off. */
  drawUnorderedRead?: (pageSize: number) => UnorderedRead | undefined;
}

const ODATA_HEADERS = { 'content-type': ODATA_JSON, 'odata-version': '4.0' };

/** Encodes a query component, keeping the characters OData URLs conventionally leave readable. */
function encodeQueryPart(text: string): string {
  return encodeURIComponent(text).replace(/%(24|2C|3A|27|28|29|2F)/g, (escaped) =>
    decodeURIComponent(escaped),
  );
}

function contextSuffix(query: MonitorQuery): string {
  if (!query.select && query.expand.length === 0) return '';
  const items = [...(query.select ?? [])];
  for (const term of query.expand) items.push(`${term.navigation.name}(${term.select?.join(',') ?? ''})`);
  return `(${items.join(',')})`;
}

/** The entity-set name the request targets, or undefined for the service root / $metadata. */
export function monitorEntitySetOf(segments: readonly string[]): string | undefined {
  const first = segments[0];
  return first && first !== '$metadata' ? first : undefined;
}

/** Answers a /monitorodata request. `onForeignNextLink` is called when the fault rewrites a nextLink. */
export function monitorReply(request: MonitorRequest, onForeignNextLink: () => void): Reply {
  const { segments, origin } = request;
  if (segments.length === 0) {
    return jsonReply(
      200,
      {
        '@odata.context': `${origin}/monitorodata/$metadata`,
        value: ENTITY_SETS.map((d) => ({ name: d.name, kind: 'EntitySet', url: d.name })),
      },
      ODATA_HEADERS,
    );
  }
  const [name = '', ...rest] = segments;
  if (name === '$metadata' && rest.length === 0) {
    return {
      status: 200,
      headers: { 'content-type': 'application/xml', 'odata-version': '4.0' },
      body: buildMetadataDocument(),
    };
  }
  const keyLookup = /^([A-Za-z]+)\(.*\)$/.exec(name);
  if (keyLookup || rest.length > 0) {
    throw odataError(
      400,
      'BadRequest',
      `Key lookups and navigation segments are not supported by the emulator: '/${segments.join('/')}'. Use $filter.`,
    );
  }
  const def = findEntitySet(name);
  const source = request.sources.get(name);
  if (!def || !source) {
    throw odataError(
      404,
      'NotFound',
      `No HTTP resource was found that matches the request URI '${origin}/monitorodata/${name}'.`,
    );
  }
  const query = parseMonitorQuery(request.params, def, findEntitySet);
  const position =
    query.skipToken === undefined ? undefined : decodeSkipToken(query.skipToken, query.fingerprint);
  const ctx: MonitorContext = {
    def,
    source,
    now: request.now,
    budget: request.budget,
    resolve: (entitySet) => {
      const targetDef = findEntitySet(entitySet);
      const targetSource = request.sources.get(entitySet);
      return targetDef && targetSource ? { def: targetDef, source: targetSource } : undefined;
    },
  };
  // Only a new read draws (from the fault PRNG): its follow-up pages find the layout in their $skiptoken.
  const firstRead = position ? undefined : request.drawUnorderedRead?.(request.pageSize);
  const page = runMonitorQuery(ctx, query, request.pageSize, position, firstRead);
  const body: Record<string, unknown> = {
    '@odata.context': `${origin}/monitorodata/$metadata#${name}${contextSuffix(query)}`,
  };
  if (page.count !== undefined) body['@odata.count'] = page.count;
  body.value = page.rows;
  if (page.next) {
    let linkOrigin = origin;
    if (!position && request.foreignOrigin) {
      linkOrigin = request.foreignOrigin.replace(/\/+$/, '');
      onForeignNextLink();
    }
    const parameters = [...query.parameters, ['$skiptoken', encodeSkipToken(page.next, query.fingerprint)]];
    const search = parameters
      .map(([k, v]) => `${encodeQueryPart(k ?? '')}=${encodeQueryPart(v ?? '')}`)
      .join('&');
    body['@odata.nextLink'] = `${linkOrigin}/monitorodata/${name}?${search}`;
  }
  return jsonReply(200, body, ODATA_HEADERS);
}
