import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.ts';

describe('rejectFilter fault', () => {
  let emulator: Emulator;
  let headers: Record<string, string>;
  beforeAll(async () => {
    emulator = await startEmulator({ faults: { rejectFilter: ['Applications'] } });
    const response = await fetch(`${emulator.url}/cctrustoauth2/demo/tokens/clients`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=demo&client_secret=demo',
    });
    const { access_token: token } = (await response.json()) as { access_token: string };
    headers = { authorization: `CwsAuth Bearer=${token}`, 'citrix-customerid': 'demo' };
  });
  afterAll(() => emulator.close());

  it('answers 400 to a filtered query on the listed set, and serves it unfiltered', async () => {
    const filtered = await fetch(
      `${emulator.url}/monitorodata/Applications?$filter=ModifiedDate%20ge%202024-01-01T00:00:00Z`,
      { headers },
    );
    expect(filtered.status).toBe(400);
    expect(((await filtered.json()) as { detail: string }).detail).toContain('$filter is not supported');
    const plain = await fetch(`${emulator.url}/monitorodata/Applications`, { headers });
    expect(plain.status).toBe(200);
    const other = await fetch(
      `${emulator.url}/monitorodata/Users?$filter=ModifiedDate%20ge%202024-01-01T00:00:00Z`,
      { headers },
    );
    expect(other.status).toBe(200);
    expect(emulator.stats().injected.rejectFilter).toBe(1);
  });
});
