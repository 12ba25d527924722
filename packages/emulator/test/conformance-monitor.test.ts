/**
 * Conformance: the token service, Monitor and Analytics for Performance, asked exactly as documented
 * clients ask them (headers byte for byte, query spellings, paging), answer as the documentation says —
 * so the emulator cannot drift away from what real clients send without a test failing here.
 *
 * The clients replayed:
 * - Google's "Collect Citrix Monitor Service logs" guide (the Lambda of /work/shared/seeds/002, from
 *   https://cloud.google.com/chronicle/docs/ingestion/default-parsers/citrix-monitor): token by form POST
 *   to `/cctrustoauth2/{customerId}/tokens/clients`; `Authorization: CWSAuth bearer=<token>` (that
 *   spelling), `Accept: application/json`, `Accept-Encoding: gzip, deflate, br`, its own User-Agent;
 *   `$filter=(ModifiedDate ge … and ModifiedDate lt …)` and `$top`, following `@odata.nextLink`; entities
 *   Machines, Sessions, Connections, Applications, Users (its default ENTITIES).
 * - Google's "Collect Citrix Analytics logs" guide (seed 001, CitrixAnalyticsCollector.py): the same token
 *   request; `Authorization: CwsAuth bearer=<token>`, `Content-Type: application/json` on a GET;
 *   `/casodata/{sessions|machines|users}?year=YYYY&month=MM&day=DD&hour=HH&$top=N&$skip=M`, paging until
 *   a short page.
 * - Citrix's "Get started with Citrix Cloud APIs"
 *   (https://developer-docs.citrix.com/en-us/citrix-cloud/citrix-cloud-api-overview/get-started-with-citrix-cloud-apis):
 *   the token request to `/cctrustoauth2/root/tokens/clients`, answered `{token_type: "bearer",
 *   access_token, expires_in}` with `expires_in` a string of seconds.
 *
 * Seed 002 leaves spaces unescaped in `$filter` (its `quote(…, safe=" …")`), which Python's http.client
 * refuses to send (a URL may not contain a space): the request replayed here is the one that script sends
 * once that is fixed, `%20` for spaces and its other "safe" characters — `()=':-` — left raw.
 */
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CASODATA_MAX_TOP } from '../src/index.ts';
import { monitorPath, readAllPages, useEmulator, windowFilter } from './emulator-client.ts';

const NOW = Date.UTC(2024, 7, 6, 12, 30);
const HOUR = { from: new Date(Date.UTC(2024, 7, 6, 9)), to: new Date(Date.UTC(2024, 7, 6, 10)) };

interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** Sends exactly these headers (fetch would add its own) and decodes a gzip reply as a client library does. */
function send(
  url: string,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body?: string,
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        let bytes = Buffer.concat(chunks);
        if (res.headers['content-encoding'] === 'gzip') bytes = gunzipSync(bytes);
        const text = bytes.toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: text ? JSON.parse(text) : undefined,
        });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** The token request of Google's guides (and, with `root`, of Citrix's getting-started page). */
async function token(base: string, customerSegment: string): Promise<RawReply> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: 'demo',
    client_secret: 'demo',
  });
  return send(
    `${base}/cctrustoauth2/${customerSegment}/tokens/clients`,
    'POST',
    { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
    form.toString(),
  );
}

async function accessToken(base: string): Promise<string> {
  const reply = await token(base, 'demo');
  return (reply.body as { access_token: string }).access_token;
}

/** Seed 002's quoting: spaces escaped (see the header), its other "safe" characters left as they are. */
const seed002Filter = (from: Date, to: Date) =>
  `(ModifiedDate ge ${from.toISOString()} and ModifiedDate lt ${to.toISOString()})`.replaceAll(' ', '%20');

const fixture = useEmulator({ now: () => NOW });

describe('the token service, as documented clients ask it', () => {
  it.each(['demo', 'root'])('issues a bearer token for /cctrustoauth2/%s/tokens/clients', async (segment) => {
    const reply = await token(fixture.emulator.url, segment);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      token_type: 'bearer',
      access_token: expect.any(String),
      expires_in: expect.stringMatching(/^\d+$/),
    });
  });
});

