/**
 * A contract server for Google SecOps ingestion (nothing runnable serves it offline). It enforces what
 * the documentation says and records what it accepted:
 *
 * - `POST /token`: Google's OAuth token endpoint for service accounts — a JWT bearer assertion
 *   (RFC 7523) signed RS256 with the key of the service account it issued, `aud` the token URL,
 *   `iss` the account, a scope, at most an hour of validity. Answers an access token (`tokenTtlSeconds`).
 * - `POST /v1/projects/{p}/locations/{l}/instances/{i}/logTypes/{t}/logs:import` (Chronicle API, GA
 *   version: https://docs.cloud.google.com/chronicle/docs/reference/rest/v1/projects.locations.instances.logTypes.logs/import):
 *   a bearer token it issued, `inlineSource.logs[]` each with base64 `data`, RFC 3339 `logEntryTime`
 *   and `collectionTime` (not before the entry time), optional `environmentNamespace` and `labels`
 *   (`{key: {value}}`), an optional `forwarder` resource name. Empty body on success. The pre-GA
 *   versions (`v1alpha`, `v1beta`) exist at Google but can change without notice
 *   (https://cloud.google.com/apis/design/versioning): ctxsiem's contract is the GA surface, so they are
 *   answered 404 here.
 * - `POST /v1/projects/{p}/locations/{l}/instances/{i}/events:import` (Chronicle API, GA version:
 *   https://docs.cloud.google.com/chronicle/docs/reference/rest/v1/projects.locations.instances.events/import):
 *   `inlineSource.events[]`, each `{udm: {…}}` (a UDM event, https://cloud.google.com/chronicle/docs/reference/rest/Shared.Types/UDM),
 *   answered with an empty body. "All events need to be valid for the request to be successful. An
 *   error in one entity will cause the entire request to be rejected": a request with one malformed
 *   event is refused whole with 400 INVALID_ARGUMENT naming it, none of its events taken. Malformed:
 *   no `metadata.event_type` (or EVENTTYPE_UNSPECIFIED), no RFC 3339 `metadata.event_timestamp` (both
 *   required: https://cloud.google.com/chronicle/docs/unified-data-model/udm-usage), or what the `udm`
 *   check a test gives (`StartSecOpsOptions.udmCheck`: the UDM schema's own check) finds. The same
 *   hosts, tokens, size limit (INFERRED: Google documents none for events; the logs limit applies) and
 *   faults as `logs:import`; the permission (`chronicle.events.import`) is denied with `eventsImport.denied`.
 * - `POST /v2/unstructuredlogentries:batchCreate` (legacy Ingestion API,
 *   https://docs.cloud.google.com/chronicle/docs/reference/ingestion-api#unstructuredlogentries):
 *   `customer_id`, `log_type`, `entries[]` of `{log_text, ts_epoch_microseconds}`, optional `namespace`
 *   and `labels[]`.
 * - Hosts (through `fetch`, which sends a request for a Google host here, as a resolver would): the
 *   Chronicle API at `{location}-chronicle.googleapis.com` (or `chronicle.{location}.rep.googleapis.com`)
 *   for the locations `us`, `eu` and the single regions, the path's location being the host's; the
 *   legacy API at `malachiteingestion-pa.googleapis.com` (US) or `{region}-malachiteingestion-pa…` for
 *   the regions of Google's table (`europe`, not `eu`) — sources in `sink-secops/src/regions.ts`. Any
 *   other host, or a path location that is not a Chronicle location (`europe`), is answered 404
 *   NOT_FOUND (INFERRED: Google lists no such endpoint), and a location other than its host's 400
 *   (INFERRED: "operations on out-of-region regional resources are typically not supported from the
 *   regional endpoint", https://cloud.google.com/assured-workloads/docs/api-endpoints).
 * - Log types: the instance knows `logTypes` — by default every Citrix log type Google lists
 *   ("Supported log types and default parsers",
 *   https://docs.cloud.google.com/chronicle/docs/ingestion/parser-list/supported-default-parsers; held
 *   equal to the SecOps sink's derived list by its tests) — plus the custom ones a test adds. Another
 *   log type is refused: `logs:import` with 404 NOT_FOUND (INFERRED: the log type is a resource in the
 *   request's path, and Google's error model answers a missing resource NOT_FOUND,
 *   https://cloud.google.com/apis/design/errors), `batchCreate` with 400 INVALID_ARGUMENT (INFERRED: as
 *   vectordotdev/chronicle-emulator src/main.rs answers an invalid log type).
 * - One log over 1,000,000 bytes (its decoded `data`, or its `log_text`) is not ingested: "The maximum
 *   log size is 1 MB. Logs larger than this won't be ingested"
 *   (https://docs.cloud.google.com/chronicle/docs/reference/ingestion-api). The request is still
 *   answered 200 (INFERRED: the documentation names no error) and the log is kept in `dropped`, not
 *   `accepted` — the strictest reading for a client, which must never send one.
 * - Request bodies over the limit (4,000,000 bytes, INFERRED from Google's own scripts — "Chronicle
 *   Ingestion API allows the maximum 4MB of payload", chronicle/ingestion-scripts common/ingest_v1.py;
 *   legacy 1 MB, documented above; as configured) are refused with 413; a token it did not issue (or one
 *   expired) with 401; a log type in `deniedLogTypes` with 403; a malformed body with 400. Faults queued with `failNext` answer the next ingestion requests: a status (with
 *   `Retry-After`; the logs are not accepted, unless `committed`: accepted, then answered the status), `accept-then-reset` — the logs are accepted and the
 *   connection dropped before the answer, as when a process is killed with the request in flight — or
 *   `pass` (answered normally, to reach a later request).
 * - A request holding a log a test declared malformed (`refuseLogs`: Google documents no rule on a
 *   log's content beyond its size, so a test stands one in) is refused whole with 400 INVALID_ARGUMENT
 *   "Request contains an invalid argument.", naming no log, and none of its logs is taken (INFERRED:
 *   INVALID_ARGUMENT means the request is invalid, https://cloud.google.com/apis/design/errors; that
 *   message is the one Google APIs give when they name no field).
 * - SIEM-side faults drawn at random (`setFaults`, switched per server at runtime, from a seeded PRNG)
 *   answer the valid ingestion requests no queued fault answers: accept-then-drop (the logs stored, the
 *   socket destroyed without an answer), a 500 or 503 after the commit (stored, then the error), a 500
 *   or 503 or a short 429 before it (nothing stored), a reset before it, a slow answer, and a long 429
 *   RESOURCE_EXHAUSTED (Google's error model maps RESOURCE_EXHAUSTED, "out of resource quota or
 *   reaching rate limiting", to HTTP 429, https://cloud.google.com/apis/design/errors) whose
 *   `Retry-After` header asks for tens of seconds — INFERRED: Google's model carries the delay as
 *   `google.rpc.RetryInfo` `retryDelay` in the error's details (sent too); that the ingestion API also
 *   sends the header, and that its waits reach tens of seconds, Google does not say.
 * - Every accepted request's body is digested (SHA-256 of its bytes: `acceptedBodies`, and each log's
 *   `body`), so a test tells a byte-identical resend (one digest accepted twice) from a record sent in
 *   two different requests.
 */
