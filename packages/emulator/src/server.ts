/**
 * The HTTP server: routes OAuth, Monitor and casodata requests and applies, in order, authentication,
 * single-flight (one in-flight API request per customer), latency, injected faults, the request checks of
 * the service (Monitor: route, `Accept`, query), the query-timeout rule and response writing (gzip,
 * truncation). Monitor's 400 and 404 leave in Citrix's error shape (api-error.ts `monitorError`).
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AuditView,
  CONFIG_LOG_PERMISSION,
  configLogSearchReply,
  meReply,
  SYSTEM_LOG_PERMISSION,
  siteOf,
  systemLogNotFound,
  systemLogReply,
} from './admin-audit.ts';
import { ApiError, cloudError, monitorError, odataError, retryLaterError } from './api-error.ts';
import { isCasodataEntity, queryCasodata } from './casodata.ts';
import { lowLevelOperationsReply } from './configlog-low-level.ts';
import { SESSIONS_PERMISSION, sessionSearchReply } from './daas-sessions.ts';
import {
  DEFAULT_EARLY_EXPIRY_AFTER_REQUESTS,
  FaultInjector,
  faultRetryHint,
  type InjectedKind,
  injectedStatusError,
} from './faults.ts';
import { createGroundTruth, type GroundTruth, type VisibleData } from './ground-truth.ts';
import {
  type EncodedReply,
  encodeReply,
  jsonReply,
  type Reply,
  resetConnection,
  sendReply,
  writeReply,
} from './http-response.ts';
import { createLateArrivals, lateMonitorSources } from './late-arrivals.ts';
import { LICENSING_PERMISSION, licensingReply } from './licensing.ts';
import { createMonitorSources } from './monitor-data.ts';
import { monitorEntitySetOf, monitorReply } from './monitor-endpoint.ts';
import { TokenStore } from './oauth.ts';
import { type EmulatorOptions, type Faults, resolveOptions } from './options.ts';
import { type PlantedScenarios, plantedScenarios, scenarioPlan } from './planted-scenarios.ts';
import { createPopulation } from './population.ts';
import { preferredPageSize } from './prefer.ts';
import { createScanBudget, QueryTimeoutError } from './scan-budget.ts';
import { createWorld } from './session-model.ts';
import { type EmulatorStats, type RequestLogEntry, StatsRecorder } from './stats.ts';
import { withRecomputedSummaries } from './summary-tables.ts';

/**
 * Status of the emulated 30-second query timeout. INFERRED: Citrix documents the 30 s limit ("Query
 * time out is 30 seconds", Monitor Service OData docs) but neither the status nor the body a query
 * that hits it gets; its OpenAPI lists only 400/401/404/429 per path. An ASP.NET OData service surfaces
 * a SQL command timeout as a 500 with an OData error body, so that is what the emulator answers, and
 * the client treats any 500 naming a timeout as one (packages/citrix-cloud `isQueryTimeoutResponse`).
 */
export const QUERY_TIMEOUT_STATUS = 500;
/** `error.code` of the query-timeout OData error body (injected 500s use 'InternalServerError'). */
export const QUERY_TIMEOUT_ERROR_CODE = 'QueryTimeout';
/** Permission named in 403 bodies of the `forbidden` fault. */
export const MONITOR_PERMISSION = 'Monitor.Read';
export const CASODATA_PERMISSION = 'PerformanceAnalytics.Read';

const TOKEN_PATH = /^\/cctrustoauth2\/([^/]+)\/tokens\/clients\/?$/;
const MONITOR_PATH = /^\/monitorodata(\/|$)/;
const MAX_FORM_BYTES = 64 * 1024;

export interface Emulator {
  /** Origin, e.g. 'http://127.0.0.1:41234'. */
  url: string;
  /** How a client reaches the first configured customer: its credentials and the API base (`url`). */
  connection: { customerId: string; clientId: string; clientSecret: string; apiBase: string };
  /**
   * Replaces the faults at runtime (and reseeds the fault PRNG); the ground truth follows at once. Throws,
   * changing nothing, on an invalid `lateArrivals`.
   */
  setFaults(faults: Faults): void;
  /**
   * Replaces the query timeout at runtime, resolved as the `queryTimeout` option is (absent fields take
   * their defaults; `maxScannedRows: null` turns it off): from the next request on.
   */
  setQueryTimeout(queryTimeout: EmulatorOptions['queryTimeout']): void;
  stats(): EmulatorStats;
  resetStats(): void;
  /** The same generators the server uses. */
  data: GroundTruth;
  /**
   * The detection scenarios planted in the data (option `scenarios`) for the first customer — every
   * customer has the same, under its own id — or null without the option.
   */
  scenarios: PlantedScenarios | null;
  close(): Promise<void>;
}

