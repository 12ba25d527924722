import { ConfigError, ManualClock, type SourceDeps, silentLogger } from '@ctxsiem/core';
import { describe, expect, it } from 'vitest';
import { DaasConfigLogOptionsSchema } from '../../src/config.ts';
import { daasConfigLogConnector } from '../../src/connector.ts';
import { daasConfigLogSource } from '../../src/index.ts';
import { windowSearch } from '../../src/stream.ts';

const deps: SourceDeps = {
  logger: silentLogger(),
  clock: new ManualClock(0),
  tenant: { customerId: 'acme', clientId: 'id', clientSecret: 'secret' },
};

describe('DaaS configuration log options', () => {
  it('fills the defaults: the customer’s site, 1000 operations a page, an hour due 10 minutes after it ends', () => {
    expect(DaasConfigLogOptionsSchema.parse({ type: 'daasconfiglog' })).toEqual({
      type: 'daasconfiglog',
      pageSize: 1000,
      lagMinutes: 10,
    });
  });

  it('names the bad field', async () => {
    const build = (options: Record<string, unknown>) =>
      daasConfigLogConnector.build({ type: 'daasconfiglog', ...options }, deps);
    await expect(build({ pageSize: 1001 })).rejects.toThrow(ConfigError);
    await expect(build({ pageSize: 1001 })).rejects.toThrow(/pageSize/);
    await expect(build({ siteId: '' })).rejects.toThrow(/siteId/);
  });

  it('reads its section from the environment', () => {
    expect(daasConfigLogConnector.env?.read({ DAAS_SITE_ID: 'site-1', DAAS_PAGE_SIZE: '500' })).toEqual({
      siteId: 'site-1',
      pageSize: 500,
    });
  });

  it('asks for the operations that started in the window, as Microsoft’s connector does', () => {
    expect(
      windowSearch({ from: new Date('2026-03-14T08:00:00Z'), to: new Date('2026-03-14T09:00:00Z') }),
    ).toEqual({
      SearchFilters: [
        { Property: 'StartTime', Value: '2026-03-14T08:00:00Z', Operator: 'GreaterThanOrEquals' },
        { Property: 'StartTime', Value: '2026-03-14T09:00:00Z', Operator: 'LessThan' },
      ],
    });
  });

  it('talks to Japan’s API gateway for a Japanese tenant, token included', async () => {
    const source = daasConfigLogSource(
      { options: { type: 'daasconfiglog' }, connection: { ...deps.tenant, region: 'jp' } },
      { logger: silentLogger(), clock: new ManualClock(0) },
    );
    expect(source.client.apiOrigin).toBe('https://api.citrixcloud.jp');
    expect(source.client.tokens.tokenUrl.href).toBe(
      'https://api.citrixcloud.jp/cctrustoauth2/acme/tokens/clients',
    );
    await source.close();
  });
});
