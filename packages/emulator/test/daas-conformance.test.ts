/**
 * The DaaS Manage API as the two public clients call it, replayed byte for byte against the emulator:
 *
 * - Microsoft's Citrix DaaS connector for Sentinel (`Azure/Azure-Sentinel` `Solutions/Citrix DaaS/Data
 *   Connectors/CitrixDaaS_CCF/CitrixDaaS_PollingConfig.json` @ 5694e62307694e7f06372aec41e319483170d43e):
 *   a token from `cctrustoauth2/root/tokens/clients` with `client_id` carrying `&grant_type=client_credentials`,
 *   `Authorization: CWSAuth bearer=<token>`, `Citrix-CustomerId`, `Citrix-InstanceId`, `Accept` and
 *   `Content-Type: application/json`, the body of its `queryParametersTemplate` with the window as
 *   `yyyy-MM-ddTHH:mm:ssZ`, events at `$.Items[*]`, the next page's token from `$.ContinuationToken` sent as
 *   the query parameter `ContinuationToken`;
 * - Citrix's generated SDK (`citrix/citrix-daas-rest-go` @ 1ec0933fb0fed11b41dda4095d25f853ef8af548,
 *   `citrixorchestration/api_sessions_apis.go` `SessionsDoSessionSearchExecute`,
 *   `api_config_log_apis.go` `ConfigLogGetLowLevelOperationsExecute`): `limit` and `continuationToken` in the
 *   query, `Citrix-CustomerId`, `Citrix-InstanceId`, `Authorization: CWSAuth Bearer={token}`, `User-Agent`,
 *   `Citrix-TransactionId`, `Citrix-Locale`, `Accept: application/json`.
 *
 * Each answer is checked against the documented collection: `Items`, `ContinuationToken` (null on the last
 * page), `TotalItems` on `$search` answers only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.ts';

const NOW = Date.parse('2026-03-15T12:20:00Z');
let emulator: Emulator;
let site: string;
beforeAll(async () => {
  emulator = await startEmulator({ seed: 29, now: () => NOW });
  site = emulator.data.siteId('demo');
});
afterAll(async () => {
  await emulator?.close();
});

/** The connector's token request (3.0.1 onwards: the grant type rides in the client id's value). */
async function sentinelToken(): Promise<string> {
  const response = await fetch(`${emulator.url}/cctrustoauth2/root/tokens/clients`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'client_id=demo&grant_type=client_credentials&client_secret=demo',
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** `{_QueryWindowStartTime}` as the connector formats it (`queryTimeFormat`). */
const windowTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface Collection {
  Items: Record<string, unknown>[];
  ContinuationToken?: string | null;
  TotalItems?: number;
}

/** One poll of the connector: every page of one window of one endpoint, as it asks for them. */
async function sentinelPoll(token: string, endpoint: string, property: string, from: number, to: number) {
  const body = JSON.stringify({
    SearchFilters: [
      { Property: property, Value: windowTime(from), Operator: 'GreaterThanOrEquals' },
      { Property: property, Value: windowTime(to), Operator: 'LessThan' },
    ],
  });
  const events: Record<string, unknown>[] = [];
  const pages: Collection[] = [];
  let next: string | null | undefined;
  do {
    const url = `${emulator.url}/cvad/manage${endpoint}${next ? `?ContinuationToken=${encodeURIComponent(next)}` : ''}`;
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        Authorization: `CWSAuth bearer=${token}`,
        'Citrix-CustomerId': 'demo',
        'Citrix-InstanceId': site,
        Accept: 'application/json',
        'Content-Type': 'application/json',
      },
      body,
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const page = (await response.json()) as Collection;
    pages.push(page);
    events.push(...page.Items);
    next = page.ContinuationToken;
  } while (next);
  return { events, pages };
}

describe('Microsoft’s Citrix DaaS connector, replayed', () => {
  it('polls Sessions/$search a quarter hour at a time and gets every session of the window', async () => {
    const token = await sentinelToken();
    const to = Date.parse('2026-03-15T12:15:00Z');
    let total = 0;
    for (let from = to - 8 * 15 * 60_000; from < to; from += 15 * 60_000) {
      const { events, pages } = await sentinelPoll(
        token,
        '/Sessions/$search',
        'SessionStateChangeTime',
        from,
        from + 15 * 60_000,
      );
      const truth = emulator.data.daasSessions('demo', {
        from: new Date(from),
        to: new Date(from + 15 * 60_000),
      });
      expect(events.map((e) => e.Id).sort()).toEqual(truth.map((s) => s.Id).sort());
      expect(pages.at(-1)!.ContinuationToken).toBeNull();
      expect(pages[0]!.TotalItems).toBe(truth.length);
      // What the connector's DCR reads of each event (CitrixDaaS_DCR.json, Custom-CitrixDaaSSessions_CL).
      for (const event of events)
        expect(Object.keys(event)).toEqual(
          expect.arrayContaining([
            'Id',
            'SessionType',
            'State',
            'AppState',
            'UntrustedUserName',
            'FormattedStartTime',
            'FormattedStateChangeTime',
            'IsAnonymousUser',
            'Connection',
            'Client',
          ]),
        );
      total += events.length;
    }
    expect(total).toBeGreaterThan(0);
  });

  it('polls ConfigLog/Operations/$search and follows ContinuationToken to the end', async () => {
    const token = await sentinelToken();
    const from = Date.parse('2026-02-15T00:00:00Z');
    const to = Date.parse('2026-03-15T12:00:00Z');
    const { events, pages } = await sentinelPoll(
      token,
      '/ConfigLog/Operations/$search',
      'StartTime',
      from,
      to,
    );
    // Past the default page of 250: the connector sends no limit.
    const truth = emulator.data.configLog('demo', { from: new Date(from), to: new Date(to) });
    expect(events.map((e) => e.Id).sort()).toEqual(truth.map((o) => o.Id).sort());
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.every((page) => page.Items.length <= 250)).toBe(true);
  });
});

