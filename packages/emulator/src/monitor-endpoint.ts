/**
 * The `/monitorodata` routes: service document, `$metadata`, and entity-set queries with server-driven
 * paging (absolute `@odata.nextLink` carrying a `$skiptoken`).
 */
import { notAcceptable, odataError } from './api-error.ts';
import { acceptable, type Representation } from './content-negotiation.ts';
import type { UnorderedRead } from './faults.ts';
import { jsonReply, ODATA_JSON, type Reply } from './http-response.ts';
import { buildMetadataDocument } from './metadata.ts';
import { type MonitorContext, runMonitorQuery } from './monitor-query.ts';
import { ENTITY_SETS, type EntitySetDef, findEntitySet } from './monitor-schema.ts';
import { boundedProperties } from './odata-filter.ts';
import { type MonitorQuery, parseMonitorQuery } from './odata-query.ts';
import type { RowSource } from './row-source.ts';
import { type ScanBudget, weightedBudget } from './scan-budget.ts';
import { decodeSkipToken, encodeSkipToken } from './skiptoken.ts';

export interface MonitorRequest {
  /** Path segments after /monitorodata (decoded). */
  segments: string[];
  params: URLSearchParams;
  /** The request's `Accept` header (absent: anything is acceptable). */
  accept?: string | string[] | undefined;
  /** Origin the client used (from the Host header). */
  origin: string;
  /** Origin to put in a first page's nextLink instead of `origin` (the foreignNextLink fault). */
  foreignOrigin?: string | null;
  sources: ReadonlyMap<string, RowSource>;
  now: number;
  budget: ScanBudget;
  /** What a row examined by a query on no indexed column costs, against the budget (1: as indexed). */
  unindexedRowCost?: number;
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

/**
 * The format parameters OData defines for `application/json` (OData JSON Format v4.0 §3 "Requesting the JSON
 * Format": `odata.metadata`, `odata.streaming`, `IEEE754Compatible`, and `ExponentialDecimals`; names and
 * values case-insensitive; 4.01 drops the `odata.` prefix — oasis-tcs/odata-specs,
 * "odata-json-format/3 Requesting the JSON Format.md" at 1fbc0bf3b91a8dea4d04676434ca451efc217535). The
 * emulator answers every one of them with its minimal-metadata JSON. Anything else, `charset` included, is
 * refused: OData says services MUST reject unknown format parameters (Protocol §8.2.1), and Citrix says its
 * APIs do not allow the `charset` parameter on Accept ("Troubleshooting for Citrix cloud services APIs",
 * section "Must accept application/json media type", Citrix developer documentation).
 */
const JSON_FORMAT_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  'odata.metadata': ['minimal', 'full', 'none'],
  metadata: ['minimal', 'full', 'none'],
  'odata.streaming': ['true', 'false'],
  streaming: ['true', 'false'],
  ieee754compatible: ['true', 'false'],
  exponentialdecimals: ['true', 'false'],
};

/** Monitor's JSON answers (service document, entity sets): `application/json` with OData's format parameters. */
const MONITOR_JSON: Representation = {
  mediaType: 'application/json',
  supportsParameter: (name, value) => JSON_FORMAT_PARAMETERS[name]?.includes(value.toLowerCase()) ?? false,
};

/**
 * `$metadata`: CSDL XML, media type `application/xml` (OData v4.0 Part 1 §11.1.2 Metadata Document Request:
 * without a format preference "the XML representation MUST be returned"; OData CSDL XML Representation
 * 4.01, "Requesting the XML Representation": the `Accept` header with the media type `application/xml`).
 * The emulator serves no CSDL JSON (OData 4.01), so
 * `Accept: application/json` alone is refused on `$metadata` — as the OData Web API did (Breeze/breeze.js
 * issue #148, https://github.com/Breeze/breeze.js/issues/148: "Response from $metadata can only be in XML …
 * causes the server to respond with 406"). No media type parameter is supported (INFERRED).
 */
const MONITOR_XML: Representation = { mediaType: 'application/xml', supportsParameter: () => false };

/**
 * Refuses with 406 a request whose `Accept` admits none of the resource's representations. The Monitor
 * OpenAPI declares the request header `Accept` on every path: "Must accept application/json"
 * (components.headers.RequestHeaderAccept of "Citrix Monitor Service API for Developer Portal",
 * devportal-cloud-ga; smitpi/CTXCloudApi, CTXCloudApi/Private/monitor-rest-apis.json at
 * a06da18727ec5099fa0e08612447dc319b59b2e3), and OData answers a format it cannot produce with 406 Not
 * Acceptable (OData v4.0 Part 1 §8.2.1 Header Accept and §9.2.3 Response Code 406 Not Acceptable,
 * https://docs.oasis-open.org/odata/odata/v4.0/os/part1-protocol/odata-v4.0-os-part1-protocol.html). Media
 * ranges and weights are read as RFC 9110 §12.5.1 has them, so `*\/*`, `application/*`, a missing header and
 * lists with q-values are accepted. Citrix's troubleshooting page says its APIs want `Accept` to be exactly
 * `application/json` and refuse `*\/*`; the emulator does not go that far (a `$metadata` read could then never
 * succeed, and OData clients commonly send `*\/*`), which makes it laxer than that page on this one point.
 */
function checkAccept(request: MonitorRequest, representation: Representation): void {
  if (!acceptable(request.accept, representation)) throw notAcceptable(representation.mediaType);
}

/**
 * Whether the service can answer the query from an index: its filter bounds a column Citrix's OpenAPI
 * lists among the set's "Indexed fields", or its key. Without a filter every row is read either way.
 */
function indexed(def: EntitySetDef, query: MonitorQuery): boolean {
  if (!query.filter) return true;
  const bounded = boundedProperties(query.filter);
  return [...def.model.indexed, ...def.keys].some((column) => bounded.has(column));
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
    checkAccept(request, MONITOR_JSON);
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
    checkAccept(request, MONITOR_XML);
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
  // After routing (an unknown set is 404 whatever the client accepts), before the query is read.
  checkAccept(request, MONITOR_JSON);
  const query = parseMonitorQuery(request.params, def, findEntitySet);
  const position =
    query.skipToken === undefined ? undefined : decodeSkipToken(query.skipToken, query.fingerprint);
  const ctx: MonitorContext = {
    def,
    source,
    now: request.now,
    budget: indexed(def, query)
      ? request.budget
      : weightedBudget(request.budget, request.unindexedRowCost ?? 1),
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
