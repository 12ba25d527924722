import { describe, expect, it } from 'vitest';
import { NETWORK_ERROR_CODES, probeObject } from '../src/index.ts';

describe('probeObject', () => {
  it('names a random JSON object under the prefix, with {tenant} as _probe', () => {
    const at = new Date('2024-08-06T07:00:00Z');
    const probe = probeObject('/citrix_monitor/{tenant}/', at);
    expect(probe.key).toMatch(/^citrix_monitor\/_probe\/_ctxsiem-probe-[0-9a-f]{12}\.json$/);
    expect(probe.body).toBe('{"probe":"ctxsiem","at":"2024-08-06T07:00:00.000Z"}\n');
    expect(probeObject('citrix_monitor').key).not.toBe(probeObject('citrix_monitor').key);
  });

  it('lies at the bucket root without a prefix', () => {
    expect(probeObject(undefined).key).toMatch(/^_ctxsiem-probe-[0-9a-f]{12}\.json$/);
    expect(probeObject('').key).toMatch(/^_ctxsiem-probe-[0-9a-f]{12}\.json$/);
  });
});

describe('NETWORK_ERROR_CODES', () => {
  it('holds the socket and DNS failures of Node and undici, not HTTP answers', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'UND_ERR_SOCKET']) {
      expect(NETWORK_ERROR_CODES.has(code)).toBe(true);
    }
    for (const code of ['AccessDenied', '503', 'TimeoutError'])
      expect(NETWORK_ERROR_CODES.has(code)).toBe(false);
  });
});
