/**
 * Issue 27: a default SecOps log type's parser was written for the records Google's own collector of
 * that log type sends, so ours must have the same fields with the same nesting. From the same emulator
 * rows, each test builds the records the way Google's collector builds them and compares them with what
 * ctxsiem's SecOps sink imported:
 *
 * - CITRIX_MONITOR, Monitor sets: Google's guide "Collect Citrix Monitor Service logs"
 *   (docs.cloud.google.com/chronicle/docs/ingestion/default-parsers/citrix-ms; seed 002's function):
 *   `GET {api}/monitorodata/{entity}?$filter=(ModifiedDate ge S and ModifiedDate lt E)&$top=1000`,
 *   following `@odata.nextLink`, each `value` row as it is ("Store raw Citrix data directly for proper
 *   parser recognition").
 * - CITRIX_MONITOR, System Log: Google's citrix_auditlogs script (chronicle/ingestion-scripts
 *   citrix_auditlogs/main.py @ a942157a02de4ebbeffe00eb6ceb645a6f3a3362):
 *   `GET {api}/systemlog/records?startDateTime&endDateTime&limit=200`, following `continuationToken`,
 *   each of `items` as it is.
 *
 * - CITRIX_ANALYTICS, casodata: Google's guide "Collect Citrix Analytics logs"
 *   (docs.cloud.google.com/chronicle/docs/ingestion/default-parsers/citrix-analytics; seed 001's function):
 *   `GET {api}/casodata/{entity}?year&month&day&hour&$top=1000&$skip=…`, each row wrapped as
 *   `{citrix_entity, citrix_hour_utc, collection_timestamp, raw}`.
 *
 * Every field of Google's record is in ours, with the same value and nesting; ours adds only what is
 * listed here: the tenant tag on every record, and on Sessions the user's `UserName` and `FullName`
 * (`sessionUserFields`, from `$expand=User`) — fields the parser does not expect, left beside its own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JsonRecord, ManualClock, run, type Source, silentLogger } from '@ctxsiem/core';
import { type Emulator, startEmulator } from '@ctxsiem/emulator';
import { type SecOpsApi, startSecOpsApi } from '@ctxsiem/local-services';
import { findConnector } from '@ctxsiem/registry';
import { fileCheckpointStore } from '@ctxsiem/sink-file';
import { secopsSink } from '@ctxsiem/sink-secops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const NOW = new Date('2024-08-06T12:20:00Z');
/** The hour both collectors read: Google's scripts query it whole, ctxsiem's windows cover it. */
const FROM = new Date('2024-08-06T09:00:00Z');
const TO = new Date('2024-08-06T10:00:00Z');
const TENANT_FIELD = 'citrix_customer_id';

