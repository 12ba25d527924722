/**
 * The System Log conformance suite: the requests documented clients send, replayed byte for byte against
 * the emulator, and the answers Citrix documents for them.
 *
 * - Google's SecOps script, `chronicle/ingestion-scripts` `citrix_auditlogs/main.py` @
 *   39837d7edbeab0b655aab9deb3be2fea3b2932c5: a token from `/cctrustoauth2/{customer}/tokens/clients`;
 *   `Accept: application/json`, `Content-Type: application/x-www-form-urlencoded` on the GET,
 *   `Citrix-CustomerId`, `Authorization: CwsAuth Bearer= <token>` (a space after `=` on its first request);
 *   `startDateTime`/`endDateTime` with milliseconds (`…T10:05:15.234Z`, its main_test.py), `limit=200`,
 *   then `continuationToken`; reads `items` and `continuationToken`.
 * - Cortex XSIAM's collector, `demisto/content` `Packs/CitrixCloud/Integrations/CitrixCloudEventCollector/
 *   CitrixCloudEventCollector.py` @ efb45d110c5b726d4cf9cff9e1d1b68c49c1a8d7: `Limit=200`,
 *   `continuationToken`, `startDateTime`/`endDateTime` as `%Y-%m-%dT%H:%M:%S.000Z`, lowercase `accept`;
 *   reads `items`, `recordId`, `utcTimestamp`, and relies on pages newest first.
 * - Citrix's request (developer-docs.citrix.com/en-us/citrix-cloud/citrix-cloud-systemlog/gettingstarted):
 *   `StartDateTime`, `EndDateTime`, `Limit`, `ContinuationToken`; `Accept: application/json`,
 *   `Authorization: CwsAuth Bearer=<token>`, `Citrix-CustomerId`; the answer as its sample, PascalCase.
 * - Citrix's troubleshooting page ("Troubleshooting SystemLog APIs"): the 401, 403 and 404 answers.
 */
import { describe, expect, it } from 'vitest';
import type { Emulator } from '../src/index.ts';
import { useEmulator } from './emulator-client.ts';

const NOW = Date.parse('2026-03-15T12:00:00Z');
const FROM = '2026-03-08T10:05:15.234Z';
const TO = '2026-03-15T10:15:15.234Z';

