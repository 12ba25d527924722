import { gzipSync } from 'node:zlib';
import { ConfigError, createLogger, QueryTimeoutError, SecretRegistry, SourceError } from '@ctxsiem/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  ForeignOriginError,
  PermissionError,
  RetriesExhaustedError,
} from '../../src/index.ts';
import { type ApiContext, delay, sendJson, sendODataError } from '../support/fake-citrix.ts';
import { errorText, rejectionOf, TEST_SECRET, testClient, testResources } from '../support/test-client.ts';

const resources = testResources();
const fakeCitrix = resources.fakeCitrix;
afterEach(resources.close);

const client = resources.client;

const SESSIONS = 'monitorodata/Sessions';
const OK = { '@odata.context': '$metadata#Sessions', value: [{ SessionKey: 'a' }] };

/** Answers the first `failures.length` API calls with the given faults, then OK. */
function script(...failures: Array<(ctx: ApiContext) => void | Promise<void>>) {
  return async (ctx: ApiContext) => {
    const fault = failures[ctx.index];
    if (fault) return fault(ctx);
    sendJson(ctx.res, 200, OK);
  };
}

const faults = {
  '503': ({ res }: ApiContext) => sendODataError(res, 503, 'Service Unavailable'),
  '500': ({ res }: ApiContext) => sendODataError(res, 500, 'An error has occurred.'),
  '502 without body': ({ res }: ApiContext) => {
    res.writeHead(502);
    res.end();
  },
  'connection reset': ({ req }: ApiContext) => {
    req.socket.destroy();
  },
  'truncated body (connection closed mid-body)': ({ res }: ApiContext) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
    res.write('{"value":[{"SessionKey":"a"},');
    setTimeout(() => res.socket?.destroy(), 10);
  },
  'invalid JSON body': ({ res }: ApiContext) => {
    const text = '{"value":[{"SessionKey":"a"},';
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(text.length) });
    res.end(text);
  },
  'truncated gzip body': ({ res }: ApiContext) => {
    const zipped = gzipSync(JSON.stringify(OK));
    const cut = zipped.subarray(0, zipped.length - 12);
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'content-length': String(cut.length),
    });
    res.end(cut);
  },
  '429 without Retry-After': ({ res }: ApiContext) => sendODataError(res, 429, 'Too many requests'),
};