import { createHash, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from '@ctxsiem/source-generated';
import { readLimitedBody } from './request-body.ts';

export interface SecOpsLog {
  logType: string;
  /** The decoded `data` (or the legacy `log_text`). */
  text: string;
  logEntryTime: string;
  collectionTime?: string;
  namespace?: string;
  labels?: Record<string, string>;
  api: 'import' | 'legacy';
  /** The SHA-256 (hex) of the body of the request that carried it. */
  body: string;
}

/** A UDM event the server accepted. */
export interface SecOpsUdmEvent {
  udm: Record<string, unknown>;
  /** The SHA-256 (hex) of the body of the request that carried it. */
  body: string;
}

/**
 * What the next ingestion request gets: a status (`committed`: the logs are accepted first, as when an
 * API answers a 5xx after its commit), accepted-then-dropped, or `pass` (handled normally).
 */
export type SecOpsFault =
  | { status: number; retryAfter?: string; body?: string; committed?: boolean }
  | 'accept-then-reset'
  | 'pass';

/**
 * SIEM-side faults drawn for each valid ingestion request no queued fault answers, from a PRNG seeded
 * with `seed`: each a probability per request, tried in this order.
 */
export interface SecOpsRandomFaults {
  seed: number;
  /** Stores the logs, then destroys the socket without an answer. */
  acceptThenDrop?: number;
  /** Stores the logs, then answers 500 or 503 (half each). */
  commitThen5xx?: number;
  /**
   * Nothing stored: 429 RESOURCE_EXHAUSTED with `Retry-After` between the bounds (seconds); at most
   * `times` of them (default: no limit).
   */
  longRetryAfter?: { rate: number; minSeconds: number; maxSeconds: number; times?: number };
  /** Nothing stored: 429 RESOURCE_EXHAUSTED with `Retry-After: 1`. */
  rate429?: number;
  /** Nothing stored: 500 or 503 (half each). */
  rate5xx?: number;
  /** Nothing stored: the socket destroyed without an answer. */
  resetRate?: number;
  /** The answer (whatever it is) comes `slowMs` later (default 500). */
  slowRate?: number;
  slowMs?: number;
}

/** The kinds of fault `setFaults` draws, as `stats.faults` counts them. */
export type SecOpsFaultKind =
  | 'acceptThenDrop'
  | 'commitThen5xx'
  | 'longRetryAfter'
  | 'rate429'
  | 'rate5xx'
  | 'reset'
  | 'slow';

/** A 429 RESOURCE_EXHAUSTED asking for `seconds`: the header, and Google's RetryInfo in the body. */
function resourceExhausted(seconds: number): SecOpsFault {
  return {
    status: 429,
    retryAfter: String(seconds),
    body: JSON.stringify({
      error: {
        code: 429,
        message: 'Quota exceeded (injected).',
        status: 'RESOURCE_EXHAUSTED',
        details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${seconds}s` }],
      },
    }),
  };
}

/** Every Citrix log type Google lists, with or without a default parser (see the header). */
export const GOOGLE_CITRIX_LOG_TYPES = [
  'CITRIX_MONITOR',
  'CITRIX_ANALYTICS',
  'CITRIX_STOREFRONT',
  'CITRIX_NETSCALER',
  'CSG_CITRIX_RX',
  'CITRIX_NETSCALER_WEB_LOGS',
  'CITRIX_SDWAN',
  'CITRIX_SESSION_METADATA',
  'CITRIX_VDI',
  'CITRIX_WAF',
  'CITRIX_WEB_GATEWAY',
  'CITRIX_WORKSPACE',
  'CITRIX_XENCENTER',
] as const;

/** The regions of the legacy API's host table (Ingestion API, "Regional Endpoints"); `us` has no prefix. */
export const LEGACY_REGIONS = [
  'southamerica-east1',
  'northamerica-northeast2',
  'me-central2',
  'me-central1',
  'europe',
  'europe-west3',
  'asia-southeast2',
  'africa-south1',
  'europe-west2',
  'asia-south1',
  'europe-west9',
  'europe-central2',
  'asia-southeast1',
  'australia-southeast1',
  'me-west1',
  'asia-northeast1',
  'europe-west12',
  'europe-west6',
] as const;

/** The Chronicle API's locations: the multi-regions `us` and `eu`, and the single regions. */
export const CHRONICLE_LOCATIONS = [
  'us',
  'eu',
  ...LEGACY_REGIONS.filter((region) => region !== 'europe'),
] as const;

/** The largest log SecOps ingests, in bytes. */
export const MAX_LOG_BYTES = 1_000_000;

/** A `fetch` whose requests for Google's hosts reach the contract server (the host in a header). */
export type ResolvingFetch = (url: string, init: RequestInit) => Promise<Response>;

export interface SecOpsApi {
  endpoint: string;
  /**
   * A `fetch` that sends requests for `*.googleapis.com` here, keeping the host they were for (as a
   * resolver pointing Google's names at this server would): the server then checks the host.
   */
  fetch: ResolvingFetch;
  tokenUrl: string;
  /** A service-account key file's JSON for the account the server knows. */
  serviceAccountKey: string;
  /** Everything accepted, in order. */
  accepted: SecOpsLog[];
  /** Every UDM event accepted through `events:import`, in order. */
  events: SecOpsUdmEvent[];
  /** `denied`: `events:import` answers 403 PERMISSION_DENIED (no `chronicle.events.import`). */
  eventsImport: { denied: boolean };
  /** Logs in accepted requests that SecOps does not ingest (over 1 MB). */
  dropped: SecOpsLog[];
  /** The log types the instance has: Google's Citrix ones, plus the custom ones a test adds. */
  logTypes: Set<string>;
  /** Every request whose logs were accepted, in order: its body's SHA-256 (hex) and its logs. */
  acceptedBodies: { sha256: string; logs: number }[];
  /** Ingestion requests received (accepted or not), and tokens issued. */
  /** `bodies`: the size of every ingestion request body received, in order. */
  /** `faults`: the random faults `setFaults` drew, by kind. */
  stats: {
    requests: number;
    tokens: number;
    refused413: number;
    largestBody: number;
    bodies: number[];
    faults: Partial<Record<SecOpsFaultKind, number>>;
  };
  /** The limit a request body may reach, per API. */
  limits: { import: number; legacy: number };
  deniedLogTypes: Set<string>;
  /** Declares which logs (by their decoded text) are malformed: a request holding one is refused (400). */
  refuseLogs(malformed: (text: string) => boolean): void;
  failNext(...faults: SecOpsFault[]): void;
  /** Draws SIEM-side faults at random from now on (undefined: none); queued `failNext` faults go first. */
  setFaults(faults: SecOpsRandomFaults | undefined): void;
  /**
   * Resolves when the next ingestion request has been read, before it is answered: a test acts while a
   * request is in flight (a signal to the process sending it).
   */
  nextRequest(): Promise<void>;
  close(): Promise<void>;
}

export interface StartSecOpsOptions {
  tokenTtlSeconds?: number;
  limits?: Partial<SecOpsApi['limits']>;
  /** Custom log types the instance has besides Google's Citrix ones (an administrator created them). */
  customLogTypes?: readonly string[];
  /** What is wrong with one UDM event (empty: valid), beyond the required metadata the server checks. */
  udmCheck?: (udm: unknown) => readonly string[];
}

const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;
const IMPORT_PATH =
  /^\/(v1|v1alpha|v1beta)\/projects\/([^/]+)\/locations\/([^/]+)\/instances\/([^/]+)\/logTypes\/([^/]+)\/logs:import$/;
const EVENTS_PATH =
  /^\/(v1|v1alpha|v1beta)\/projects\/([^/]+)\/locations\/([^/]+)\/instances\/([^/]+)\/events:import$/;
const HOST_HEADER = 'x-contract-host';
const CHRONICLE_HOST =
  /^(?:([a-z0-9-]+)-chronicle\.googleapis\.com|chronicle\.([a-z0-9-]+)\.rep\.googleapis\.com)$/;
const LEGACY_HOSTS: ReadonlySet<string> = new Set([
  'malachiteingestion-pa.googleapis.com',
  ...LEGACY_REGIONS.map((region) => `${region}-malachiteingestion-pa.googleapis.com`),
]);
const LOCATIONS: ReadonlySet<string> = new Set(CHRONICLE_LOCATIONS);

function base64UrlJson(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export async function startSecOpsApi(options: StartSecOpsOptions = {}): Promise<SecOpsApi> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const clientEmail = 'ctxsiem-ingest@test-project.iam.gserviceaccount.com';
  const tokens = new Map<string, number>();
  const faults: SecOpsFault[] = [];
  let random: { faults: SecOpsRandomFaults; draw: () => number } | undefined;
  /** The long 429s drawn before the current `setFaults` (its `times` counts from there). */
  let longBefore = 0;
  let waiting: (() => void)[] = [];
  let malformed: (text: string) => boolean = () => false;
  const api = {
    accepted: [] as SecOpsLog[],
    events: [] as SecOpsUdmEvent[],
    eventsImport: { denied: false },
    dropped: [] as SecOpsLog[],
    acceptedBodies: [] as { sha256: string; logs: number }[],
    logTypes: new Set<string>([...GOOGLE_CITRIX_LOG_TYPES, ...(options.customLogTypes ?? [])]),
    stats: {
      requests: 0,
      tokens: 0,
      refused413: 0,
      largestBody: 0,
      bodies: [] as number[],
      faults: {} as Partial<Record<SecOpsFaultKind, number>>,
    },
    limits: { import: 4_000_000, legacy: 1_000_000, ...options.limits },
    deniedLogTypes: new Set<string>(),
    failNext: (...next: SecOpsFault[]) => void faults.push(...next),
    setFaults: (next: SecOpsRandomFaults | undefined) => {
      random = next ? { faults: next, draw: seededRandom(next.seed) } : undefined;
      longBefore = api.stats.faults.longRetryAfter ?? 0;
    },
    nextRequest: () => new Promise<void>((resolve) => waiting.push(resolve)),
    refuseLogs: (rule: (text: string) => boolean) => {
      malformed = rule;
    },
  };
  const ttl = options.tokenTtlSeconds ?? 3600;

  /** The random fault drawn for a request (undefined: none), and how long its answer waits. */
  const drawFault = (): { fault: SecOpsFault | 'reset' | undefined; slowMs: number } => {
    if (!random) return { fault: undefined, slowMs: 0 };
    const { faults: f, draw } = random;
    const drawn = (kind: SecOpsFaultKind) => {
      api.stats.faults[kind] = (api.stats.faults[kind] ?? 0) + 1;
      return true;
    };
    const slowMs = draw() < (f.slowRate ?? 0) && drawn('slow') ? (f.slowMs ?? 500) : 0;
    const status5xx = () => (draw() < 0.5 ? 500 : 503);
    if (draw() < (f.acceptThenDrop ?? 0) && drawn('acceptThenDrop'))
      return { fault: 'accept-then-reset', slowMs };
    if (draw() < (f.commitThen5xx ?? 0) && drawn('commitThen5xx'))
      return { fault: { status: status5xx(), committed: true }, slowMs };
    const long = f.longRetryAfter;
    const longLeft =
      (long?.times ?? Number.POSITIVE_INFINITY) > (api.stats.faults.longRetryAfter ?? 0) - longBefore;
    if (long && longLeft && draw() < long.rate && drawn('longRetryAfter'))
      return {
        fault: resourceExhausted(
          long.minSeconds + Math.floor(draw() * (long.maxSeconds - long.minSeconds + 1)),
        ),
        slowMs,
      };
    if (draw() < (f.rate429 ?? 0) && drawn('rate429')) return { fault: resourceExhausted(1), slowMs };
    if (draw() < (f.rate5xx ?? 0) && drawn('rate5xx')) return { fault: { status: status5xx() }, slowMs };
    if (draw() < (f.resetRate ?? 0) && drawn('reset')) return { fault: 'reset', slowMs };
    return { fault: undefined, slowMs };
  };

  const json = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, message: string, code: string): void =>
    json(res, status, { error: { code: status, message, status: code } });

  function issueToken(assertion: string): string | undefined {
    const [header, claims, signature] = assertion.split('.');
    if (!header || !claims || !signature) return undefined;
    if (base64UrlJson(header).alg !== 'RS256') return undefined;
    const verified = createVerify('RSA-SHA256')
      .update(`${header}.${claims}`)
      .verify(publicKey, Buffer.from(signature, 'base64url'));
    if (!verified) return undefined;
    const c = base64UrlJson(claims) as {
      iss?: string;
      aud?: string;
      scope?: string;
      iat?: number;
      exp?: number;
    };
    const now = Date.now() / 1000;
    if (c.iss !== clientEmail || c.aud !== GOOGLE_TOKEN_URL || !c.scope) return undefined;
    if (!c.exp || !c.iat || c.exp < now || c.exp - c.iat > 3600) return undefined;
    const token = `ya29.${randomBytes(24).toString('base64url')}`;
    tokens.set(token, Date.now() + ttl * 1000);
    api.stats.tokens++;
    return token;
  }

  function authorised(req: IncomingMessage): boolean {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expires = token ? tokens.get(token) : undefined;
    return expires !== undefined && expires > Date.now();
  }

  /** Checks one import log; returns why it is malformed, or undefined. */
  function importLogProblem(log: Record<string, unknown>): string | undefined {
    if (typeof log.data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(log.data))
      return 'data must be base64';
    for (const field of ['logEntryTime', 'collectionTime'])
      if (typeof log[field] !== 'string' || !RFC3339.test(log[field] as string))
        return `${field} must be an RFC 3339 timestamp`;
    if (Date.parse(log.collectionTime as string) < Date.parse(log.logEntryTime as string))
      return 'collectionTime must be after logEntryTime';
    if (log.labels !== undefined)
      for (const label of Object.values(log.labels as Record<string, unknown>))
        if (typeof (label as { value?: unknown })?.value !== 'string')
          return 'labels must map keys to {value}';
    return undefined;
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((failure: unknown) => {
      if (!res.headersSent)
        error(res, 500, `contract server failure: ${(failure as Error).message}`, 'INTERNAL');
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://secops.invalid');
    if (req.method === 'POST' && url.pathname === '/token') {
      const body = await readLimitedBody(req, 64 * 1024);
      const form = new URLSearchParams(body === 'too large' ? '' : body.toString('utf8'));
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
        return json(res, 400, { error: 'unsupported_grant_type' });
      const token = issueToken(form.get('assertion') ?? '');
      if (!token)
        return json(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
      return json(res, 200, { access_token: token, expires_in: ttl, token_type: 'Bearer' });
    }
    const eventsMatch = EVENTS_PATH.exec(url.pathname);
    const importMatch = IMPORT_PATH.exec(url.pathname) ?? eventsMatch;
    const legacy = url.pathname === '/v2/unstructuredlogentries:batchCreate';
    if (req.method !== 'POST' || (!importMatch && !legacy)) return error(res, 404, 'Not found', 'NOT_FOUND');
    if (importMatch && importMatch[1] !== 'v1')
      return error(
        res,
        404,
        `ctxsiem's contract is the GA API: ${importMatch[1]} is not served`,
        'NOT_FOUND',
      );
    const hostProblem = hostRefusal(req.headers[HOST_HEADER], importMatch?.[3]);
    if (hostProblem) return error(res, hostProblem.status, hostProblem.message, hostProblem.code);
    api.stats.requests++;
    const limit = legacy ? api.limits.legacy : api.limits.import;
    const body = await readLimitedBody(req, limit);
    if (body === 'too large') {
      api.stats.refused413++;
      return error(res, 413, `Request payload size exceeds the limit: ${limit} bytes.`, 'INVALID_ARGUMENT');
    }
    api.stats.largestBody = Math.max(api.stats.largestBody, body.length);
    api.stats.bodies.push(body.length);
    if (!authorised(req))
      return error(res, 401, 'Request had invalid authentication credentials.', 'UNAUTHENTICATED');
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return error(res, 400, 'Invalid JSON payload received.', 'INVALID_ARGUMENT');
    }
    if (eventsMatch) return importEvents(res, parsed, body);
    const logType = importMatch ? importMatch[5]! : String(parsed.log_type ?? '');
    if (!api.logTypes.has(logType))
      return importMatch
        ? error(
            res,
            404,
            `LogType "projects/${importMatch[2]}/locations/${importMatch[3]}/instances/${importMatch[4]}/logTypes/${logType}" not found`,
            'NOT_FOUND',
          )
        : error(res, 400, `invalid log_type: ${logType}`, 'INVALID_ARGUMENT');
    if (api.deniedLogTypes.has(logType))
      return error(
        res,
        403,
        `Permission 'chronicle.logs.import' denied on log type ${logType}`,
        'PERMISSION_DENIED',
      );
    const logs: Omit<SecOpsLog, 'body'>[] = [];
    if (importMatch) {
      const source = parsed.inlineSource as { logs?: unknown; forwarder?: unknown } | undefined;
      if (!source || !Array.isArray(source.logs) || source.logs.length === 0)
        return error(res, 400, 'inlineSource.logs must list logs', 'INVALID_ARGUMENT');
      if (
        source.forwarder !== undefined &&
        !/^projects\/[^/]+\/locations\/[^/]+\/instances\/[^/]+\/forwarders\/[^/]+$/.test(
          String(source.forwarder),
        )
      )
        return error(
          res,
          400,
          'inlineSource.forwarder must be a forwarder resource name',
          'INVALID_ARGUMENT',
        );
      for (const [index, log] of (source.logs as Record<string, unknown>[]).entries()) {
        const problem = importLogProblem(log);
        if (problem) return error(res, 400, `inlineSource.logs[${index}]: ${problem}`, 'INVALID_ARGUMENT');
        logs.push({
          api: 'import',
          logType,
          text: Buffer.from(log.data as string, 'base64').toString('utf8'),
          logEntryTime: log.logEntryTime as string,
          collectionTime: log.collectionTime as string,
          ...(typeof log.environmentNamespace === 'string' ? { namespace: log.environmentNamespace } : {}),
          ...(log.labels
            ? {
                labels: Object.fromEntries(
                  Object.entries(log.labels as Record<string, { value: string }>).map(([k, v]) => [
                    k,
                    v.value,
                  ]),
                ),
              }
            : {}),
        });
      }
    } else {
      const entries = parsed.entries;
      if (
        typeof parsed.customer_id !== 'string' ||
        !logType ||
        !Array.isArray(entries) ||
        entries.length === 0
      )
        return error(res, 400, 'customer_id, log_type and entries are required', 'INVALID_ARGUMENT');
      for (const [index, entry] of (entries as Record<string, unknown>[]).entries()) {
        if (typeof entry.log_text !== 'string' || !/^\d+$/.test(String(entry.ts_epoch_microseconds ?? '')))
          return error(
            res,
            400,
            `entries[${index}]: log_text and ts_epoch_microseconds are required`,
            'INVALID_ARGUMENT',
          );
        logs.push({
          api: 'legacy',
          logType,
          text: entry.log_text,
          logEntryTime: new Date(Number(entry.ts_epoch_microseconds) / 1000).toISOString(),
          ...(typeof parsed.namespace === 'string' ? { namespace: parsed.namespace } : {}),
        });
      }
    }
    if (logs.some((log) => malformed(log.text)))
      return error(res, 400, 'Request contains an invalid argument.', 'INVALID_ARGUMENT');
    const digest = createHash('sha256').update(body).digest('hex');
    return answer(res, () => ingest(logs, digest));
  }

  /** `events:import`: every event checked (one malformed refuses the request), then answered as a log import. */
  async function importEvents(
    res: ServerResponse,
    parsed: Record<string, unknown>,
    body: Buffer,
  ): Promise<void> {
    if (api.eventsImport.denied)
      return error(res, 403, "Permission 'chronicle.events.import' denied", 'PERMISSION_DENIED');
    const source = parsed.inlineSource as { events?: unknown } | undefined;
    if (!source || !Array.isArray(source.events) || source.events.length === 0)
      return error(res, 400, 'inlineSource.events must list events', 'INVALID_ARGUMENT');
    const events = source.events as unknown[];
    for (const [index, event] of events.entries()) {
      const problem = udmEventProblem(event);
      if (problem) return error(res, 400, `inlineSource.events[${index}]: ${problem}`, 'INVALID_ARGUMENT');
    }
    const udms = events.map((event) => (event as { udm: Record<string, unknown> }).udm);
    if (udms.some((udm) => malformed(JSON.stringify(udm))))
      return error(res, 400, 'Request contains an invalid argument.', 'INVALID_ARGUMENT');
    const digest = createHash('sha256').update(body).digest('hex');
    return answer(res, () => {
      api.acceptedBodies.push({ sha256: digest, logs: udms.length });
      for (const udm of udms) api.events.push({ udm, body: digest });
    });
  }

  /** Why one `events[]` entry is malformed, or undefined. */
  function udmEventProblem(event: unknown): string | undefined {
    const udm = (event as { udm?: unknown } | null)?.udm;
    if (typeof udm !== 'object' || udm === null || Array.isArray(udm)) return 'udm must be a UDM event';
    const metadata = (udm as { metadata?: Record<string, unknown> }).metadata;
    const eventType = metadata?.event_type ?? metadata?.eventType;
    if (typeof eventType !== 'string' || eventType === 'EVENTTYPE_UNSPECIFIED')
      return 'udm.metadata.event_type is required';
    const timestamp = metadata?.event_timestamp ?? metadata?.eventTimestamp;
    if (typeof timestamp !== 'string' || !RFC3339.test(timestamp))
      return 'udm.metadata.event_timestamp must be an RFC 3339 timestamp';
    const problems = options.udmCheck?.(udm) ?? [];
    return problems.length > 0 ? `udm: ${problems.join('; ')}` : undefined;
  }

  /**
   * Answers a valid ingestion request: a queued or drawn fault, or 200 with `commit` done (the logs
   * or events stored), as the fault says.
   */
  async function answer(res: ServerResponse, commit: () => void): Promise<void> {
    const arrived = waiting;
    waiting = [];
    for (const resolve of arrived) resolve();
    // Whoever waited acts (a signal to the sending process) before the answer goes.
    if (arrived.length > 0) await new Promise((resolve) => setImmediate(resolve));
    const queued = faults.shift();
    const { fault, slowMs } = queued === undefined ? drawFault() : { fault: queued, slowMs: 0 };
    if (slowMs > 0) await new Promise((resolve) => setTimeout(resolve, slowMs));
    if (fault === 'pass' || fault === undefined) {
      commit();
      return json(res, 200, {});
    }
    if (fault === 'accept-then-reset' || fault === 'reset') {
      if (fault === 'accept-then-reset') commit();
      res.socket?.destroy();
      return;
    }
    if (fault.committed) commit();
    res.writeHead(fault.status, {
      'content-type': 'application/json',
      ...(fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}),
    });
    res.end(fault.body ?? JSON.stringify({ error: { code: fault.status, message: 'injected' } }));
  }

  /** What an accepted request's logs become: ingested, or (over 1 MB) dropped; its body's digest kept. */
  function ingest(logs: readonly Omit<SecOpsLog, 'body'>[], digest: string): void {
    api.acceptedBodies.push({ sha256: digest, logs: logs.length });
    for (const log of logs)
      (Buffer.byteLength(log.text, 'utf8') > MAX_LOG_BYTES ? api.dropped : api.accepted).push({
        ...log,
        body: digest,
      });
  }

  /** Why a request for `host` (absent: sent to the server's own address) is refused, or undefined. */
  function hostRefusal(
    host: string | string[] | undefined,
    pathLocation: string | undefined,
  ): { status: number; message: string; code: string } | undefined {
    if (pathLocation !== undefined && !LOCATIONS.has(pathLocation))
      return { status: 404, message: `Location "${pathLocation}" not found`, code: 'NOT_FOUND' };
    if (typeof host !== 'string') return undefined;
    if (pathLocation === undefined)
      return LEGACY_HOSTS.has(host)
        ? undefined
        : { status: 404, message: `no Ingestion API at ${host}`, code: 'NOT_FOUND' };
    const match = CHRONICLE_HOST.exec(host);
    const hostLocation = match?.[1] ?? match?.[2];
    if (!hostLocation || !LOCATIONS.has(hostLocation))
      return { status: 404, message: `no Chronicle API at ${host}`, code: 'NOT_FOUND' };
    if (hostLocation !== pathLocation)
      return {
        status: 400,
        message: `location ${pathLocation} is not served by the ${hostLocation} endpoint ${host}`,
        code: 'INVALID_ARGUMENT',
      };
    return undefined;
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const resolvingFetch: ResolvingFetch = (target, init) => {
    const url = new URL(target);
    if (!url.hostname.endsWith('.googleapis.com')) return fetch(target, init);
    const headers = new Headers(init.headers);
    headers.set(HOST_HEADER, url.hostname);
    return fetch(`${endpoint}${url.pathname}${url.search}`, { ...init, headers });
  };
  return {
    ...api,
    endpoint,
    fetch: resolvingFetch,
    tokenUrl: `${endpoint}/token`,
    serviceAccountKey: JSON.stringify({
      type: 'service_account',
      project_id: 'test-project',
      private_key_id: randomBytes(8).toString('hex'),
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: clientEmail,
      client_id: '1234567890',
      token_uri: GOOGLE_TOKEN_URL,
    }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
