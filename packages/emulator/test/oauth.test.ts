import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.ts';
import { apiGet, login, requestToken } from './emulator-client.ts';

const START = Date.UTC(2024, 7, 6, 12, 0);

describe('OAuth client credentials', () => {
  let now = START;
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator({
      now: () => now,
      tokenTtlSeconds: 600,
      customers: [
        { customerId: 'demo', clientId: 'demo', clientSecret: 'demo' },
        { customerId: 'acme', clientId: 'acme-client', clientSecret: 's3cret' },
      ],
    });
  });
  afterAll(() => emulator.close());

  it('issues a bearer token whose expires_in is a string', async () => {
    const response = await requestToken(emulator);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.token_type).toBe('bearer');
    expect(typeof body.access_token).toBe('string');
    expect(body.expires_in).toBe('600');
  });

  it('rejects wrong credentials and unknown customers with 400 invalid_client, as Citrix documents', async () => {
    for (const credentials of [
      { clientSecret: 'wrong' },
      { customerId: 'nobody' },
      { customerId: 'acme', clientId: 'demo', clientSecret: 'demo' },
    ]) {
      const response = await requestToken(emulator, credentials);
      expect(response.status).toBe(400);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(await response.json()).toEqual({
        error: 'invalid_client',
        error_description: 'Invalid client id or client secret.',
      });
    }
  });

  it('rejects a bad grant_type with 400', async () => {
    const response = await requestToken(emulator, { grantType: 'password' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Record<string, unknown>).error).toBe('unsupported_grant_type');
  });

  it('accepts the legacy root customer segment, resolving the customer from the client id', async () => {
    const response = await requestToken(emulator, {
      customerId: 'root',
      clientId: 'acme-client',
      clientSecret: 's3cret',
    });
    expect(response.status).toBe(200);
    const { access_token } = (await response.json()) as { access_token: string };
    const api = await apiGet(
      emulator,
      { token: access_token, customerId: 'acme' },
      '/monitorodata/Users?$top=1',
    );
    expect(api.status).toBe(200);
  });

  it('authenticates API calls with CwsAuth Bearer= as documented and as the auth-param grammar allows', async () => {
    const session = await login(emulator);
    const t = session.token;
    for (const header of [
      `CwsAuth Bearer=${t}`,
      `CWSAuth bearer=${t}`,
      `cwsauth BEARER=${t}`,
      // Citrix's Monitor documentation (`CWSAuth bearer= <bearer token>`), as Google's SecOps script sends it.
      `CwsAuth Bearer= ${t}`,
      `CwsAuth  Bearer = ${t} `,
      `CwsAuth\tbearer=\t${t}`,
      `CwsAuth Bearer="${t}"`,
    ]) {
      const response = await fetch(`${emulator.url}/monitorodata/Users?$top=1`, {
        headers: { Authorization: header, 'Citrix-CustomerId': 'demo' },
      });
      expect(response.status, header).toBe(200);
    }
  });

  it('answers 401 with a JSON body for missing, malformed or unknown tokens', async () => {
    const session = await login(emulator);
    const cases: Record<string, string>[] = [
      { 'Citrix-CustomerId': 'demo' },
      { Authorization: 'Bearer abc', 'Citrix-CustomerId': 'demo' },
      { Authorization: 'CwsAuth Bearer=not-a-token', 'Citrix-CustomerId': 'demo' },
      // Malformed, though the token is valid: no token, another key, no space after the scheme,
      // a second value, an unclosed quote.
      { Authorization: 'CwsAuth Bearer=', 'Citrix-CustomerId': 'demo' },
      { Authorization: `CwsAuth Token=${session.token}`, 'Citrix-CustomerId': 'demo' },
      { Authorization: `CwsAuthBearer=${session.token}`, 'Citrix-CustomerId': 'demo' },
      { Authorization: `CwsAuth Bearer=${session.token} extra`, 'Citrix-CustomerId': 'demo' },
      { Authorization: `CwsAuth Bearer="${session.token}`, 'Citrix-CustomerId': 'demo' },
    ];
    for (const [i, headers] of cases.entries()) {
      const response = await fetch(`${emulator.url}/monitorodata/Sessions`, { headers });
      expect(response.status).toBe(401);
      const body = (await response.json()) as { type: string; detail: string; parameters: unknown };
      expect(body.type).toBe('https://errors-api.cloud.com/common/authentication');
      // Citrix's documented detail, then what was wrong; `reason` is missing only without a header.
      expect(body.detail).toMatch(/^Missing or invalid authentication details: \S/);
      expect(body.parameters, JSON.stringify(headers)).toEqual([
        { name: 'reason', value: i === 0 ? 'missing' : 'invalid' },
      ]);
    }
  });

  it('requires Citrix-CustomerId, and refuses another customer’s with 403 authorization', async () => {
    const session = await login(emulator);
    const missing = await fetch(`${emulator.url}/monitorodata/Users`, {
      headers: { Authorization: `CwsAuth Bearer=${session.token}` },
    });
    expect(missing.status).toBe(401);
    const other = await apiGet(emulator, { ...session, customerId: 'acme' }, '/monitorodata/Users');
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({
      type: 'https://errors-api.cloud.com/common/authorization',
      detail: 'Access denied',
      parameters: expect.arrayContaining([{ name: 'id', value: 'acme' }]),
    });
  });

  it('expires tokens after expires_in seconds of emulator time', async () => {
    const session = await login(emulator);
    now += 599_000;
    expect((await apiGet(emulator, session, '/monitorodata/Users?$top=1')).status).toBe(200);
    now += 1_000;
    const expired = await apiGet(emulator, session, '/monitorodata/Users?$top=1');
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { detail: string }).detail).toMatch(/expired/);
    const fresh = await login(emulator);
    expect((await apiGet(emulator, fresh, '/monitorodata/Users?$top=1')).status).toBe(200);
  });

  it('counts token requests and issued tokens', async () => {
    emulator.resetStats();
    await requestToken(emulator);
    await requestToken(emulator, { clientSecret: 'bad' });
    const stats = emulator.stats();
    expect(stats.tokenRequests).toBe(2);
    expect(stats.tokensIssued).toBe(1);
    expect(stats.apiRequests).toBe(0);
    expect(stats.log.map((e) => e.status)).toEqual([200, 400]);
    expect(stats.log[0]?.path).toBe('/cctrustoauth2/demo/tokens/clients');
  });
});