describe('CitrixCloudClient requests', () => {
  it('sends CwsAuth and Citrix-CustomerId headers, asks for gzip and decompresses it', async () => {
    const fake = await fakeCitrix({
      api: ({ res }) => {
        const zipped = gzipSync(JSON.stringify(OK));
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'content-length': String(zipped.length),
        });
        res.end(zipped);
      },
    });
    const c = client(fake);
    expect(await c.getJson(SESSIONS)).toEqual(OK);
    const [req] = fake.apiRequests;
    expect(req?.url).toBe('/monitorodata/Sessions');
    expect(req?.headers.authorization).toBe(`CwsAuth Bearer=${fake.issuedTokens[0]}`);
    expect(req?.headers['citrix-customerid']).toBe('acme');
    expect(req?.headers.accept).toBe('application/json');
    expect(req?.headers['accept-encoding']).toBe('gzip');
    expect(c.stats).toEqual({ requests: 1, retries: 0, throttled: 0, reauthentications: 0 });
  });

  it('sends extra caller headers but never lets them replace the client headers', async () => {
    const fake = await fakeCitrix();
    const c = client(fake);
    await c.getJson(SESSIONS, {
      headers: {
        Prefer: 'odata.maxpagesize=500',
        Authorization: 'CwsAuth Bearer=forged',
        'Citrix-CustomerId': 'other',
      },
    });
    const [req] = fake.apiRequests;
    expect(req?.headers.prefer).toBe('odata.maxpagesize=500');
    expect(req?.headers.authorization).toBe(`CwsAuth Bearer=${fake.issuedTokens[0]}`);
    expect(req?.headers['citrix-customerid']).toBe('acme');
  });

  it('POSTs a search with its JSON body, retried like a GET after a transient failure', async () => {
    const fake = await fakeCitrix({ api: script(faults['503'], faults['connection reset']) });
    const c = client(fake);
    const body = {
      SearchFilters: [{ Property: 'StartTime', Value: '2026-03-14T00:00:00Z', Operator: 'IsAfter' }],
    };
    expect(
      await c.searchJson('cvad/manage/ConfigLog/Operations/$search?limit=1000', body, {
        headers: { 'Citrix-InstanceId': 'site-1', 'Content-Type': 'text/plain' },
      }),
    ).toEqual(OK);
    expect(fake.apiRequests).toHaveLength(3);
    for (const req of fake.apiRequests) {
      expect(req.method).toBe('POST');
      expect(req.url).toBe('/cvad/manage/ConfigLog/Operations/$search?limit=1000');
      expect(JSON.parse(req.body)).toEqual(body);
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.headers['citrix-instanceid']).toBe('site-1');
      expect(req.headers.authorization).toBe(`CwsAuth Bearer=${fake.issuedTokens[0]}`);
    }
    expect(c.stats).toMatchObject({ requests: 3, retries: 2 });
  });

  it('reads a document that is not JSON as text ($metadata), asking for XML', async () => {
    const xml = '<?xml version="1.0"?><edmx:Edmx Version="4.0"/>';
    const fake = await fakeCitrix({
      api: script(faults['503'], ({ res }) => {
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end(xml);
      }),
    });
    expect(await client(fake).getText('monitorodata/$metadata')).toBe(xml);
    expect(fake.apiRequests.map((r) => r.headers.accept)).toEqual([
      'application/xml, text/plain;q=0.9, */*;q=0.1',
      'application/xml, text/plain;q=0.9, */*;q=0.1',
    ]);
  });

  it('names the POST in a refusal', async () => {
    const fake = await fakeCitrix({ api: ({ res }) => sendODataError(res, 400, 'Bad filter') });
    const error = await rejectionOf(client(fake).searchJson('cvad/manage/ConfigLog/Operations/$search', {}));
    expect(errorText(error)).toContain(
      'POST /cvad/manage/ConfigLog/Operations/$search was rejected with 400',
    );
    expect(errorText(error)).toContain('Bad filter');
  });

  it('keeps connections alive across calls', async () => {
    const fake = await fakeCitrix();
    const c = client(fake);
    for (let i = 0; i < 5; i++) await c.getJson(SESSIONS);
    expect(fake.requests).toHaveLength(6); // one token request, five API calls
    expect(fake.connections).toBeLessThanOrEqual(2); // not one per call (the token POST may hold its own)
  });

  it('accepts an absolute URL on the API origin and a path with a leading slash', async () => {
    const fake = await fakeCitrix();
    const c = client(fake);
    await c.getJson(`${fake.url}/monitorodata/Machines?$top=1`);
    await c.getJson('/monitorodata/Users');
    expect(fake.apiRequests.map((r) => r.url)).toEqual([
      '/monitorodata/Machines?$top=1',
      '/monitorodata/Users',
    ]);
  });

  it('refuses an absolute URL on another origin without sending anything there', async () => {
    const fake = await fakeCitrix();
    const foreign = await fakeCitrix();
    const c = client(fake);
    const error = await rejectionOf(c.getJson(`${foreign.url}/monitorodata/Sessions`));
    expect(error).toBeInstanceOf(ForeignOriginError);
    expect((error as ForeignOriginError).message).toContain(foreign.origin);
    expect(foreign.requests).toHaveLength(0);
    expect(fake.requests).toHaveLength(0);
  });

  it('rejects an invalid configuration with a ConfigError naming the field', () => {
    let error: unknown;
    try {
      testClient({ url: 'http://127.0.0.1:1' }, { customerId: '', maxAttempts: 0 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual(['customerId', 'maxAttempts']);
    expect((error as ConfigError).message).not.toContain(TEST_SECRET);
  });
});

describe('authentication on the API', () => {
  it('401 → invalidates the token, re-authenticates once and succeeds', async () => {
    const fake = await fakeCitrix({ api: ({ res }) => sendJson(res, 200, OK) });
    const c = client(fake);
    await c.tokens.getToken();
    fake.revokeTokens(); // the server no longer accepts the cached token
    expect(await c.getJson(SESSIONS)).toEqual(OK);
    expect(fake.tokenRequests).toHaveLength(2);
    expect(fake.apiRequests.map((r) => r.headers.authorization)).toEqual([
      `CwsAuth Bearer=${fake.issuedTokens[0]}`,
      `CwsAuth Bearer=${fake.issuedTokens[1]}`,
    ]);
    expect(c.stats).toEqual({ requests: 2, retries: 0, throttled: 0, reauthentications: 1 });
  });

  it('re-authenticates again when the fresh token was accepted (a 503) and then expired (401)', async () => {
    // The chaos pass met it: tokens rejected after a few uses, a request retried past a 503 on its
    // fresh token, and the same token refused later in that request.
    const script = [401, 503, 401, 200];
    const fake = await fakeCitrix({
      skipTokenCheck: true,
      api: ({ res }) => {
        const status = script.shift() ?? 200;
        if (status === 200) sendJson(res, 200, OK);
        else sendODataError(res, status, status === 401 ? 'the bearer token has expired' : 'busy');
      },
    });
    const c = client(fake);
    expect(await c.getJson(SESSIONS)).toEqual(OK);
    expect(fake.tokenRequests).toHaveLength(3);
    expect(c.stats.reauthentications).toBe(2);
  });

  it('a second 401 with a fresh token fails with AuthenticationError', async () => {
    const fake = await fakeCitrix({
      api: ({ res }) => sendODataError(res, 401, 'Token not accepted for this customer'),
    });
    const c = client(fake);
    const error = await rejectionOf(c.getJson(SESSIONS));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).status).toBe(401);
    expect((error as AuthenticationError).message).toContain('Token not accepted for this customer');
    expect(fake.tokenRequests).toHaveLength(2);
    expect(fake.apiRequests).toHaveLength(2);
    expect(c.stats.reauthentications).toBe(1);
  });

  it('403 fails at once with a PermissionError naming the permission and the server message', async () => {
    const fake = await fakeCitrix({
      api: ({ res }) => sendODataError(res, 403, 'Access denied to Monitor data'),
    });
    const c = client(fake);
    const error = await rejectionOf(c.getJson(buildSessionsQuery()));
    expect(error).toBeInstanceOf(PermissionError);
    const denied = error as PermissionError;
    expect(denied.status).toBe(403);
    expect(denied.code).toBe('PERMISSION_DENIED');
    expect(denied.message).toContain('the API client lacks permission for GET /monitorodata/Sessions;');
    expect(denied.message).toContain(
      'Monitor read access (Full Administrator or a custom role with Monitor)',
    );
    expect(denied.message).toContain('Access denied to Monitor data');
    expect(fake.apiRequests).toHaveLength(1);
    expect(c.stats.retries).toBe(0);
  });
});