describe('Monitor, as Google’s Citrix Monitor collector (seed 002) asks it', () => {
  const headers = (accessToken: string) => ({
    Authorization: `CWSAuth bearer=${accessToken}`,
    'Citrix-CustomerId': 'demo',
    Accept: 'application/json',
    'Accept-Encoding': 'gzip, deflate, br',
    'User-Agent': 'citrix-monitor-s3-collector/1.0',
  });

  /** Every row of the hour through the seed's requests: `$top` its page size (1000), then each nextLink. */
  async function seedHour(entity: string): Promise<{ rows: Record<string, unknown>[]; pages: number }> {
    const base = fixture.emulator.url;
    const auth = headers(await accessToken(base));
    const rows: Record<string, unknown>[] = [];
    let url: string | undefined =
      `${base}/monitorodata/${entity}?$filter=${seed002Filter(HOUR.from, HOUR.to)}&$top=1000`;
    let pages = 0;
    while (url) {
      const reply = await send(url, 'GET', auth);
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      // Accept-Encoding admits gzip: the service compresses.
      expect(reply.headers['content-encoding']).toBe('gzip');
      const page = reply.body as { value: Record<string, unknown>[]; '@odata.nextLink'?: string };
      rows.push(...page.value);
      pages++;
      url = page['@odata.nextLink'];
      // A nextLink stays on the origin the client called (the client sends its token there).
      if (url) expect(new URL(url).origin).toBe(new URL(base).origin);
    }
    return { rows, pages };
  }

  it.each(['Machines', 'Sessions', 'Connections', 'Applications', 'Users'])(
    '%s: the rows the seed reads for an hour are the rows modified in it, each once',
    async (entity) => {
      const { rows } = await seedHour(entity);
      const ours = await readAllPages(
        fixture.emulator,
        fixture.session,
        monitorPath(entity, { $filter: windowFilter('ModifiedDate', HOUR.from, HOUR.to) }),
      );
      expect(rows).toEqual(ours.rows);
      for (const row of rows) {
        const modified = Date.parse(String(row.ModifiedDate));
        expect(modified).toBeGreaterThanOrEqual(HOUR.from.getTime());
        expect(modified).toBeLessThan(HOUR.to.getTime());
      }
    },
  );

  it('pages a busy hour with server-driven nextLinks (the service’s page is smaller than the seed’s $top)', async () => {
    const { rows, pages } = await seedHour('Connections');
    expect(pages).toBeGreaterThan(1);
    expect(new Set(rows.map((row) => row.Id)).size).toBe(rows.length);
  });
});

describe('Analytics for Performance, as Google’s Citrix Analytics collector (seed 001) asks it', () => {
  it.each(['sessions', 'machines', 'users'])(
    '%s: an hour paged by $top/$skip until a short page equals the hour in one request',
    async (entity) => {
      const base = fixture.emulator.url;
      const auth = {
        Authorization: `CwsAuth bearer=${await accessToken(base)}`,
        'Citrix-CustomerId': 'demo',
        Accept: 'application/json',
        'Content-Type': 'application/json',
      };
      const hour = 'year=2024&month=08&day=06&hour=10';
      const top = 5;
      const rows: Record<string, unknown>[] = [];
      for (let skip = 0; ; skip += top) {
        const reply = await send(`${base}/casodata/${entity}?${hour}&$top=${top}&$skip=${skip}`, 'GET', auth);
        expect(reply.status, JSON.stringify(reply.body)).toBe(200);
        const items = (reply.body as { value: Record<string, unknown>[] }).value;
        rows.push(...items);
        if (items.length < top) break;
      }
      const whole = await send(`${base}/casodata/${entity}?${hour}&$top=${CASODATA_MAX_TOP}`, 'GET', auth);
      expect(whole.status).toBe(200);
      expect(rows.length, `${entity} rows of the hour`).toBeGreaterThan(top);
      expect(rows).toEqual((whole.body as { value: unknown[] }).value);
    },
  );
});
