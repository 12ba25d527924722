/**
 * The Google SecOps sink: each part's records go to the ingestion API as the log type of their stream,
 * in requests cut by encoded size, through core's `ingestionSink` — the delivery ledger beside the
 * checkpoints makes a retried part or a killed run's successor send only the requests SecOps has not
 * accepted, and the runner's re-read skip what it has. A record over SecOps' 1 MB log limit (which
 * SecOps would accept and never ingest) or too large for any request is refused (`refuse`) and
 * dead-lettered with its size before anything is sent; the rest go on. The import API is called on
 * its GA version, `v1`, at the region's Chronicle API location (`europe` → `eu`). Each request is sent by core's
 * `sendIngestionRequest`: retried on 429, 408, 5xx and network errors honouring `Retry-After`, one new
 * token on a 401, not retried on 403, 413 and 400, which name the part and the request's records. A
 * 400 refuses the request's records (`refusesRecords`) — unless it names what is the sink's
 * configuration (the log type, the location, the forwarder), which fails the stream until it is fixed.
 * SecOps does not say which of a request's logs it refused: core splits the request in halves, down to
 * the offending records, which are dead-lettered with SecOps' reason, and the stream goes on.
 *
 * With `format: udm`, the parts of the streams ctxsiem maps to UDM go as UDM events through
 * `events:import` instead (`udm-requests.ts`), through the same ledger, retries and refusals; an event
 * Google's UDM schema refuses is dead-lettered with the reason without being sent.
 */
import {
  type Batch,
  type ConnectorDeps,
  type FetchLike,
  ingestionSink,
  type JsonRecord,
  parseConfig,
  partPath,
  RequestRefusedError,
  type Sink,
  SinkError,
  sendIngestionRequest,
} from '@ctxsiem/core';
import { tokenSource } from './auth.ts';
import { REQUEST_LIMIT_BYTES, type SecOpsSinkConfig, SecOpsSinkConfigSchema } from './config.ts';
import { logTypeOf } from './log-types.ts';
import { chronicleApiOrigin, chronicleLocation, legacyIngestionOrigin } from './regions.ts';
import { cutRequests, ENVELOPE_ALLOWANCE_BYTES, entryTime, logBytes, requestShape } from './requests.ts';
import { udmMapperOf } from './udm-mapping.ts';
import {
  cutUdmRequests,
  EMPTY_EVENTS_BODY,
  eventsBody,
  REFUSED_SCHEME,
  refusal,
  udmEntries,
} from './udm-requests.ts';

/**
 * Where a log type's logs go: `logs:import` on the Chronicle API's GA version `v1`
 * (https://docs.cloud.google.com/chronicle/docs/reference/rest/v1/projects.locations.instances.logTypes.logs/import),
 * or the legacy `unstructuredlogentries:batchCreate`; each at its region's host (`regions.ts`).
 */
export function ingestionUrl(config: SecOpsSinkConfig, logType: string): string {
  if (config.api === 'import') {
    const origin = config.endpoint ?? chronicleApiOrigin(config.region);
    return `${origin}/v1/projects/${config.project}/locations/${chronicleLocation(config.region)}/instances/${config.instance}/logTypes/${logType}/logs:import`;
  }
  return `${config.endpoint ?? legacyIngestionOrigin(config.region)}/v2/unstructuredlogentries:batchCreate`;
}

/**
 * Where UDM events go: `events:import` on the Chronicle API's GA version `v1`
 * (https://docs.cloud.google.com/chronicle/docs/reference/rest/v1/projects.locations.instances.events/import),
 * at the region's host, as `logs:import`.
 */
export function eventsImportUrl(config: SecOpsSinkConfig): string {
  const origin = config.endpoint ?? chronicleApiOrigin(config.region);
  return `${origin}/v1/projects/${config.project}/locations/${chronicleLocation(config.region)}/instances/${config.instance}/events:import`;
}

/** What the sink is built with: the connector's dependencies, and (tests) the `fetch` requests go through. */
export type SecOpsSinkDeps = ConnectorDeps & { fetch?: FetchLike | undefined };

/**
 * Whether SecOps refused a request for its logs' content: a 400 INVALID_ARGUMENT ("the client specified
 * an invalid argument", https://cloud.google.com/apis/design/errors) that does not name what the sink's
 * configuration decides — the log type (legacy's `invalid log_type` for one the instance lacks), the
 * location or the forwarder, which every request would meet again. SecOps then took none of the
 * request's logs (INFERRED: Google documents INVALID_ARGUMENT as the request being invalid, not some of
 * it), so its halves can be sent to find the offending logs without sending an accepted one twice.
 */
export function refusesRecords(status: number, body: string): boolean {
  return status === 400 && !/invalid log_type|LogType "|location|forwarder/i.test(body);
}