async function token(emulator: Emulator): Promise<string> {
  const response = await fetch(`${emulator.url}/cctrustoauth2/demo/tokens/clients`, {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'demo', client_secret: 'demo' }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** The emulator's records of [FROM, TO], both bounds included, newest first: what every client must read. */
const expected = (emulator: Emulator) =>
  emulator.data.systemLog('demo', { from: new Date(FROM), to: new Date(Date.parse(TO) + 1) }).reverse();

/** Follows a client's paging loop: `read` fetches one page given the previous page's token. */
async function collect(
  read: (token: string | null) => Promise<{ items: Record<string, unknown>[]; next: string | null }>,
) {
  const records: Record<string, unknown>[] = [];
  let next: string | null = null;
  let pages = 0;
  do {
    const page = await read(next);
    records.push(...page.items);
    next = page.next;
    pages++;
  } while (next);
  return { records, pages };
}

describe('System Log, as the live API answers (camelCase)', () => {
  const live = useEmulator({ seed: 31, now: () => NOW });

  it('serves Google’s SecOps script: its headers, its parameter names, its paging', async () => {
    const access = await token(live.emulator);
    const headers = {
      Accept: 'application/json',
      'Content-Type': 'application/x-www-form-urlencoded',
      'Citrix-CustomerId': 'demo',
      Authorization: `CwsAuth Bearer= ${access}`,
    };
    const params: Record<string, string> = { startDateTime: FROM, endDateTime: TO, limit: '200' };
    const { records, pages } = await collect(async (next) => {
      if (next) params.continuationToken = next;
      const response = await fetch(`${live.emulator.url}/systemlog/records?${new URLSearchParams(params)}`, {
        headers,
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        items: Record<string, unknown>[];
        continuationToken: string | null;
      };
      return { items: body.items, next: body.continuationToken };
    });
    const truth = expected(live.emulator);
    expect(truth.length).toBeGreaterThan(400);
    expect(pages).toBe(Math.ceil(truth.length / 200));
    expect(records).toEqual(truth);
  });

  it('serves Cortex’s collector: Limit, continuationToken, .000Z instants, newest first', async () => {
    const access = await token(live.emulator);
    const from = '2026-03-14T00:00:00.000Z';
    const { records } = await collect(async (next) => {
      const params = new URLSearchParams({ Limit: '200', startDateTime: from });
      if (next) params.set('continuationToken', next);
      const response = await fetch(`${live.emulator.url}/systemlog/records?${params}`, {
        headers: {
          Authorization: `CwsAuth Bearer=${access}`,
          accept: 'application/json',
          'Citrix-CustomerId': 'demo',
        },
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        items: Record<string, unknown>[];
        continuationToken: string | null;
      };
      return { items: body.items, next: body.continuationToken };
    });
    const truth = live.emulator.data
      .systemLog('demo', { from: new Date(from), to: new Date(NOW + 1) })
      .reverse();
    expect(records).toEqual(truth);
    // Cortex keeps the first record as its checkpoint: the newest.
    const times = records.map((record) => String(record.utcTimestamp));
    expect(times).toEqual([...times].sort().reverse());
    expect(records.every((record) => typeof record.recordId === 'string')).toBe(true);
  });

  it('answers the troubleshooting page’s 401, 403 and 404', async () => {
    const access = await token(live.emulator);
    const get = (path: string, headers: Record<string, string>) =>
      fetch(`${live.emulator.url}${path}`, { headers: { Accept: 'application/json', ...headers } });
    const missing = await get('/systemlog/records', { 'Citrix-CustomerId': 'demo' });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({
      type: 'https://errors-api.cloud.com/common/authentication',
      detail: expect.stringMatching(/^Missing or invalid authentication details/),
      parameters: [{ name: 'reason', value: 'missing' }],
    });
    const invalid = await get('/systemlog/records', {
      'Citrix-CustomerId': 'demo',
      Authorization: 'CwsAuth Bearer=nope',
    });
    expect(invalid.status).toBe(401);
    expect(await invalid.json()).toMatchObject({ parameters: [{ name: 'reason', value: 'invalid' }] });
    const other = await get('/systemlog/records', {
      'Citrix-CustomerId': 'other',
      Authorization: `CwsAuth Bearer=${access}`,
    });
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({
      type: 'https://errors-api.cloud.com/common/authorization',
      detail: 'Access denied',
    });
    const unknown = await get('/systemlog/personalizati', {
      'Citrix-CustomerId': 'demo',
      Authorization: `CwsAuth Bearer=${access}`,
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      type: 'https://errors-api.cloud.com/systemlog/notFound',
      detail: 'resource not found',
      parameters: [{ name: 'entityType', value: '/personalizati' }],
    });
  });
});

describe('System Log, as Citrix’s documentation answers (PascalCase)', () => {
  const documented = useEmulator({ seed: 31, now: () => NOW, systemLogCasing: 'PascalCase' });

  it('serves Citrix’s own request: its headers, its parameters, pages by ContinuationToken until null', async () => {
    const access = await token(documented.emulator);
    const { records } = await collect(async (next) => {
      const query = `StartDateTime=${FROM}&EndDateTime=${TO}&Limit=50${next ? `&ContinuationToken=${encodeURIComponent(next)}` : ''}`;
      const response = await fetch(`${documented.emulator.url}/systemlog/records?${query}`, {
        headers: {
          Accept: 'application/json',
          Authorization: `CwsAuth Bearer=${access}`,
          'Citrix-CustomerId': 'demo',
        },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await response.json()) as {
        Items: Record<string, unknown>[];
        Count: number;
        EstimatedTotalItems: number;
        ContinuationToken: string | null;
      };
      expect(body.Count).toBe(body.Items.length);
      expect(body.Items.length).toBeLessThanOrEqual(50);
      return { items: body.Items, next: body.ContinuationToken };
    });
    const pascal = (record: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(record).map(([k, v]) => [k.charAt(0).toUpperCase() + k.slice(1), v]));
    expect(records).toEqual(expected(documented.emulator).map(pascal));
    expect(records[0]).toHaveProperty('UtcTimestamp');
    expect(records[0]).toHaveProperty('Message.en-US');
  });
});