class ClosedError extends Error {}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_FORM_BYTES) throw jsonError(413, 'invalid_request', 'Request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function jsonError(status: number, error: string, description: string): ApiError {
  return new ApiError(status, { error, error_description: description }, description);
}

/** The DaaS Manage API's configuration log search, under `/cvad/`. */
const CONFIG_LOG_SEARCH = 'manage/ConfigLog/Operations/$search';
/** The DaaS Manage API's session search, under `/cvad/` (daas-sessions.ts). */
const SESSIONS_SEARCH = 'manage/Sessions/$search';
/** The low-level operations of a configuration log operation (configlog-low-level.ts). */
const LOW_LEVEL_OPERATIONS = /^manage\/ConfigLog\/Operations\/([^/]+)\/LowLevelOperations$/;

/** Refuses with 404 a path other than `path` under its service. */
function routeOf(segments: readonly string[], path: readonly string[]): void {
  if (segments.join('/') !== path.join('/'))
    throw cloudError(404, 'notFound', `No such resource: ${segments.join('/')}`);
}

/**
 * The DaaS Manage API: `GET manage/me` (the customer's site), and the configuration log search, the
 * low-level operations of an operation and the session search, which need the site as `Citrix-InstanceId`.
 */
function daasReply(
  audit: AuditView,
  customerId: string,
  segments: readonly string[],
  req: IncomingMessage,
  params: URLSearchParams,
  body: string,
): Record<string, unknown> {
  if (segments.join('/') === 'manage/me') return meReply(audit.seed, customerId);
  const path = segments.join('/');
  const lowLevel = LOW_LEVEL_OPERATIONS.exec(path);
  if (!lowLevel && path !== SESSIONS_SEARCH) routeOf(segments, CONFIG_LOG_SEARCH.split('/'));
  const instance = req.headers['citrix-instanceid'];
  const site = siteOf(audit.seed, customerId).Id;
  if (instance !== site)
    throw cloudError(
      instance ? 404 : 400,
      instance ? 'notFound' : 'missingHeader',
      instance
        ? `No site '${String(instance)}' for customer '${customerId}'`
        : 'The Citrix-InstanceId header (the site id) is required',
    );
  let parsed: unknown;
  try {
    parsed = body ? JSON.parse(body) : {};
  } catch {
    throw cloudError(400, 'invalidBody', 'The request body is not JSON');
  }
  if (lowLevel) return lowLevelOperationsReply(audit, customerId, lowLevel[1]!, params);
  if (path === SESSIONS_SEARCH) return sessionSearchReply(audit, customerId, params, parsed);
  return configLogSearchReply(audit, customerId, params, parsed);
}

