/**
 * The client against @ctxsiem/emulator: an offline Citrix Cloud over real HTTP with the real service's
 * limits (single-flight 429, server paging, query timeout) and injected faults.
 */
import { QueryTimeoutError } from '@ctxsiem/core';
import { type Emulator, MONITOR_PERMISSION, startEmulator } from '@ctxsiem/emulator';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  buildODataUrl,
  CitrixCloudClient,
  type CitrixCloudConfigInput,
  ForeignOriginError,
  formatODataInstant,
  PermissionError,
  paginateOData,
} from '../../src/index.ts';
import { type FakeCitrix, startFakeCitrix } from '../support/fake-citrix.ts';
import { errorText, rejectionOf } from '../support/test-client.ts';

const NOW = Date.UTC(2024, 7, 6, 12, 30);
const FROM = new Date(Date.UTC(2024, 7, 6, 7, 0));
const TO = new Date(Date.UTC(2024, 7, 6, 8, 0));

const emulators: Emulator[] = [];
const clients: CitrixCloudClient[] = [];
const listeners: FakeCitrix[] = [];

async function emulator(options: Parameters<typeof startEmulator>[0] = {}): Promise<Emulator> {
  const e = await startEmulator({ now: () => NOW, pageSize: 40, ...options });
  emulators.push(e);
  return e;
}

function client(e: Emulator, overrides: Partial<CitrixCloudConfigInput> = {}): CitrixCloudClient {
  const c = new CitrixCloudClient({
    customerId: 'demo',
    clientId: 'demo',
    clientSecret: 'demo',
    apiBase: e.url,
    backoff: { baseMs: 5, maxMs: 50 },
    maxAttempts: 8,
    // Generous: the emulator answers in-process, so a slow answer is a loaded machine's, not one to retry.
    requestTimeoutMs: 60_000,
    ...overrides,
  });
  clients.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(emulators.splice(0).map((e) => e.close()));
  await Promise.all(listeners.splice(0).map((l) => l.close()));
});

function sessionsWindow(): string {
  return buildODataUrl('monitorodata/Sessions', {
    filter: `ModifiedDate ge ${formatODataInstant(FROM)} and ModifiedDate lt ${formatODataInstant(TO)}`,
  });
}

async function readAll(c: CitrixCloudClient, url: string): Promise<{ rows: unknown[]; pages: number }> {
  const rows: unknown[] = [];
  let pages = 0;
  for await (const page of paginateOData(c, url)) {
    rows.push(...page.records);
    pages++;
  }
  return { rows, pages };
}