function buildSessionsQuery(): string {
  return 'monitorodata/Sessions?$filter=ModifiedDate%20ge%202024-08-06T07:00:00Z';
}

/**
 * The waits the client chose before its retries, from its "retrying" log lines: what a test checks
 * exactly, where a gap measured between requests only shows the client waited at least that long (a
 * loaded machine adds to it).
 */
function retryWaits(onRetry?: () => void) {
  const waits: Array<{ waitMs: number; fromRetryAfter: boolean }> = [];
  const logger = createLogger({
    level: 'warn',
    destination: {
      write: (line: string) => {
        const entry = JSON.parse(line) as { msg: string; waitMs: number; fromRetryAfter: boolean };
        if (entry.msg !== 'Citrix Cloud request failed; retrying') return;
        waits.push({ waitMs: entry.waitMs, fromRetryAfter: entry.fromRetryAfter });
        onRetry?.();
      },
    },
  });
  return { logger, waits };
}

describe('retries', () => {
  it('honours Retry-After on 429 (seconds) instead of the computed backoff', async () => {
    const fake = await fakeCitrix({
      api: script(({ res }) => sendODataError(res, 429, 'Too many requests', { 'retry-after': '1' })),
    });
    // Computed backoff would be at most 5 ms; the cap for Retry-After is 4 x maxMs = 4 s.
    const { logger, waits } = retryWaits();
    const c = client(fake, { backoff: { baseMs: 5, maxMs: 1000 } }, { logger });
    expect(await c.getJson(SESSIONS)).toEqual(OK);
    expect(waits).toEqual([{ waitMs: 1000, fromRetryAfter: true }]);
    const [first, second] = fake.apiRequests;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(c.stats).toEqual({ requests: 2, retries: 1, throttled: 1, reauthentications: 0 });
  });

  it('falls back to the retryDelay of a Citrix Cloud gateway error body when Retry-After is missing', async () => {
    const fake = await fakeCitrix({
      api: script(({ res }) =>
        sendJson(res, 429, {
          type: 'https://errors-api.cloud.com/common/tooManyRequests',
          detail: 'Too many requests',
          parameters: [{ name: 'retryDelay', value: '0.3' }],
        }),
      ),
    });
    const { logger, waits } = retryWaits();
    const c = client(fake, { backoff: { baseMs: 5, maxMs: 1000 } }, { logger });
    expect(await c.getJson(SESSIONS)).toEqual(OK);
    expect(waits.map((wait) => wait.waitMs)).toEqual([300]);
    const [first, second] = fake.apiRequests;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(280);
  });

  it('caps a Retry-After wait at 4 x backoff.maxMs', async () => {
    const fake = await fakeCitrix({
      api: script(({ res }) => sendODataError(res, 503, 'Service Unavailable', { 'retry-after': '1' })),
    });
    const { logger, waits } = retryWaits();
    const c = client(fake, { backoff: { baseMs: 5, maxMs: 50 } }, { logger });
    expect(await c.getJson(SESSIONS)).toEqual(OK);
    expect(waits).toEqual([{ waitMs: 200, fromRetryAfter: true }]);
    const [first, second] = fake.apiRequests;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(190);
    expect(c.stats.throttled).toBe(0);
  });

  it('without Retry-After waits the computed full-jitter backoff', async () => {
    const fake = await fakeCitrix({
      api: script(faults['429 without Retry-After'], faults['429 without Retry-After']),
    });
    // random() = 1 pins the jitter to its ceiling: 60 ms, then 120 ms.
    const { logger, waits } = retryWaits();
    const c = client(fake, { backoff: { baseMs: 60, maxMs: 1000 } }, { random: () => 1, logger });
    await c.getJson(SESSIONS);
    expect(waits).toEqual([
      { waitMs: 60, fromRetryAfter: false },
      { waitMs: 120, fromRetryAfter: false },
    ]);
    const [a, b, d] = fake.apiRequests.map((r) => r.at);
    expect((b ?? 0) - (a ?? 0)).toBeGreaterThanOrEqual(55);
    expect((d ?? 0) - (b ?? 0)).toBeGreaterThanOrEqual(115);
    expect(c.stats.throttled).toBe(2);
  });

  it.each(Object.entries(faults))('retries after %s and succeeds', async (_name, fault) => {
    const fake = await fakeCitrix({ api: script(fault) });
    const c = client(fake);
    expect(await c.getJson(SESSIONS)).toEqual(OK);
    expect(fake.apiRequests).toHaveLength(2);
    expect(c.stats.retries).toBe(1);
    expect(c.stats.requests).toBe(2);
  });

  it('retries an attempt that exceeds requestTimeoutMs', async () => {
    const fake = await fakeCitrix({
      api: script(async ({ res }) => {
        await delay(400);
        if (!res.destroyed) sendJson(res, 200, OK);
      }),
    });
    const c = client(fake, { requestTimeoutMs: 100 });
    expect(await c.getJson(SESSIONS)).toEqual(OK);
    expect(fake.apiRequests).toHaveLength(2);
  });

  it('when attempts run out, the error lists method, path, every attempt outcome and the total wait', async () => {
    const fake = await fakeCitrix({
      api: script(
        ({ res }) => sendODataError(res, 503, 'Service Unavailable'),
        faults['connection reset'],
        ({ res }) => sendODataError(res, 429, 'Too many requests'),
        faults['invalid JSON body'],
      ),
    });
    const c = client(fake, { maxAttempts: 4 }, { random: () => 1 });
    const error = await rejectionOf(c.getJson(SESSIONS));
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    const exhausted = error as RetriesExhaustedError;
    expect(exhausted.code).toBe('RETRIES_EXHAUSTED');
    expect(exhausted.attempts.map((a) => a.outcome)).toEqual([
      '503',
      expect.stringMatching(/^(ECONNRESET|UND_ERR_SOCKET)$/),
      '429',
      'INVALID_JSON',
    ]);
    // Waits: 5, 10, 20 ms (random pinned to the ceiling, base 5).
    expect(exhausted.totalWaitMs).toBe(35);
    expect(exhausted.message).toMatch(
      /^GET \/monitorodata\/Sessions failed after 4 attempts and 35 ms of waiting: /,
    );
    expect(exhausted.message).toContain('#1 503 "503: Service Unavailable", then waited 5 ms');
    expect(exhausted.message).toContain('#3 429');
    expect(exhausted.message).toContain('#4 INVALID_JSON');
    expect(fake.apiRequests).toHaveLength(4);
    expect(c.stats).toEqual({ requests: 4, retries: 3, throttled: 1, reauthentications: 0 });
  });

  it('stops waiting as soon as the caller aborts', async () => {
    const fake = await fakeCitrix({
      api: ({ res }) => sendODataError(res, 429, 'Too many requests', { 'retry-after': '60' }),
    });
    const controller = new AbortController();
    // The caller aborts once the client is in its minute-long Retry-After wait.
    const { logger, waits } = retryWaits(() =>
      setImmediate(() => controller.abort(new Error('run budget spent'))),
    );
    const c = client(fake, { backoff: { baseMs: 5, maxMs: 60_000 } }, { logger });
    const started = performance.now();
    const error = await rejectionOf(c.getJson(SESSIONS, { signal: controller.signal }));
    expect((error as Error).message).toBe('run budget spent');
    expect(waits).toEqual([{ waitMs: 60_000, fromRetryAfter: true }]);
    // Not the minute: a bound generous enough for any machine, far below the wait.
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(fake.apiRequests).toHaveLength(1);
  });
});