function decodeSegments(pathname: string): string[] {
  return pathname
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw odataError(400, 'BadRequest', `Malformed path segment '${s}'.`);
      }
    });
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const config = resolveOptions(options);
  const clock = config.now;
  const planted =
    config.scenarioWindowStart === null ? null : scenarioPlan(config.seed, config.scenarioWindowStart);
  const world = createWorld(config.seed, config.sessionsPerHour, createPopulation(config.seed), planted);
  const baseSources = createMonitorSources(world);
  // The data as the current faults show it (recomputedSummaries, lateArrivals); rebuilt by setFaults,
  // shared with the ground truth so that it always equals what a request would see.
  const viewFor = (faults: Faults): VisibleData => {
    const late = createLateArrivals(config.seed, faults.lateArrivals);
    return {
      late,
      sources: lateMonitorSources(withRecomputedSummaries(baseSources, faults.recomputedSummaries), late),
    };
  };
  let view = viewFor(config.faults);
  const tokens = new TokenStore(config.customers, config.tokenTtlSeconds);
  const injector = new FaultInjector(config.seed, config.faults);
  const stats = new StatsRecorder();
  const shutdown = new AbortController();
  let url = '';

  const wait = async (ms: number): Promise<void> => {
    if (ms <= 0) return;
    try {
      await sleep(ms, undefined, { signal: shutdown.signal });
    } catch {
      throw new ClosedError('emulator closed');
    }
  };
  const inject = (kind: InjectedKind) => stats.inject(kind);

  async function handleToken(
    req: IncomingMessage,
    customerSegment: string,
    entry: RequestLogEntry,
  ): Promise<Reply> {
    stats.current.tokenRequests++;
    entry.customerId = customerSegment;
    if (req.method !== 'POST') throw jsonError(405, 'invalid_request', 'Use POST');
    const form = new URLSearchParams(await readBody(req));
    const result = tokens.issue(customerSegment, form, clock());
    if (result.status === 200) stats.current.tokensIssued++;
    return jsonReply(result.status, result.body, { 'cache-control': 'no-store' });
  }

  async function handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    target: URL,
    entry: RequestLogEntry,
  ): Promise<{ reply: EncodedReply; truncate: boolean } | 'reset'> {
    stats.current.apiRequests++;
    const arrived = performance.now();
    const f = injector.faults;
    const earlyExpiry = f.earlyTokenExpiry
      ? {
          afterUses: f.earlyTokenExpiryAfterRequests ?? DEFAULT_EARLY_EXPIRY_AFTER_REQUESTS,
          onReject: () => inject('earlyTokenExpiry'),
        }
      : undefined;
    const { customerId } = tokens.authenticate(req.headers, clock(), earlyExpiry);
    entry.customerId = customerId;
    const inFlight = stats.enter(customerId);
    res.once('close', () => stats.leave(customerId));
    if (config.singleFlight.enabled && inFlight > 1) {
      stats.current.rejectedConcurrent++;
      throw retryLaterError(429, {
        seconds: config.singleFlight.retryAfterSeconds,
        header: config.singleFlight.retryAfterHeader ?? false,
      });
    }
    const segments = decodeSegments(target.pathname);
    const service = segments.shift();
    // The DaaS searches are POSTed queries; everything else is read with GET.
    const search = service === 'cvad' && [CONFIG_LOG_SEARCH, SESSIONS_SEARCH].includes(segments.join('/'));
    if (req.method !== (search ? 'POST' : 'GET'))
      throw odataError(405, 'MethodNotAllowed', `The method ${req.method} is not allowed.`);
    const body = search ? await readBody(req) : '';
    if (f.forbidden) {
      inject('forbidden');
      const permission =
        {
          casodata: CASODATA_PERMISSION,
          licensing: LICENSING_PERMISSION,
          systemlog: SYSTEM_LOG_PERMISSION,
          cvad: segments[1] === 'Sessions' ? SESSIONS_PERMISSION : CONFIG_LOG_PERMISSION,
        }[service ?? ''] ?? MONITOR_PERMISSION;
      throw cloudError(
        403,
        'authorization',
        `Access denied: the API client lacks the '${permission}' permission`,
      );
    }
    const decision = injector.decide();
    if (decision.reset) {
      inject('reset');
      return 'reset';
    }
    if (decision.status !== null) {
      inject(decision.status === 429 ? '429' : decision.status === 503 ? '503' : '500');
      throw injectedStatusError(decision.status, faultRetryHint(f));
    }
    if (decision.delayMs > 0) {
      inject('slow');
      await wait(decision.delayMs);
    }

    const entity = service === 'monitorodata' ? monitorEntitySetOf(segments) : segments[0];
    if (
      service === 'monitorodata' &&
      entity !== undefined &&
      f.rejectFilter?.includes(entity) &&
      target.searchParams.has('$filter')
    ) {
      inject('rejectFilter');
      throw odataError(
        400,
        'BadRequest',
        `The query specified in the URI is not valid. $filter is not supported on '${entity}' (injected).`,
      );
    }
    if (entity !== undefined && f.failEntity?.includes(entity)) {
      inject('failEntity');
      throw odataError(
        500,
        'InternalServerError',
        `An error has occurred while reading '${entity}' (injected).`,
      );
    }
    const now = clock();
    const budget = createScanBudget(config.queryTimeout.maxScannedRows);
    const origin = req.headers.host ? `http://${req.headers.host}` : url;
    let reply: Reply;
    try {
      if (service === 'monitorodata') {
        reply = monitorReply(
          {
            segments,
            params: target.searchParams,
            accept: req.headers.accept,
            origin,
            foreignOrigin: f.foreignNextLink ?? null,
            sources: view.sources,
            now,
            budget,
            unindexedRowCost: config.queryTimeout.unindexedRowCost,
            pageSize: preferredPageSize(req.headers.prefer, config.pageSize),
            drawUnorderedRead: (pageSize) => {
              const read = injector.drawUnorderedRead(pageSize);
              if (read) inject('unordered');
              return read;
            },
          },
          () => inject('foreignNextLink'),
        );
      } else if (service === 'licensing') {
        const model = config.customers.find((c) => c.customerId === customerId)?.licenseModel;
        const body = licensingReply(config.seed, customerId, segments, target.searchParams, now, model);
        if (f.licensingNoContent) {
          inject('licensingNoContent');
          reply = { status: 204, headers: {}, body: '' };
        } else reply = jsonReply(200, body);
      } else if (service === 'systemlog') {
        if (segments.join('/') !== 'records') throw systemLogNotFound(segments);
        const audit = { seed: config.seed, now, late: view.late, planted };
        reply = jsonReply(
          200,
          systemLogReply(audit, customerId, target.searchParams, config.systemLogCasing),
        );
      } else if (service === 'cvad') {
        if (f.frozenSite && segments.join('/') === 'manage/me') {
          inject('frozenSite');
          throw cloudError(530, 'siteFrozen', 'The site is not active; it is being activated');
        }
        const audit = { seed: config.seed, now, late: view.late, planted };
        reply = jsonReply(200, daasReply(audit, customerId, segments, req, target.searchParams, body));
      } else {
        const name = segments[0] ?? '';
        if (segments.length !== 1 || !isCasodataEntity(name)) {
          throw odataError(
            404,
            'NotFound',
            `Unknown casodata entity '${segments.join('/')}'. Use sessions, machines or users.`,
          );
        }
        reply = jsonReply(200, queryCasodata(world, name, target.searchParams, now, budget, view.late), {
          'odata-version': '4.0',
        });
      }
    } catch (error) {
      if (!(error instanceof QueryTimeoutError)) throw error;
      inject('queryTimeout');
      await wait(config.queryTimeout.delayMs);
      throw odataError(
        QUERY_TIMEOUT_STATUS,
        QUERY_TIMEOUT_ERROR_CODE,
        `The query timed out (execution timeout expired after 30 seconds; ${error.scannedRows} rows scanned). Narrow the $filter time window.`,
      );
    }
    if (decision.truncate) inject('truncate');
    // `latencyMs` is the response time of a page, the emulator's own processing (query, JSON, gzip)
    // included, as a remote API's latency is what its client sees: benchmarks measure the client.
    const encoded = encodeReply(req, reply);
    await wait(Math.max(0, config.latencyMs - (performance.now() - arrived)));
    return { reply: encoded, truncate: decision.truncate };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const entry: RequestLogEntry = { method: req.method ?? 'GET', path: req.url ?? '/', status: 0 };
    stats.current.requests++;
    res.once('close', () => {
      entry.status = res.headersSent ? res.statusCode : 0;
      stats.current.log.push(entry);
    });
    const target = new URL(req.url ?? '/', 'http://emulator.invalid');
    try {
      const tokenMatch = TOKEN_PATH.exec(target.pathname);
      if (tokenMatch?.[1]) {
        sendReply(req, res, await handleToken(req, decodeURIComponent(tokenMatch[1]), entry));
        return;
      }
      if (/^\/(monitorodata|casodata|licensing|systemlog|cvad)(\/|$)/.test(target.pathname)) {
        const outcome = await handleApi(req, res, target, entry);
        if (outcome === 'reset') resetConnection(req, res);
        else writeReply(res, outcome.reply, { truncate: outcome.truncate });
        return;
      }
      throw odataError(404, 'NotFound', `No route for ${req.method} ${target.pathname}`);
    } catch (error) {
      if (error instanceof ClosedError) {
        resetConnection(req, res);
      } else if (error instanceof ApiError) {
        const answer = MONITOR_PATH.test(target.pathname) ? monitorError(error) : error;
        sendReply(req, res, jsonReply(answer.status, answer.body, answer.headers));
      } else {
        const message = error instanceof Error ? error.message : String(error);
        sendReply(req, res, jsonReply(500, { error: { code: 'InternalServerError', message } }));
      }
    }
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  // How long the real service keeps an idle connection open is not published (INFERRED: longer than
  // Node's 5 s default, as the load balancers in front of such APIs keep 60 s or more). With 5 s, a
  // client stalled on a busy machine past its own keep-alive margin reuses a socket the server is closing
  // and reads ECONNRESET — a race of the test machine's load, not behaviour to emulate.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  url = `http://${host}:${address.port}`;

  const [customer] = config.customers;
  if (!customer) throw new Error('the emulator needs at least one customer');
  return {
    url,
    // The credentials only: how the customer is licensed is the emulator's business, not the client's.
    connection: {
      customerId: customer.customerId,
      clientId: customer.clientId,
      clientSecret: customer.clientSecret,
      apiBase: url,
    },
    setFaults: (faults) => {
      const next = viewFor(faults); // validates before anything changes
      injector.replace(faults);
      view = next;
    },
    setQueryTimeout: (queryTimeout) => {
      config.queryTimeout = resolveOptions({ queryTimeout }).queryTimeout;
    },
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    data: createGroundTruth(world, () => view, clock),
    scenarios:
      config.scenarioWindowStart === null
        ? null
        : plantedScenarios({
            seed: config.seed,
            windowStart: new Date(config.scenarioWindowStart),
            tenant: customer.customerId,
          }),
    close: async () => {
      shutdown.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
