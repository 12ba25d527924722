import { ManualClock, SecretRegistry } from '@ctxsiem/core';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthenticationError, TokenUnavailableError } from '../../src/index.ts';
import { delay, type FakeCitrix, sendJson, startFakeCitrix } from '../support/fake-citrix.ts';
import { errorText, rejectionOf, TEST_SECRET, testClient } from '../support/test-client.ts';

const servers: FakeCitrix[] = [];
async function fakeCitrix(options: Parameters<typeof startFakeCitrix>[0] = {}): Promise<FakeCitrix> {
  const fake = await startFakeCitrix(options);
  servers.push(fake);
  return fake;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('token client', () => {
  it('posts client credentials as a form to /cctrustoauth2/{customerId}/tokens/clients', async () => {
    const fake = await fakeCitrix();
    const client = testClient(fake);
    const token = await client.tokens.getToken();
    expect(token).toBe(fake.issuedTokens[0]);
    const [req] = fake.tokenRequests;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/cctrustoauth2/acme/tokens/clients');
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(req?.body);
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'client_credentials',
      client_id: 'demo',
      client_secret: TEST_SECRET,
    });
    await client.close();
  });

  it('uses tokenUrl when configured (US Gov trust host)', async () => {
    const api = await fakeCitrix({ skipTokenCheck: true });
    const trust = await fakeCitrix();
    const client = testClient(api, { tokenUrl: `${trust.url}/cctrustoauth2/acme/tokens/clients` });
    await expect(client.getJson('monitorodata/Sessions')).resolves.toEqual({ value: [] });
    expect(trust.tokenRequests).toHaveLength(1);
    expect(api.apiRequests[0]?.headers.authorization).toBe(`CwsAuth Bearer=${trust.issuedTokens[0]}`);
    expect(api.tokenRequests).toHaveLength(0);
    await client.close();
  });

  it('parses expires_in sent as a string and refreshes refreshSkewSeconds before expiry', async () => {
    const fake = await fakeCitrix({ expiresIn: '3600' });
    const clock = new ManualClock(Date.parse('2024-08-06T07:00:00Z'));
    const client = testClient(fake, { refreshSkewSeconds: 300 }, { clock });
    const first = await client.tokens.getToken();
    expect(client.tokens.current?.expiresAt).toBe(clock.now() + 3600_000);
    clock.advance((3600 - 300 - 1) * 1000);
    expect(await client.tokens.getToken()).toBe(first);
    expect(fake.tokenRequests).toHaveLength(1);
    clock.advance(2000); // now inside the skew: a new token, before the old one expires
    const second = await client.tokens.getToken();
    expect(second).not.toBe(first);
    expect(fake.tokenRequests).toHaveLength(2);
    await client.close();
  });

  it('accepts expires_in as a number and caps the skew at half a short lifetime', async () => {
    const fake = await fakeCitrix({ expiresIn: 120 });
    const clock = new ManualClock(0);
    const client = testClient(fake, { refreshSkewSeconds: 300 }, { clock });
    const first = await client.tokens.getToken();
    expect(client.tokens.current?.expiresAt).toBe(120_000);
    clock.advance(59_000);
    expect(await client.tokens.getToken()).toBe(first);
    clock.advance(2_000);
    expect(await client.tokens.getToken()).not.toBe(first);
    await client.close();
  });

  it('shares one in-flight token request between concurrent callers', async () => {
    const fake = await fakeCitrix({
      token: async (_req, res) => {
        await delay(50);
        sendJson(res, 200, { access_token: 'shared-token-abcdef', expires_in: '3600', token_type: 'bearer' });
      },
    });
    const client = testClient(fake);
    const tokens = await Promise.all(Array.from({ length: 10 }, () => client.tokens.getToken()));
    expect(new Set(tokens)).toEqual(new Set(['shared-token-abcdef']));
    expect(fake.tokenRequests).toHaveLength(1);
    await client.close();
  });

  it('registers every token with the secret registry so logs scrub it', async () => {
    const fake = await fakeCitrix();
    const secrets = new SecretRegistry();
    const client = testClient(fake, {}, { secrets });
    const token = await client.tokens.getToken();
    expect(secrets.scrub(`Authorization: CwsAuth Bearer=${token}`)).toBe(
      'Authorization: CwsAuth Bearer=[REDACTED]',
    );
    await client.close();
  });

  it('invalidate() drops only the refused token', async () => {
    const fake = await fakeCitrix();
    const client = testClient(fake);
    const first = await client.tokens.getToken();
    expect(client.tokens.invalidate('some-other-token')).toBe(false);
    expect(await client.tokens.getToken()).toBe(first);
    expect(client.tokens.invalidate(first)).toBe(true);
    expect(await client.tokens.getToken()).not.toBe(first);
    expect(fake.tokenRequests).toHaveLength(2);
    await client.close();
  });

  it('401 from the token endpoint is an AuthenticationError with the server reason and without the secret', async () => {
    const fake = await fakeCitrix({ clientSecret: 'the-right-secret' });
    const client = testClient(fake); // sends TEST_SECRET, which is wrong here
    const error = await rejectionOf(client.tokens.getToken());
    expect(error).toBeInstanceOf(AuthenticationError);
    const auth = error as AuthenticationError;
    expect(auth.status).toBe(401);
    expect(auth.oauthError).toBe('invalid_client');
    expect(auth.message).toContain('invalid_client: Invalid client credentials');
    expect(auth.message).toContain('"acme"');
    expect(errorText(error)).not.toContain(TEST_SECRET);
    await client.close();
  });

  it('400 from the token endpoint is an AuthenticationError; a server echoing the secret is scrubbed', async () => {
    const fake = await fakeCitrix({
      token: (_req, res, form) =>
        sendJson(res, 400, {
          error: 'invalid_request',
          error_description: `bad secret ${form.get('client_secret')}`,
        }),
    });
    const client = testClient(fake);
    const error = await rejectionOf(client.tokens.getToken());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).message).toContain('invalid_request: bad secret [REDACTED]');
    expect(errorText(error)).not.toContain(TEST_SECRET);
    await client.close();
  });

  it('a 503 from the token endpoint is transient (TokenUnavailableError), and the API call retries it', async () => {
    let calls = 0;
    const fake = await fakeCitrix({
      token: (_req, res) => {
        calls++;
        if (calls === 1) return sendJson(res, 503, { error: 'temporarily_unavailable' });
        return sendJson(res, 200, { access_token: 'second-try-token', expires_in: '3600' });
      },
      skipTokenCheck: true,
    });
    const direct = testClient(fake);
    expect(await rejectionOf(direct.tokens.getToken())).toBeInstanceOf(TokenUnavailableError);
    await direct.close();
    calls = 0;
    const client = testClient(fake);
    await expect(client.getJson('monitorodata/Sessions')).resolves.toEqual({ value: [] });
    expect(client.stats.retries).toBe(1);
    await client.close();
  });
});