describe('answers that are not retried', () => {
  it.each([
    [504, 'The query timed out. Narrow the time range.'],
    [500, 'Execution Timeout Expired. The timeout period elapsed prior to completion of the operation.'],
  ])('%i with a timeout message is a QueryTimeoutError after one request', async (status, message) => {
    const fake = await fakeCitrix({ api: ({ res }) => sendODataError(res, status, message) });
    const c = client(fake);
    const error = await rejectionOf(c.getJson(SESSIONS));
    expect(error).toBeInstanceOf(QueryTimeoutError);
    expect((error as QueryTimeoutError).code).toBe('QUERY_TIMEOUT');
    expect((error as QueryTimeoutError).status).toBe(status);
    expect((error as Error).message).toContain(message);
    expect(fake.apiRequests).toHaveLength(1);
  });

  it('other 4xx fail at once with status, path and the OData message', async () => {
    const fake = await fakeCitrix({
      api: ({ res }) =>
        sendODataError(
          res,
          400,
          "The query specified in the URI is not valid. Could not find a property named 'Nope'.",
        ),
    });
    const c = client(fake);
    const error = await rejectionOf(c.getJson('monitorodata/Sessions?$select=Nope'));
    expect(error).toBeInstanceOf(SourceError);
    const rejected = error as SourceError;
    expect(rejected.code).toBe('REQUEST_REJECTED');
    expect(rejected.status).toBe(400);
    expect(rejected.message).toBe(
      "GET /monitorodata/Sessions?$select=Nope was rejected with 400: 400: The query specified in the URI is not valid. Could not find a property named 'Nope'.",
    );
    expect(fake.apiRequests).toHaveLength(1);
  });

  it('never puts the token in an error message, even when the server echoes it', async () => {
    const echo = (status: number) => (ctx: ApiContext) =>
      sendODataError(ctx.res, status, `rejected ${ctx.req.headers.authorization} timeout`, {});
    const errors: unknown[] = [];
    for (const status of [400, 403, 404, 500, 504, 503]) {
      const fake = await fakeCitrix({ api: echo(status) });
      const c = client(fake, { maxAttempts: 2 });
      errors.push(await rejectionOf(c.getJson(SESSIONS)));
      expect(fake.issuedTokens.length).toBeGreaterThan(0);
      for (const error of errors.slice(-1)) {
        const text = errorText(error);
        for (const token of fake.issuedTokens) expect(text).not.toContain(token);
        expect(text).not.toContain(TEST_SECRET);
        expect(text).toContain('[REDACTED]');
      }
    }
    const second401 = await fakeCitrix({
      api: ({ req, res }) => sendODataError(res, 401, `bad ${req.headers.authorization}`),
    });
    const error = await rejectionOf(client(second401).getJson(SESSIONS));
    for (const token of second401.issuedTokens) expect(errorText(error)).not.toContain(token);
  });
});

describe('logging', () => {
  it('logs retries and re-authentication without the token', async () => {
    const lines: string[] = [];
    const secrets = new SecretRegistry();
    const logger = createLogger({
      level: 'debug',
      secrets,
      destination: { write: (line: string) => lines.push(line) },
    });
    const fake = await fakeCitrix({ api: script(faults['503'], faults['connection reset']) });
    const c = client(fake, {}, { logger, secrets });
    await c.tokens.getToken();
    fake.revokeTokens();
    await c.getJson(SESSIONS);
    const text = lines.join('');
    expect(text).toContain('re-authenticating once');
    expect(text).toContain('retrying');
    expect(fake.issuedTokens).toHaveLength(2);
    for (const token of fake.issuedTokens) expect(text).not.toContain(token);
    expect(text).not.toContain(TEST_SECRET);
  });
});
