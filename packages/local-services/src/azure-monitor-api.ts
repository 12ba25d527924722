/**
 * A contract server for the Azure Monitor Logs Ingestion API and the Entra token endpoint it needs
 * (nothing runnable serves them offline), over HTTPS with a CA made for it and trusted by this process
 * (`makeTestTls`): Azure's clients refuse bearer tokens over plain HTTP. It enforces what the documentation says and records
 * what it accepted:
 *
 * - `GET /{tenant}/v2.0/.well-known/openid-configuration` and `POST /{tenant}/oauth2/v2.0/token`: the
 *   client-credentials grant of the one app registration it knows (a wrong secret is `invalid_client`),
 *   scope `https://monitor.azure.com//.default`; tokens expire after `tokenTtlSeconds`.
 * - `POST /dataCollectionRules/{dcr}/streams/{stream}?api-version=2023-01-01`: a bearer token it
 *   issued (401), the DCR it knows and a stream it declares (404), a body of at most 1 MB as sent
 *   (413; gzip when `Content-Encoding: gzip`), a JSON array of objects (400). 204 when accepted
 *   (Logs Ingestion API: https://learn.microsoft.com/azure/azure-monitor/logs/logs-ingestion-api-overview;
 *   limits: https://learn.microsoft.com/azure/azure-monitor/fundamentals/service-limits#logs-ingestion-api).
 * - `loadDcr(declaration)`: the data collection rule's stream declarations, data flows and tables, as
 *   Azure would take them (DCR structure:
 *   https://learn.microsoft.com/azure/azure-monitor/data-collection/data-collection-rule-structure). A
 *   table with a reserved column name is refused as an apply would be (documented names:
 *   https://learn.microsoft.com/azure/azure-monitor/logs/create-custom-table; compared without case:
 *   INFERRED, the strictest reading). Then each accepted record is stored as Azure would store it, and
 *   what Azure does silently is reported to the test (`drops`, `timeReplaced`):
 *   - a field the stream does not declare is dropped (INFERRED: the documentation describes
 *     declarations, not the drop; observed and reported in criblio/Cribl-Microsoft PR #123);
 *   - a value of another JSON type than its declared column's is stored empty (INFERRED);
 *   - the flow's transform is run (`kql-transform.ts`), and a column it outputs that the table lacks is
 *     dropped (INFERRED);
 *   - a `TimeGenerated` older than 2 days or more than 1 day ahead of the time received is replaced
 *     with the time received ("Standard columns in Azure Monitor Logs",
 *     https://learn.microsoft.com/azure/azure-monitor/logs/log-standard-columns#timegenerated).
 * - Faults queued with `failNext` answer the next ingestion calls: a status (with `Retry-After`),
 *   `accept-then-reset`, or `pass`; `forbidden` answers 403 (a missing role assignment).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { compileTransform, type Row } from './kql-transform.ts';
import { readLimitedBody } from './request-body.ts';
import { makeTestTls } from './test-tls.ts';

export type AzureFault = { status: number; retryAfter?: string } | 'accept-then-reset' | 'pass';

type ColumnType = 'string' | 'int' | 'long' | 'real' | 'boolean' | 'datetime' | 'dynamic';
interface DcrColumn {
  name: string;
  type: string;
}

/** A data collection rule's declarations, as `ctxsiem azure dcr` prints them. */
export interface DcrDefinition {
  streamDeclarations: Record<string, { columns: readonly DcrColumn[] }>;
  dataFlows: readonly { streams: readonly string[]; transformKql: string; outputStream: string }[];
  tables: Record<string, { columns: readonly DcrColumn[] }>;
}

/** Documented reserved column names (create-custom-table), and classic tables' standard columns (INFERRED). */
const RESERVED = new Set(
  [
    'id',
    '_ResourceId',
    '_SubscriptionId',
    'TenantId',
    'Type',
    'UniqueId',
    'Title',
    'MG',
    'ManagementGroupName',
    'SourceSystem',
    'Computer',
    'RawData',
  ].map((name) => name.toLowerCase()),
);
const TYPES: readonly string[] = ['string', 'int', 'long', 'real', 'boolean', 'datetime', 'dynamic'];
const DAY_MS = 86_400_000;