describe('against the emulator', () => {
  it('pages a Sessions window and returns exactly the ground truth, in order', async () => {
    const e = await emulator();
    const c = client(e);
    const { rows, pages } = await readAll(c, sessionsWindow());
    const truth = [...e.data.monitor('Sessions', { from: FROM, to: TO })];
    expect(truth.length).toBeGreaterThan(100);
    expect(rows).toEqual(truth);
    expect(pages).toBe(Math.ceil(truth.length / 40));
    expect(c.stats.retries).toBe(0);
  });

  it('survives injected 429/500/503, resets and truncated bodies without losing or duplicating a record', async () => {
    const e = await emulator({
      faults: {
        rate429: 0.1,
        rate500: 0.1,
        rate503: 0.1,
        resetRate: 0.1,
        truncateRate: 0.1,
        retryAfterSeconds: 0,
      },
    });
    const c = client(e, { maxAttempts: 12 });
    const { rows } = await readAll(c, sessionsWindow());
    expect(rows).toEqual([...e.data.monitor('Sessions', { from: FROM, to: TO })]);
    const injected = e.stats().injected;
    expect(Object.values(injected).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(c.stats.retries).toBeGreaterThan(0);
    expect(c.stats.throttled).toBe(injected['429'] ?? 0);
  });

  it('two clients of one tenant never overlap: the emulator never sees concurrency or single-flight 429s', async () => {
    const e = await emulator({ latencyMs: 10 });
    const a = client(e);
    const b = client(e);
    await Promise.all(
      [a, b].flatMap((c) => Array.from({ length: 5 }, () => c.getJson('monitorodata/Sessions?$top=1'))),
    );
    const stats = e.stats();
    expect(stats.apiRequests).toBe(10);
    expect(stats.maxConcurrentPerCustomer).toBe(1);
    expect(stats.rejectedConcurrent).toBe(0);
  });

  it('re-authenticates when tokens expire early (401) and carries on', async () => {
    const e = await emulator({ faults: { earlyTokenExpiry: true, earlyTokenExpiryAfterRequests: 2 } });
    const c = client(e);
    const { rows } = await readAll(c, sessionsWindow());
    expect(rows).toEqual([...e.data.monitor('Sessions', { from: FROM, to: TO })]);
    expect(c.stats.reauthentications).toBeGreaterThan(0);
    expect(e.stats().tokensIssued).toBe(c.stats.reauthentications + 1);
  });

  it('403 fails at once with a PermissionError naming the missing permission', async () => {
    const e = await emulator({ faults: { forbidden: true } });
    const c = client(e);
    const error = await rejectionOf(c.getJson(sessionsWindow()));
    expect(error).toBeInstanceOf(PermissionError);
    expect((error as Error).message).toContain('Monitor read access');
    expect((error as Error).message).toContain(MONITOR_PERMISSION);
    expect(e.stats().apiRequests).toBe(1);
  });

  it("recognises the emulator's query timeout and does not retry it", async () => {
    const e = await emulator({ queryTimeout: { maxScannedRows: 10, delayMs: 5 } });
    const c = client(e);
    const error = await rejectionOf(c.getJson(sessionsWindow()));
    expect(error).toBeInstanceOf(QueryTimeoutError);
    expect(e.stats().apiRequests).toBe(1);
    expect(c.stats.retries).toBe(0);
  });

  it('fails at once on wrong credentials (400 invalid_client): names the client id, never the secret, no retry', async () => {
    const e = await emulator({
      customers: [{ customerId: 'acme', clientId: 'acme-client', clientSecret: 'right' }],
    });
    const c = client(e, { customerId: 'acme', clientId: 'acme-client', clientSecret: 'wrong-secret-value' });
    const error = await rejectionOf(c.getJson(sessionsWindow()));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 400, oauthError: 'invalid_client' });
    const text = errorText(error);
    for (const part of ['customer "acme" (client id "acme-client")', 'answered 400: invalid_client: Invalid'])
      expect(text).toContain(part);
    expect(text).not.toContain('wrong-secret-value');
    // One token request, no API call, nothing retried.
    expect([e.stats().tokenRequests, e.stats().apiRequests, c.stats.retries]).toEqual([1, 0, 0]);
  });

  it('asks for what the emulator serves, as strictly as the service: JSON for data, XML for $metadata', async () => {
    const e = await emulator();
    const c = client(e);
    expect(await c.getJson('monitorodata')).toHaveProperty('value');
    expect(await c.getJson<{ value: unknown[] }>('monitorodata/Sessions?$top=1')).toHaveProperty('value');
    expect(await c.getText('monitorodata/$metadata')).toContain('<edmx:Edmx');
    const api = e.stats().log.filter((entry) => entry.path.startsWith('/monitorodata'));
    expect(api.map((entry) => entry.status)).toEqual([200, 200, 200]);
    expect(c.stats.retries).toBe(0);
  });

  it('refuses a foreign nextLink; the foreign listener receives nothing and no token leaks into the error', async () => {
    const foreign = await startFakeCitrix();
    listeners.push(foreign);
    const e = await emulator({ faults: { foreignNextLink: foreign.origin } });
    const c = client(e);
    const error = await rejectionOf(readAll(c, sessionsWindow()));
    expect(error).toBeInstanceOf(ForeignOriginError);
    expect((error as ForeignOriginError).foreignOrigin).toBe(foreign.origin);
    expect(foreign.requests).toHaveLength(0);
    const token = c.tokens.current?.value ?? '';
    expect(token.length).toBeGreaterThan(0);
    expect(errorText(error)).not.toContain(token);
  });
});
