/**
 * The emulator's System Log and DaaS configuration log over HTTP, as a client meets them: parameter
 * names in any case, newest first, limits, inclusive System Log bounds, continuation tokens bound to their
 * query, the site from `/me` required as `Citrix-InstanceId`, an operation without its end while it runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.ts';
import { apiGet, authHeaders, login, type Session } from './emulator-client.ts';

const NOW = Date.parse('2026-03-15T12:00:00Z');
let emulator: Emulator;
let session: Session;
let now = NOW;
beforeAll(async () => {
  emulator = await startEmulator({ seed: 21, now: () => now });
  session = await login(emulator);
});
afterAll(async () => {
  await emulator?.close();
});

const json = async <T>(response: Response) => ({
  status: response.status,
  body: (await response.json()) as T,
});

interface SearchPage {
  Items: Record<string, unknown>[];
  ContinuationToken: string | null;
  TotalItems: number;
}

interface SystemLogPage {
  items: Record<string, unknown>[];
  continuationToken: string | null;
}

async function systemLog(query: string) {
  return json<SystemLogPage & { detail?: string; type?: string }>(
    await apiGet(emulator, session, `/systemlog/records?${query}`),
  );
}

const search = async (body: unknown, query = '', headers: Record<string, string> = {}) =>
  json<SearchPage>(
    await fetch(`${emulator.url}/cvad/manage/ConfigLog/Operations/$search${query}`, {
      method: 'POST',
      headers: { ...authHeaders(session), 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    }),
  );

const window = (from: string, to: string) => ({
  SearchFilters: [
    { Property: 'StartTime', Value: from, Operator: 'GreaterThanOrEquals' },
    { Property: 'StartTime', Value: to, Operator: 'LessThan' },
  ],
});

describe('System Log records', () => {
  it('pages newest first, camelCase, 50 by default, until the token is null; every page the same query', async () => {
    const truth = emulator.data.systemLog('demo', {
      from: new Date('2026-03-13T00:00:00Z'),
      to: new Date('2026-03-15T00:00:00Z'),
    });
    expect(truth.length).toBeGreaterThan(60);
    const served: Record<string, unknown>[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const query: string = `StartDateTime=2026-03-13T00:00:00Z&EndDateTime=2026-03-14T23:59:59.999Z${token ? `&ContinuationToken=${encodeURIComponent(token)}` : ''}`;
      const { status, body } = await systemLog(query);
      expect(status).toBe(200);
      expect(body.items.length).toBeLessThanOrEqual(50);
      served.push(...body.items);
      token = body.continuationToken;
      pages++;
    } while (token);
    expect(pages).toBe(Math.ceil(truth.length / 50));
    expect(served).toEqual([...truth].reverse());
    const [first] = served;
    expect(Object.keys(first!)).toEqual(
      expect.arrayContaining(['recordId', 'utcTimestamp', 'eventType', 'targetType', 'actorType', 'message']),
    );
    expect(String(first!.utcTimestamp)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/);
  });

  it('reads parameter names in any case, includes both bounds, and refuses what it cannot serve', async () => {
    const [record] = emulator.data.systemLog('demo', {
      from: new Date('2026-03-14T00:00:00Z'),
      to: new Date('2026-03-14T06:00:00Z'),
    });
    const at = new Date(Date.parse(String(record!.utcTimestamp))).toISOString();
    for (const query of [`startDateTime=${at}&endDateTime=${at}`, `StartDateTime=${at}&ENDDATETIME=${at}`]) {
      const { body } = await systemLog(query);
      expect(body.items.map((r) => r.recordId)).toEqual([record!.recordId]);
    }
    const tooMany = await systemLog('Limit=201');
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.type).toBe('https://errors-api.cloud.com/common/outOfRange');
    const backwards = await systemLog('StartDateTime=2026-03-14T00:00:00Z&EndDateTime=2026-03-13T00:00:00Z');
    expect(backwards.status).toBe(400);
    expect(backwards.body.type).toMatch(/getRecordsDateTimeRangeInvalid$/);
    expect((await systemLog('StartDateTime=yesterday')).body.detail).toContain('StartDateTime');
    const first = await systemLog('StartDateTime=2026-03-13T00:00:00Z&Limit=5');
    const token = first.body.continuationToken!;
    const other = await systemLog(
      `StartDateTime=2026-03-12T00:00:00Z&Limit=5&ContinuationToken=${encodeURIComponent(token)}`,
    );
    expect(other.status).toBe(400);
    expect((await apiGet(emulator, session, '/systemlog/other')).status).toBe(404);
  });
});

describe('DaaS configuration log', () => {
  it('names the site at /me, and requires it as Citrix-InstanceId', async () => {
    const me = await json<{ Customers: { Sites: { Id: string }[] }[] }>(
      await apiGet(emulator, session, '/cvad/manage/me'),
    );
    const site = me.body.Customers[0]!.Sites[0]!.Id;
    expect(site).toBe(emulator.data.siteId('demo'));
    expect((await search(window('2026-03-14T00:00:00Z', '2026-03-15T00:00:00Z'))).status).toBe(400);
    const wrong = await search(window('2026-03-14T00:00:00Z', '2026-03-15T00:00:00Z'), '', {
      'Citrix-InstanceId': 'another-site',
    });
    expect(wrong.status).toBe(404);
    const get = await apiGet(emulator, session, '/cvad/manage/ConfigLog/Operations/$search', {
      headers: { 'Citrix-InstanceId': site },
    });
    expect(get.status).toBe(405);
  });

  it('selects by StartTime, pages newest first by limit and continuationToken, in PascalCase', async () => {
    const site = emulator.data.siteId('demo');
    const from = '2026-03-12T00:00:00Z';
    const to = '2026-03-15T00:00:00Z';
    const truth = emulator.data.configLog('demo', { from: new Date(from), to: new Date(to) });
    expect(truth.length).toBeGreaterThan(20);
    const served: Record<string, unknown>[] = [];
    let token: string | null = null;
    do {
      const query: string = `?limit=7${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`;
      const { status, body } = await search(window(from, to), query, { 'Citrix-InstanceId': site });
      expect(status).toBe(200);
      expect(body.TotalItems).toBe(truth.length);
      served.push(...body.Items);
      token = body.ContinuationToken;
    } while (token);
    expect(served).toEqual([...truth].reverse());
    for (const operation of served) {
      expect(Date.parse(String(operation.FormattedStartTime))).toBeGreaterThanOrEqual(Date.parse(from));
      expect(Date.parse(String(operation.FormattedStartTime))).toBeLessThan(Date.parse(to));
      expect(String(operation.StartTime)).toMatch(/^\d{2}\/\d{2}\/\d{4} : \d{1,2}:\d{2}:\d{2} [AP]M$/);
    }
    expect((await search(window(from, to), '?limit=1001', { 'Citrix-InstanceId': site })).status).toBe(400);
  });

  it('shows an operation still running without its end, and with it once it ended', async () => {
    const site = emulator.data.siteId('demo');
    const long = emulator.data
      .configLog('demo', { from: new Date(NOW - 7 * 86_400_000), to: new Date(NOW) })
      .find(
        (o) => Date.parse(String(o.FormattedEndTime)) - Date.parse(String(o.FormattedStartTime)) > 60_000,
      )!;
    expect(long).toBeDefined();
    const started = Date.parse(String(long.FormattedStartTime));
    const filter = window(new Date(started).toISOString(), new Date(started + 1).toISOString());
    now = started + 30_000;
    try {
      const { body } = await search(filter, '', { 'Citrix-InstanceId': site });
      expect(body.Items).toEqual([{ ...long, EndTime: null, FormattedEndTime: null, IsSuccessful: null }]);
    } finally {
      now = NOW;
    }
    const { body } = await search(filter, '', { 'Citrix-InstanceId': site });
    expect(body.Items).toEqual([long]);
  });
});
