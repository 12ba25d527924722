import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, type Faults, startEmulator } from '../src/index.ts';
import { apiGet, getJson, login, monitorPath, requestToken, windowFilter } from './emulator-client.ts';

const NOW = Date.UTC(2024, 7, 6, 12, 30);
const FILTER = windowFilter(
  'ModifiedDate',
  new Date(Date.UTC(2024, 7, 6, 7)),
  new Date(Date.UTC(2024, 7, 6, 8)),
);

describe('injected faults', () => {
  let emulator: Emulator | undefined;
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });

  const start = async (faults: Faults, seed = 1) => {
    emulator = await startEmulator({ now: () => NOW, faults, seed });
    return { emu: emulator, session: await login(emulator) };
  };

  it('injects 429 / 503 with the bodies Citrix documents and no Retry-After, and 500 with an OData error', async () => {
    const { emu, session } = await start({ rate429: 1 });
    const r429 = await apiGet(emu, session, '/monitorodata/Users');
    expect(r429.status).toBe(429);
    expect(r429.headers.get('retry-after')).toBeNull();
    expect(await r429.json()).toEqual({
      type: 'https://errors-api.cloud.com/common/rateLimitExceeded',
      detail: 'Rate limit exceeded; try again in 1 seconds',
      parameters: [{ name: 'retryDelay', value: '1' }],
    });
    emu.setFaults({ rate503: 1, retryAfterSeconds: 7 });
    const r503 = await apiGet(emu, session, '/monitorodata/Users');
    expect(r503.status).toBe(503);
    expect(r503.headers.get('retry-after')).toBeNull();
    expect(await r503.json()).toEqual({
      type: 'https://errors-api.cloud.com/common/serviceUnavailable',
      detail: 'Service is unavailable; try again in 7 seconds',
      parameters: [{ name: 'retryDelay', value: '7' }],
    });
    emu.setFaults({ rate500: 1 });
    const r500 = await getJson<{ error: { code: string } }>(emu, session, '/monitorodata/Users');
    expect(r500.status).toBe(500);
    expect(r500.body.error.code).toBe('InternalServerError');
    emu.setFaults({ rate429: 1, retryAfterSeconds: null });
    const bare = await apiGet(emu, session, '/casodata/users?year=2024&month=08&day=05');
    expect(bare.headers.get('retry-after')).toBeNull();
    expect(await bare.json()).toEqual({
      type: 'https://errors-api.cloud.com/common/rateLimitExceeded',
      detail: 'Rate limit exceeded',
    });
    expect(emu.stats().injected).toEqual({ '429': 2, '503': 1, '500': 1 });
  });

  it('adds Retry-After to injected 429 / 503 only when asked to, with the body’s delay', async () => {
    const { emu, session } = await start({ rate429: 1, retryAfterSeconds: 3, retryAfterHeader: true });
    const r429 = await apiGet(emu, session, '/monitorodata/Users');
    expect(r429.status).toBe(429);
    expect(r429.headers.get('retry-after')).toBe('3');
    expect(((await r429.json()) as { parameters: unknown }).parameters).toEqual([
      { name: 'retryDelay', value: '3' },
    ]);
    emu.setFaults({ rate503: 1, retryAfterHeader: true });
    const r503 = await apiGet(emu, session, '/monitorodata/Users');
    expect([r503.status, r503.headers.get('retry-after')]).toEqual([503, '1']);
    // No delay to give: no header either.
    emu.setFaults({ rate503: 1, retryAfterSeconds: null, retryAfterHeader: true });
    expect((await apiGet(emu, session, '/monitorodata/Users')).headers.get('retry-after')).toBeNull();
  });

  it('does not apply faults to OAuth', async () => {
    const { emu } = await start({ rate500: 1, resetRate: 1, forbidden: true });
    expect((await requestToken(emu)).status).toBe(200);
  });

  it('makes fault decisions deterministic for a seed', async () => {
    const run = async (seed: number) => {
      const { emu, session } = await start({ rate429: 0.3, rate500: 0.2 }, seed);
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++)
        statuses.push((await apiGet(emu, session, '/monitorodata/Users?$top=1')).status);
      await emu.close();
      emulator = undefined;
      return statuses;
    };
    const first = await run(5);
    expect(await run(5)).toEqual(first);
    expect(first.filter((s) => s === 429).length).toBeGreaterThan(4);
    expect(first.filter((s) => s === 500).length).toBeGreaterThan(2);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(10);
    expect(await run(6)).not.toEqual(first);
  });

  it('resets the connection without a response', async () => {
    const { emu, session } = await start({ resetRate: 1 });
    await expect(apiGet(emu, session, '/monitorodata/Users')).rejects.toThrow();
    expect(emu.stats().injected.reset).toBeGreaterThanOrEqual(1);
    expect(emu.stats().log.at(-1)?.status).toBe(0);
  });

  it('truncates the body after the headers', async () => {
    const { emu, session } = await start({ truncateRate: 1 });
    const response = await apiGet(emu, session, monitorPath('Sessions', { $filter: FILTER }));
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
    expect(emu.stats().injected.truncate).toBe(1);
  });

  it('delays slow responses', async () => {
    const { emu, session } = await start({ slowRate: 1, slowMs: 300 });
    const t0 = performance.now();
    expect((await apiGet(emu, session, '/monitorodata/Users?$top=1')).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    expect(emu.stats().injected.slow).toBe(1);
  });

  it('expires tokens early after N uses although expires_in said otherwise', async () => {
    const { emu, session } = await start({ earlyTokenExpiry: true, earlyTokenExpiryAfterRequests: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await apiGet(emu, session, '/monitorodata/Users?$top=1')).status);
    expect(statuses).toEqual([200, 200, 401]);
    const fresh = await login(emu);
    expect((await apiGet(emu, fresh, '/monitorodata/Users?$top=1')).status).toBe(200);
    expect(emu.stats().injected.earlyTokenExpiry).toBe(1);
  });

  it('defaults early expiry to 3 uses', async () => {
    const { emu, session } = await start({ earlyTokenExpiry: true });
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await apiGet(emu, session, '/monitorodata/Users?$top=1')).status);
    expect(statuses).toEqual([200, 200, 200, 401]);
  });

  it('points the first page nextLink at a foreign origin', async () => {
    const { emu, session } = await start({ foreignNextLink: 'http://127.0.0.1:5555' });
    const first = await getJson(emu, session, monitorPath('Sessions', { $filter: FILTER }));
    const link = new URL(first.body['@odata.nextLink'] ?? '');
    expect(link.origin).toBe('http://127.0.0.1:5555');
    const second = await getJson(emu, session, `${emu.url}${link.pathname}${link.search}`);
    expect(second.status).toBe(200);
    expect(new URL(second.body['@odata.nextLink'] ?? '').origin).toBe(emu.url);
    expect(emu.stats().injected.foreignNextLink).toBe(1);
  });

  it('fails chosen entities with 500 and leaves the others alone', async () => {
    const { emu, session } = await start({ failEntity: ['Machines', 'users'] });
    expect((await apiGet(emu, session, '/monitorodata/Machines')).status).toBe(500);
    expect((await apiGet(emu, session, '/casodata/users?year=2024&month=08&day=05')).status).toBe(500);
    expect((await apiGet(emu, session, '/monitorodata/Users')).status).toBe(200);
    expect((await apiGet(emu, session, '/casodata/machines?year=2024&month=08&day=05')).status).toBe(200);
    expect(emu.stats().injected.failEntity).toBe(2);
  });

  it('answers 403 naming the missing permission when forbidden', async () => {
    const { emu, session } = await start({ forbidden: true });
    const response = await apiGet(emu, session, '/monitorodata/Sessions');
    expect(response.status).toBe(403);
    const body = (await response.json()) as { type: string; detail: string };
    expect(body.type).toBe('https://errors-api.cloud.com/common/authorization');
    expect(body.detail).toContain('Monitor.Read');
    emu.setFaults({});
    expect((await apiGet(emu, session, '/monitorodata/Sessions?$top=1')).status).toBe(200);
  });
});