export function secopsSink(input: unknown, deps?: SecOpsSinkDeps): Sink {
  const config: SecOpsSinkConfig = parseConfig('sink-secops', SecOpsSinkConfigSchema, input);
  const idField = config.recordIdField;
  // Every log carries its record id (the runner's digest of the record): the same on every sending.
  const identified = (batch: Batch, start: number, end: number): JsonRecord[] =>
    batch.records
      .slice(start, end)
      .map((record, i) => ({ ...record, [idField]: batch.digests?.[start + i] ?? '' }));
  const ID_PLACEHOLDER = 'x'.repeat(12);
  const maxBytes = config.maxRequestBytes ?? REQUEST_LIMIT_BYTES[config.api];
  const shape = requestShape(config);
  const tokens = tokenSource(config, deps);
  const httpFetch: FetchLike = deps?.fetch ?? fetch;
  const entry = udmEntries(config.labels);
  // A part goes as UDM events when the format says so and its stream has a mapping.
  const asUdm = (batch: Batch) => config.format === 'udm' && udmMapperOf(batch) !== undefined;
  const advice = {
    401: 'check the service account',
    403: `the service account needs ${config.api === 'import' ? `chronicle.logs.import${config.format === 'udm' ? ' and chronicle.events.import' : ''} (roles/chronicle.editor or a custom role)` : 'the malachite-ingestion scope on a Chronicle ingestion service account'}`,
    413: `lower maxRequestBytes (now ${maxBytes})`,
  };

  return ingestionSink({
    type: 'secops',
    service: 'SecOps',
    deps,
    locationOf: (batch) =>
      `secops://${config.instance}/${asUdm(batch) ? 'UDM' : logTypeOf(batch, config.logTypes)}/${partPath(batch)}`,
    cut: (batch) => {
      if (asUdm(batch))
        return cutUdmRequests(
          identified(batch, 0, batch.records.length).map((record, i) =>
            entry(batch, batch.records[i]!, String(record[idField])),
          ),
          maxBytes,
        );
      return cutRequests(
        identified(batch, 0, batch.records.length).map((record) => shape.recordBytes(record)),
        shape.emptyBytes(logTypeOf(batch, config.logTypes)),
        maxBytes,
      );
    },
    build(batch: Batch, request, at) {
      if (asUdm(batch)) {
        const entries = batch.records
          .slice(request.start, request.end)
          .map((record, i) => entry(batch, record, batch.digests?.[request.start + i] ?? ''));
        const refused = entries.length === 1 ? refusal(entries[0]!, maxBytes) : undefined;
        // Refused before it is sent: the ledger keeps the reason as the request's body.
        if (refused !== undefined) return { url: REFUSED_SCHEME, body: Buffer.from(refused) };
        return { url: eventsImportUrl(config), body: Buffer.from(eventsBody(entries)) };
      }
      const logType = logTypeOf(batch, config.logTypes);
      const records = identified(batch, request.start, request.end);
      const times = records.map((record) =>
        entryTime(record, batch.timeField, batch.window.from, at.getTime()),
      );
      // `at` is the collection time: frozen with the body, so a resend is byte-identical (SecOps
      // de-duplicates identical batches).
      const body = shape.body(logType, records, times, at);
      return { url: ingestionUrl(config, logType), body: Buffer.from(body) };
    },
    async post(request, what, hooks) {
      if (request.url === REFUSED_SCHEME) {
        const reason = request.body.toString('utf8');
        throw new RequestRefusedError(`${what}: ${reason}`, 400, reason);
      }
      // Not aborted by a shutdown: a request in flight may be accepted; it ends within its timeout.
      await sendIngestionRequest({
        service: 'SecOps',
        url: request.url,
        body: request.body,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        token: (refresh) => tokens.token(refresh),
        what,
        maxAttempts: config.maxAttempts,
        timeoutMs: config.requestTimeoutSeconds * 1000,
        signal: deps?.signal,
        logger: deps?.logger,
        advice,
        fetch: httpFetch,
        refusesRecords,
        ...hooks,
      });
    },
    refuse(input: JsonRecord) {
      const record = { ...input, [idField]: ID_PLACEHOLDER };
      const size = logBytes(record);
      if (size > config.maxLogBytes)
        return `the record is a log of ${size} bytes; SecOps ingests no log over ${config.maxLogBytes} bytes (1 MB, maxLogBytes)`;
      const bytes = shape.recordBytes(record);
      return bytes > maxBytes - ENVELOPE_ALLOWANCE_BYTES
        ? `the record takes ${bytes} bytes in a SecOps ${config.api} request; a request holds at most ${maxBytes} (maxRequestBytes)`
        : undefined;
    },
    async check() {
      // A request with no logs: the API authenticates and checks the permission before refusing it as
      // empty (400), so nothing is ingested by a health check. With UDM, the event import too.
      const logType = logTypeOf({ source: 'monitor', stream: 'Machines' }, config.logTypes);
      const found = await probe(
        ingestionUrl(config, logType),
        config.api === 'import' ? '{"inlineSource":{"logs":[]}}' : shape.body(logType, [], [], new Date()),
        `import ${logType}`,
      );
      if (config.format !== 'udm') return found;
      return `${found}; ${await probe(eventsImportUrl(config), EMPTY_EVENTS_BODY, 'import UDM events')}`;
    },
  });

  async function probe(url: string, body: string, what: string): Promise<string> {
    const response = await httpFetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokens.token()}`, 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(config.requestTimeoutSeconds * 1000),
    });
    await response.body?.cancel();
    if (response.status === 400)
      return `authenticated to SecOps ${config.api} (${new URL(url).host}) with permission to ${what}`;
    throw new SinkError(
      response.status === 401
        ? 'SecOps refused the credentials (401)'
        : response.status === 403
          ? `permission denied (403) to ${what}`
          : `SecOps answered ${response.status} to an empty request`,
    );
  }
}