describe('citrix-daas-rest-go, replayed', () => {
  async function sdkToken(): Promise<string> {
    const response = await fetch(`${emulator.url}/cctrustoauth2/demo/tokens/clients`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'demo',
        client_secret: 'demo',
      }),
    });
    return ((await response.json()) as { access_token: string }).access_token;
  }
  const sdkHeaders = (token: string) => ({
    'Citrix-CustomerId': 'demo',
    'Citrix-InstanceId': site,
    'User-Agent': 'OpenAPI-Generator/1.0.0/go',
    Authorization: `CWSAuth Bearer=${token}`,
    'Citrix-TransactionId': '9a1c7d3e-1f2b-4c5d-8e9f-0a1b2c3d4e5f',
    Accept: 'application/json',
    'Citrix-Locale': 'en-US',
  });

  it('SessionsDoSessionSearch: limit and continuationToken in the query, the search model in the body', async () => {
    const token = await sdkToken();
    const body = JSON.stringify({
      SearchFilters: [{ Property: 'SessionState', Value: 'Active', Operator: 'Equals' }],
    });
    const seen: unknown[] = [];
    let continuationToken: string | null | undefined;
    let first: Collection | undefined;
    do {
      const query = new URLSearchParams({ limit: '3' });
      if (continuationToken) query.set('continuationToken', continuationToken);
      const response = await fetch(`${emulator.url}/cvad/manage/Sessions/$search?${query}`, {
        method: 'POST',
        headers: { ...sdkHeaders(token), 'Content-Type': 'application/json' },
        body,
      });
      expect(response.status).toBe(200);
      const page = (await response.json()) as Collection;
      first ??= page;
      expect(page.Items.length).toBeLessThanOrEqual(3);
      seen.push(...page.Items.map((item) => item.Id));
      expect(page.Items.every((item) => item.State === 'Active')).toBe(true);
      continuationToken = page.ContinuationToken;
    } while (continuationToken);
    expect(first!.TotalItems).toBe(seen.length);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('ConfigLogGetLowLevelOperations: a GET with limit and continuationToken, no TotalItems', async () => {
    const token = await sdkToken();
    const [operation] = emulator.data.configLog('demo', {
      from: new Date('2026-03-15T00:00:00Z'),
      to: new Date('2026-03-15T12:00:00Z'),
    });
    const items: Record<string, unknown>[] = [];
    let continuationToken: string | null | undefined;
    do {
      const query = new URLSearchParams({ limit: '1' });
      if (continuationToken) query.set('continuationToken', continuationToken);
      const response = await fetch(
        `${emulator.url}/cvad/manage/ConfigLog/Operations/${String(operation!.Id)}/LowLevelOperations?${query}`,
        { headers: sdkHeaders(token) },
      );
      expect(response.status).toBe(200);
      const page = (await response.json()) as Collection;
      expect(page).not.toHaveProperty('TotalItems');
      items.push(...page.Items);
      continuationToken = page.ContinuationToken;
    } while (continuationToken);
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((item) => item.OperationId === operation!.Id)).toBe(true);
    // LowLevelOperationResponseModel's required fields.
    for (const item of items)
      for (const field of [
        'Id',
        'OperationId',
        'OperationType',
        'Parameters',
        'Source',
        'StartTime',
        'FormattedStartTime',
        'TargetTypes',
        'Text',
      ])
        expect(item).toHaveProperty(field);
  });
});
