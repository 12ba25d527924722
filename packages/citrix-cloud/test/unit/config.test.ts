import { ConfigError, parseConfig } from '@ctxsiem/core';
import { describe, expect, it } from 'vitest';
import { CITRIX_REGIONS, CitrixCloudConfigSchema, OriginGuard, resolveEndpoints } from '../../src/index.ts';

const credentials = { customerId: 'acme', clientId: 'id', clientSecret: 'secret-value' };

describe('CitrixCloudConfigSchema', () => {
  it('fills the documented defaults', () => {
    expect(CitrixCloudConfigSchema.parse(credentials)).toEqual({
      ...credentials,
      region: 'global',
      requestTimeoutMs: 60_000,
      maxAttempts: 6,
      maxResponseBytes: 64 * 1024 * 1024,
      backoff: { baseMs: 500, maxMs: 30_000 },
      refreshSkewSeconds: 300,
    });
    expect(CitrixCloudConfigSchema.parse({ ...credentials, backoff: { maxMs: 1000 } }).backoff).toEqual({
      baseMs: 500,
      maxMs: 1000,
    });
  });

  it.each([
    ['global', 'https://api.cloud.com'],
    ['us', 'https://api-us.cloud.com'],
    ['eu', 'https://api-eu.cloud.com'],
    ['ap-s', 'https://api-ap-s.cloud.com'],
    ['jp', 'https://api.citrixcloud.jp'],
  ] as const)('region %s → %s with the token endpoint under it', (region, base) => {
    expect(CITRIX_REGIONS[region]).toBe(base);
    const endpoints = resolveEndpoints(CitrixCloudConfigSchema.parse({ ...credentials, region }));
    expect(endpoints.apiOrigin).toBe(base);
    expect(endpoints.apiBase.href).toBe(`${base}/`);
    expect(endpoints.tokenUrl.href).toBe(`${base}/cctrustoauth2/acme/tokens/clients`);
  });

  it('apiBase wins over region; tokenUrl overrides the token endpoint', () => {
    const endpoints = resolveEndpoints(
      CitrixCloudConfigSchema.parse({
        ...credentials,
        region: 'eu',
        apiBase: 'http://127.0.0.1:8080/prefix',
        tokenUrl: 'https://trust.citrixworkspacesapi.us/acme/tokens/clients',
      }),
    );
    expect(endpoints.apiBase.href).toBe('http://127.0.0.1:8080/prefix/');
    expect(endpoints.apiOrigin).toBe('http://127.0.0.1:8080');
    expect(endpoints.tokenUrl.href).toBe('https://trust.citrixworkspacesapi.us/acme/tokens/clients');
    // Paths join under a base path.
    expect(new OriginGuard(endpoints.apiBase).resolve('/monitorodata/Sessions').href).toBe(
      'http://127.0.0.1:8080/prefix/monitorodata/Sessions',
    );
  });

  it('names every bad field', () => {
    const error = (() => {
      try {
        parseConfig('citrix-cloud', CitrixCloudConfigSchema, {
          customerId: 'acme',
          region: 'mars',
          apiBase: 'ftp://x',
          maxAttempts: 0,
          maxResponseBytes: 100,
        });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.path).sort()).toEqual(
      ['apiBase', 'clientId', 'clientSecret', 'maxAttempts', 'maxResponseBytes', 'region'].sort(),
    );
  });
});
