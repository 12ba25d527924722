import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, type EmulatorOptions, startEmulator } from '../src/index.ts';
import { apiGet, login } from './emulator-client.ts';

const NOW = Date.UTC(2024, 7, 6, 12, 30);
const customers = [
  { customerId: 'demo', clientId: 'demo', clientSecret: 'demo' },
  { customerId: 'acme', clientId: 'acme', clientSecret: 'acme' },
];

describe('single-flight per customer', () => {
  let emulator: Emulator | undefined;
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });

  // Requests sent together overlap for as long as the latency: a second, so a loaded machine's slower
  // turns cannot make them sequential.
  const start = async (options: EmulatorOptions) => {
    emulator = await startEmulator({ now: () => NOW, latencyMs: 1_000, customers, ...options });
    return emulator;
  };

  it('rejects a concurrent request of the same customer with the documented 429: retryDelay, no Retry-After', async () => {
    const emu = await start({});
    const session = await login(emu);
    const [a, b] = await Promise.all([
      apiGet(emu, session, '/monitorodata/Users?$top=1'),
      apiGet(emu, session, '/casodata/sessions?year=2024&month=08&day=05&hour=3'),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([200, 429]);
    const rejected = a.status === 429 ? a : b;
    expect(rejected.headers.get('retry-after')).toBeNull();
    expect(await rejected.json()).toEqual({
      type: 'https://errors-api.cloud.com/common/rateLimitExceeded',
      detail: 'Rate limit exceeded; try again in 1 seconds',
      parameters: [{ name: 'retryDelay', value: '1' }],
    });
    const stats = emu.stats();
    expect(stats.rejectedConcurrent).toBe(1);
    expect(stats.maxConcurrentPerCustomer).toBe(2);
  });

  it('gives no retry delay when configured with null', async () => {
    const emu = await start({ singleFlight: { enabled: true, retryAfterSeconds: null } });
    const session = await login(emu);
    const responses = await Promise.all(
      [1, 2, 3].map(() => apiGet(emu, session, '/monitorodata/Users?$top=1')),
    );
    const rejected = responses.filter((r) => r.status === 429);
    expect(rejected).toHaveLength(2);
    for (const r of rejected) {
      expect(r.headers.get('retry-after')).toBeNull();
      expect(((await r.json()) as { parameters?: unknown }).parameters).toBeUndefined();
    }
    expect(emu.stats().maxConcurrentPerCustomer).toBeGreaterThanOrEqual(2);
  });

  it('sends Retry-After as well when asked to', async () => {
    const emu = await start({
      singleFlight: { enabled: true, retryAfterSeconds: 2, retryAfterHeader: true },
    });
    const session = await login(emu);
    const responses = await Promise.all([1, 2].map(() => apiGet(emu, session, '/monitorodata/Users?$top=1')));
    const rejected = responses.find((r) => r.status === 429);
    if (!rejected) throw new Error(`no 429 among ${responses.map((r) => r.status).join(', ')}`);
    expect(rejected.headers.get('retry-after')).toBe('2');
    expect(((await rejected.json()) as { parameters: unknown }).parameters).toEqual([
      { name: 'retryDelay', value: '2' },
    ]);
  });

  it('lets sequential requests through and isolates customers', async () => {
    const emu = await start({});
    const demo = await login(emu, 'demo');
    const acme = await login(emu, 'acme');
    expect((await apiGet(emu, demo, '/monitorodata/Users?$top=1')).status).toBe(200);
    expect((await apiGet(emu, demo, '/monitorodata/Users?$top=1')).status).toBe(200);
    const both = await Promise.all([
      apiGet(emu, demo, '/monitorodata/Users'),
      apiGet(emu, acme, '/monitorodata/Users'),
    ]);
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    expect(emu.stats().maxConcurrentPerCustomer).toBe(1);
    expect(emu.stats().rejectedConcurrent).toBe(0);
  });

  it('still records concurrency when single-flight is disabled', async () => {
    const emu = await start({ singleFlight: { enabled: false, retryAfterSeconds: null } });
    const session = await login(emu);
    const both = await Promise.all([
      apiGet(emu, session, '/monitorodata/Users'),
      apiGet(emu, session, '/monitorodata/Users'),
    ]);
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    expect(emu.stats().maxConcurrentPerCustomer).toBe(2);
  });

  it('applies latency to API responses but not to OAuth', async () => {
    // A latency long enough that a login it delayed cannot pass for a slow machine's.
    const emu = await start({ latencyMs: 4_000 });
    let t0 = performance.now();
    const session = await login(emu);
    expect(performance.now() - t0).toBeLessThan(2_000);
    t0 = performance.now();
    await apiGet(emu, session, '/monitorodata/Users?$top=1');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(3_990);
  });
});