/** One stream's data flow: its declared columns, its transform and its table's columns. */
interface Flow {
  columns: Map<string, ColumnType>;
  table: string;
  tableColumns: Map<string, ColumnType>;
  transform: ReturnType<typeof compileTransform>;
}

/** A value as a column of `type` stores it: `{ value }`, or undefined when its JSON type does not fit. */
function asColumn(value: unknown, type: ColumnType): { value: unknown } | undefined {
  if (value === null || value === undefined) return { value: null };
  switch (type) {
    case 'string':
      return typeof value === 'string' ? { value } : undefined;
    case 'int':
      return Number.isInteger(value) && Math.abs(value as number) <= 2 ** 31 ? { value } : undefined;
    case 'long':
      return Number.isInteger(value) ? { value } : undefined;
    case 'real':
      return typeof value === 'number' ? { value } : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? { value } : undefined;
    case 'datetime': {
      const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
      return date && !Number.isNaN(date.getTime()) ? { value: date } : undefined;
    }
    default:
      return { value };
  }
}

export interface AzureMonitorApi {
  /** The logs ingestion endpoint (https). */
  endpoint: string;
  /** The Entra authority host (https). */
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  ruleId: string;
  /** Stream name → the records it accepted, in order. */
  accepted: Map<string, Record<string, unknown>[]>;
  /** Streams the DCR declares (every `Custom-…` stream when empty). */
  streams: Set<string>;
  /**
   * Loads a data collection rule (and its tables): from then on records are stored as Azure stores
   * them, in `rows`. Throws what Azure would refuse (a reserved column name, a transform it cannot run).
   */
  loadDcr(definition: DcrDefinition): void;
  /** Table → its stored rows (datetimes as ISO strings), once a DCR is loaded. */
  rows: Map<string, Record<string, unknown>[]>;
  /** What Azure would have dropped silently: `{stream or table}.{field}: why` → records. */
  drops: Record<string, number>;
  /** Records whose `TimeGenerated` Azure replaced with the time received. */
  timeReplaced: number;
  stats: { requests: number; tokens: number; refused413: number; largestBody: number; bodies: number[] };
  forbidden: boolean;
  /** The Azure Monitor sink's settings for this server: endpoint, rule, app registration, authority. */
  readonly connection: {
    endpoint: string;
    ruleId: string;
    tenantId: string;
    clientId: string;
    clientSecret: string;
    authorityHost: string;
  };
  /** Makes every token issued so far invalid, as Entra's revocation does before they expire. */
  revokeTokens(): void;
  failNext(...faults: AzureFault[]): void;
  close(): Promise<void>;
}

const LIMIT_BYTES = 1_000_000;
const SCOPE = 'https://monitor.azure.com//.default';

