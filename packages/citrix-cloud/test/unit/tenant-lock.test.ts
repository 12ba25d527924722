import { afterEach, describe, expect, it } from 'vitest';
import { delay, type FakeCitrix, sendJson, sendODataError } from '../support/fake-citrix.ts';
import { rejectionOf, testResources } from '../support/test-client.ts';

const resources = testResources();
const fakeCitrix = resources.fakeCitrix;
afterEach(resources.close);

const client = (fake: FakeCitrix, customerId = 'acme') => resources.client(fake, { customerId });

describe('one in-flight request per tenant', () => {
  it('two clients of the same tenant firing 5 requests each never overlap', async () => {
    const fake = await fakeCitrix({
      api: async ({ res, url }) => {
        await delay(15);
        sendJson(res, 200, { value: [{ n: url.searchParams.get('n') }] });
      },
    });
    const a = client(fake);
    const b = client(fake);
    const calls = [a, b].flatMap((c, ci) =>
      Array.from({ length: 5 }, (_, i) =>
        c.getJson<{ value: Array<{ n: string }> }>(`monitorodata/Sessions?n=${ci}-${i}`),
      ),
    );
    const results = await Promise.all(calls);
    expect(results.map((r) => r.value[0]?.n)).toEqual(
      [0, 1].flatMap((ci) => Array.from({ length: 5 }, (_, i) => `${ci}-${i}`)),
    );
    expect(fake.apiRequests).toHaveLength(10);
    expect(fake.maxConcurrentApi).toBe(1);
  });

  it('different tenants may run at the same time', async () => {
    const fake = await fakeCitrix({
      api: async ({ res }) => {
        await delay(100);
        sendJson(res, 200, { value: [] });
      },
    });
    const acme = client(fake, 'acme');
    const beta = client(fake, 'beta');
    await Promise.all([acme.getJson('monitorodata/Sessions'), beta.getJson('monitorodata/Sessions')]);
    expect(fake.maxConcurrentApi).toBe(2);
    expect(new Set(fake.apiRequests.map((r) => r.headers['citrix-customerid']))).toEqual(
      new Set(['acme', 'beta']),
    );
  });

  it('holds the lock through backoff waits, so a throttled tenant backs off as a whole', async () => {
    const fake = await fakeCitrix({
      api: async ({ res, url, index }) => {
        if (index === 0) return sendODataError(res, 429, 'Too many requests');
        sendJson(res, 200, { value: [{ who: url.searchParams.get('who') }] });
      },
    });
    const a = client(fake);
    const b = client(fake);
    const first = a.getJson('monitorodata/Sessions?who=a');
    await delay(1); // a is queued first
    await Promise.all([first, b.getJson('monitorodata/Sessions?who=b')]);
    expect(fake.apiRequests.map((r) => new URL(r.url, fake.url).searchParams.get('who'))).toEqual([
      'a',
      'a',
      'b',
    ]);
  });

  it('a caller waiting for the lock can give up through its signal without sending anything', async () => {
    const fake = await fakeCitrix({
      api: async ({ res }) => {
        await delay(200);
        sendJson(res, 200, { value: [] });
      },
    });
    const a = client(fake);
    const b = client(fake);
    const slow = a.getJson('monitorodata/Sessions?who=a');
    await delay(1);
    const error = await rejectionOf(
      b.getJson('monitorodata/Sessions?who=b', { signal: AbortSignal.timeout(50) }),
    );
    expect((error as Error).name).toBe('TimeoutError');
    await slow;
    // The lock is free again afterwards.
    await b.getJson('monitorodata/Sessions?who=b2');
    expect(fake.apiRequests.map((r) => r.url)).toEqual([
      '/monitorodata/Sessions?who=a',
      '/monitorodata/Sessions?who=b2',
    ]);
  });
});