let emulator: Emulator;
let api: SecOpsApi;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator({ sessionsPerHour: 60, pageSize: 50, now: () => NOW.getTime() });
  api = await startSecOpsApi();
  dir = await mkdtemp(join(tmpdir(), 'ctxsiem-secops-shape-'));
});
afterAll(async () => {
  await emulator?.close();
  await api?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A token as Google's scripts get one (client credentials, form-encoded). */
async function citrixToken(): Promise<string> {
  const { apiBase, customerId, clientId, clientSecret } = emulator.connection;
  const response = await fetch(`${apiBase}/cctrustoauth2/${customerId}/tokens/clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
    }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

async function citrixGet(url: string): Promise<JsonRecord> {
  const response = await fetch(url, {
    headers: {
      authorization: `CWSAuth bearer=${await citrixToken()}`,
      'citrix-customerid': emulator.connection.customerId,
      accept: 'application/json',
    },
  });
  expect(response.status, url).toBe(200);
  return (await response.json()) as JsonRecord;
}

/** Seed 002 / Google's citrix-ms function: the raw rows of an entity set for [from, to). */
async function googleMonitorRows(entity: string): Promise<JsonRecord[]> {
  const filter = `(ModifiedDate ge ${FROM.toISOString()} and ModifiedDate lt ${TO.toISOString()})`;
  let url: string | undefined =
    `${emulator.connection.apiBase}/monitorodata/${entity}?$filter=${encodeURIComponent(filter)}&$top=1000`;
  const rows: JsonRecord[] = [];
  while (url) {
    const page = await citrixGet(url);
    rows.push(...(page.value as JsonRecord[]));
    url = page['@odata.nextLink'] as string | undefined;
  }
  return rows;
}

/** Google's citrix_auditlogs script: the System Log items for [from, to). */
async function googleSystemLogItems(): Promise<JsonRecord[]> {
  const items: JsonRecord[] = [];
  let token: string | undefined;
  do {
    const query = new URLSearchParams({
      startDateTime: FROM.toISOString(),
      endDateTime: TO.toISOString(),
      limit: '200',
      ...(token ? { continuationToken: token } : {}),
    });
    const page = await citrixGet(`${emulator.connection.apiBase}/systemlog/records?${query}`);
    items.push(...(page.items as JsonRecord[]));
    token = page.continuationToken as string | undefined;
  } while (token);
  return items;
}

/** Seed 001 / Google's citrix-analytics function: the hour's rows of an entity, wrapped as it wraps them. */
async function googleAnalyticsRecords(entity: string): Promise<JsonRecord[]> {
  const hour = `year=${FROM.getUTCFullYear()}&month=${String(FROM.getUTCMonth() + 1).padStart(2, '0')}&day=${String(FROM.getUTCDate()).padStart(2, '0')}&hour=${String(FROM.getUTCHours()).padStart(2, '0')}`;
  const records: JsonRecord[] = [];
  for (let skip = 0; ; skip += 1000) {
    const page = await citrixGet(
      `${emulator.connection.apiBase}/casodata/${entity}?${hour}&$top=1000&$skip=${skip}`,
    );
    const items = page.value as JsonRecord[];
    for (const raw of items)
      records.push({
        citrix_entity: entity,
        // Python's isoformat() of the naive hour, and of the collection time (microseconds), plus "Z".
        citrix_hour_utc: `${FROM.toISOString().slice(0, 19)}Z`,
        collection_timestamp: `${new Date().toISOString().slice(0, 23)}000Z`,
        raw,
      });
    if (items.length < 1000) break;
  }
  return records;
}

/** What ctxsiem's SecOps sink imported for a source's streams, collected over the same hour. */
async function ctxsiemRecords(
  type: string,
  options: Record<string, unknown>,
  logType = 'CITRIX_MONITOR',
): Promise<JsonRecord[]> {
  const clock = new ManualClock(NOW);
  const deps = { logger: silentLogger(), clock };
  const connector = findConnector('pull-source', type);
  if (connector?.kind !== 'pull-source') throw new Error(`no pull source ${type}`);
  const source: Source = await connector.build(
    { type, ...options },
    { ...deps, tenant: emulator.connection },
  );
  const checkpoints = fileCheckpointStore({ directory: join(dir, type) });
  const sink = secopsSink(
    {
      project: 'p',
      instance: 'i',
      endpoint: api.endpoint,
      tokenUrl: api.tokenUrl,
      serviceAccountKey: api.serviceAccountKey,
    },
    { ...deps, documents: checkpoints.manifests },
  );
  const before = api.accepted.length;
  const summary = await run({ source, sink, checkpoints, clock, logger: deps.logger, start: FROM });
  await source.close?.();
  expect(summary.streams.every((stream) => stream.status === 'ok')).toBe(true);
  return api.accepted.slice(before).map((log) => {
    expect(log.logType).toBe(logType);
    // Every log carries its record id (recordIdField), ctxsiem's own: set apart from the shape compared.
    const { ctxsiemRecordId, ...record } = JSON.parse(log.text) as JsonRecord;
    expect(ctxsiemRecordId).toMatch(/^[\w-]{12}$/);
    return record;
  });
}

/** Ours holds every field of Google's with the same value and nesting, and adds only `added`. */
function expectSameShape(
  google: readonly JsonRecord[],
  ours: readonly JsonRecord[],
  key: (record: JsonRecord) => string,
  added: readonly string[],
): void {
  const byKey = new Map<string, JsonRecord[]>();
  for (const record of ours) byKey.set(key(record), [...(byKey.get(key(record)) ?? []), record]);
  expect(google.length).toBeGreaterThan(0);
  for (const record of google) {
    const versions = byKey.get(key(record)) ?? [];
    expect(versions.length, `ctxsiem sent ${key(record)}`).toBeGreaterThan(0);
    const mine = versions.find((version) => JSON.stringify(pick(version, record)) === JSON.stringify(record));
    expect(mine ? pick(mine, record) : versions[0], `the fields of ${key(record)}`).toEqual(record);
    expect(
      Object.keys(mine!)
        .filter((field) => !(field in record))
        .sort(),
    ).toEqual([...added].sort());
  }
}

/** `record`'s fields of `like`, in `like`'s order. */
function pick(record: JsonRecord, like: JsonRecord): JsonRecord {
  return Object.fromEntries(Object.keys(like).map((field) => [field, record[field]]));
}

describe('SecOps records have the shape of Google’s own collector for their log type', () => {
  it('Monitor Sessions and Machines as CITRIX_MONITOR: the raw OData rows of Google’s citrix-ms function', async () => {
    const ours = await ctxsiemRecords('monitor', { entities: ['Sessions', 'Machines'] });
    expectSameShape(
      await googleMonitorRows('Sessions'),
      ours.filter((record) => 'SessionKey' in record),
      (record) => String(record.SessionKey),
      [TENANT_FIELD, 'UserName', 'FullName'],
    );
    expectSameShape(
      await googleMonitorRows('Machines'),
      ours.filter((record) => !('SessionKey' in record)),
      (record) => String(record.Id),
      [TENANT_FIELD],
    );
  });

  it('System Log records as CITRIX_MONITOR: the items of Google’s citrix_auditlogs script', async () => {
    const ours = await ctxsiemRecords('systemlog', {});
    expectSameShape(await googleSystemLogItems(), ours, (record) => String(record.recordId ?? record.id), [
      TENANT_FIELD,
    ]);
  });

  it('Analytics (casodata) as CITRIX_ANALYTICS: the envelope of Google’s citrix-analytics function', async () => {
    const ours = await ctxsiemRecords('analytics', { entities: ['sessions'] }, 'CITRIX_ANALYTICS');
    const google = await googleAnalyticsRecords('sessions');
    // The collection time is when each collector ran: the same field, an ISO date-time in both.
    const withoutCollection = ({ collection_timestamp, ...rest }: JsonRecord) => {
      expect(Number.isNaN(Date.parse(String(collection_timestamp)))).toBe(false);
      return rest;
    };
    expectSameShape(
      google.map(withoutCollection),
      ours.map(withoutCollection),
      (record) => JSON.stringify(record.raw),
      [TENANT_FIELD],
    );
  });
});