export async function startAzureMonitorApi(
  options: { tokenTtlSeconds?: number; limitBytes?: number } = {},
): Promise<AzureMonitorApi> {
  const limitBytes = options.limitBytes ?? LIMIT_BYTES;
  const tls = makeTestTls();
  const tenantId = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const clientId = '0a1b2c3d-0000-4000-8000-00000000c175';
  const clientSecret = `azure-test-secret-${randomBytes(6).toString('hex')}`;
  const ruleId = `dcr-${randomBytes(16).toString('hex')}`;
  const ttl = options.tokenTtlSeconds ?? 3600;
  const tokens = new Map<string, number>();
  const faults: AzureFault[] = [];
  const api = {
    accepted: new Map<string, Record<string, unknown>[]>(),
    streams: new Set<string>(),
    stats: { requests: 0, tokens: 0, refused413: 0, largestBody: 0, bodies: [] as number[] },
    forbidden: false,
    rows: new Map<string, Record<string, unknown>[]>(),
    drops: {} as Record<string, number>,
    timeReplaced: 0,
  };
  let dcr: Map<string, Flow> | undefined;
  const drop = (key: string) => {
    api.drops[key] = (api.drops[key] ?? 0) + 1;
  };

  function loadDcr(definition: DcrDefinition): void {
    const problems: string[] = [];
    for (const [table, { columns }] of Object.entries(definition.tables)) {
      if (columns[0]?.name !== 'TimeGenerated')
        problems.push(`${table}: TimeGenerated must be its first column`);
      for (const column of columns) {
        if (RESERVED.has(column.name.toLowerCase()))
          problems.push(`${table}.${column.name}: a reserved column name`);
        if (!TYPES.includes(column.type)) problems.push(`${table}.${column.name}: type ${column.type}`);
      }
    }
    for (const [stream, { columns }] of Object.entries(definition.streamDeclarations))
      for (const column of columns)
        if (!TYPES.includes(column.type)) problems.push(`${stream}.${column.name}: type ${column.type}`);
    const flows = new Map<string, Flow>();
    for (const flow of definition.dataFlows) {
      const [stream = ''] = flow.streams;
      const declared = definition.streamDeclarations[stream];
      const table = flow.outputStream.replace(/^Custom-/, '');
      const tableColumns = definition.tables[table]?.columns;
      if (!declared || !tableColumns) {
        problems.push(`${flow.outputStream}: a data flow without its stream or table`);
        continue;
      }
      try {
        flows.set(stream, {
          columns: new Map(declared.columns.map((c) => [c.name, c.type as ColumnType])),
          table,
          tableColumns: new Map(tableColumns.map((c) => [c.name, c.type as ColumnType])),
          transform: compileTransform(flow.transformKql),
        });
      } catch (error) {
        problems.push(`${flow.outputStream}: ${(error as Error).message}`);
      }
    }
    if (problems.length > 0)
      throw new Error(`Azure would refuse this data collection rule:\n  ${problems.join('\n  ')}`);
    dcr = flows;
    api.streams.clear();
    for (const stream of flows.keys()) api.streams.add(stream);
  }

  /** Stores records sent to `stream` as Azure would, reporting what it drops. */
  function store(stream: string, records: Record<string, unknown>[], received: Date): void {
    const flow = dcr?.get(stream);
    if (!flow) return;
    const rows = api.rows.get(flow.table) ?? [];
    api.rows.set(flow.table, rows);
    for (const record of records) {
      const input: Row = {};
      for (const [field, value] of Object.entries(record)) {
        const type = flow.columns.get(field);
        if (!type) {
          drop(`${stream}.${field}: not declared by the stream`);
          continue;
        }
        const stored = asColumn(value, type);
        if (!stored) drop(`${stream}.${field}: not a ${type}`);
        input[field] = stored?.value ?? null;
      }
      for (const field of flow.columns.keys()) input[field] ??= null;
      const output = flow.transform(input, received);
      if (!output) continue;
      const row: Record<string, unknown> = {};
      for (const [column, value] of Object.entries(output)) {
        const type = flow.tableColumns.get(column);
        if (!type) {
          if (value !== null && value !== undefined)
            drop(`${flow.table}.${column}: not a column of the table`);
          continue;
        }
        const stored = asColumn(value, type);
        if (!stored) drop(`${flow.table}.${column}: not a ${type}`);
        const kept = stored?.value ?? null;
        row[column] = kept instanceof Date ? kept.toISOString() : kept;
      }
      const time = typeof row.TimeGenerated === 'string' ? Date.parse(row.TimeGenerated) : Number.NaN;
      if (
        Number.isNaN(time) ||
        time < received.getTime() - 2 * DAY_MS ||
        time > received.getTime() + DAY_MS
      ) {
        if (!Number.isNaN(time)) api.timeReplaced++;
        row.TimeGenerated = received.toISOString();
      }
      rows.push(row);
    }
  }
  let base = '';

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };
  const failure = (res: ServerResponse, status: number, code: string, message: string) =>
    json(res, status, { error: { code, message } });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    if (req.method === 'GET' && url.pathname === `/${tenantId}/v2.0/.well-known/openid-configuration`)
      return json(res, 200, {
        issuer: `${base}/${tenantId}/v2.0`,
        token_endpoint: `${base}/${tenantId}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/${tenantId}/oauth2/v2.0/authorize`,
        jwks_uri: `${base}/${tenantId}/discovery/v2.0/keys`,
        end_session_endpoint: `${base}/${tenantId}/oauth2/v2.0/logout`,
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      });
    if (req.method === 'POST' && url.pathname === `/${tenantId}/oauth2/v2.0/token`) {
      const body = await readLimitedBody(req, 64 * 1024);
      const form = new URLSearchParams(body === 'too large' ? '' : body.toString('utf8'));
      if (form.get('grant_type') !== 'client_credentials')
        return json(res, 400, { error: 'unsupported_grant_type' });
      if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret)
        return json(res, 401, {
          error: 'invalid_client',
          error_description: 'AADSTS7000215: Invalid client secret provided.',
        });
      if (form.get('scope') !== SCOPE)
        return json(res, 400, {
          error: 'invalid_scope',
          error_description: `AADSTS70011: scope ${form.get('scope')}`,
        });
      const token = `eyJ0eXAiOiJKV1QifQ.${randomBytes(24).toString('base64url')}`;
      tokens.set(token, Date.now() + ttl * 1000);
      api.stats.tokens++;
      return json(res, 200, {
        token_type: 'Bearer',
        expires_in: ttl,
        ext_expires_in: ttl,
        access_token: token,
      });
    }
    const match = /^\/dataCollectionRules\/([^/]+)\/streams\/([^/]+)$/.exec(url.pathname);
    if (req.method !== 'POST' || !match) return failure(res, 404, 'NotFound', 'Not found');
    api.stats.requests++;
    if (url.searchParams.get('api-version') !== '2023-01-01')
      return failure(res, 400, 'InvalidApiVersion', 'api-version must be 2023-01-01');
    const body = await readLimitedBody(req, limitBytes);
    if (body === 'too large') {
      api.stats.refused413++;
      return failure(
        res,
        413,
        'ContentLengthLimitExceeded',
        `Maximum allowed content length: ${limitBytes} bytes.`,
      );
    }
    api.stats.largestBody = Math.max(api.stats.largestBody, body.length);
    api.stats.bodies.push(body.length);
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || (tokens.get(token) ?? 0) < Date.now())
      return failure(res, 401, 'InvalidToken', 'The authentication token provided is invalid or expired.');
    if (api.forbidden)
      return failure(
        res,
        403,
        'OperationFailed',
        'The authentication token provided does not have access to ingest data for the data collection rule',
      );
    const [, rule = '', stream = ''] = match;
    if (rule !== ruleId)
      return failure(res, 404, 'InvalidDataCollectionRule', `Data collection rule ${rule} not found`);
    if (!stream.startsWith('Custom-') || (api.streams.size > 0 && !api.streams.has(stream)))
      return failure(
        res,
        404,
        'InvalidStream',
        `Stream ${stream} is not declared by the data collection rule`,
      );
    let records: unknown;
    try {
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8');
      records = JSON.parse(text);
    } catch {
      return failure(res, 400, 'InvalidContent', 'The body is not valid (gzip) JSON.');
    }
    if (
      !Array.isArray(records) ||
      records.some((r) => typeof r !== 'object' || r === null || Array.isArray(r))
    )
      return failure(res, 400, 'InvalidContent', 'The body must be a JSON array of objects.');
    const fault = faults.shift();
    const accept = () => {
      const list = api.accepted.get(stream) ?? [];
      list.push(...(records as Record<string, unknown>[]));
      api.accepted.set(stream, list);
      store(stream, records as Record<string, unknown>[], new Date());
    };
    if (fault === undefined || fault === 'pass') {
      accept();
      res.writeHead(204).end();
      return;
    }
    if (fault === 'accept-then-reset') {
      accept();
      res.socket?.destroy();
      return;
    }
    res.writeHead(fault.status, {
      'content-type': 'application/json',
      ...(fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}),
    });
    res.end(JSON.stringify({ error: { code: 'Injected', message: `injected ${fault.status}` } }));
  }

  const server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        failure(res, 500, 'Internal', `contract server failure: ${(error as Error).message}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    ...api,
    endpoint: base,
    authorityHost: base,
    tenantId,
    clientId,
    clientSecret,
    ruleId,
    get forbidden() {
      return api.forbidden;
    },
    set forbidden(value: boolean) {
      api.forbidden = value;
    },
    connection: { endpoint: base, ruleId, tenantId, clientId, clientSecret, authorityHost: base },
    get timeReplaced() {
      return api.timeReplaced;
    },
    loadDcr,
    failNext: (...next: AzureFault[]) => void faults.push(...next),
    revokeTokens: () => tokens.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          tls.remove();
          resolve();
        });
      }),
  };
}
