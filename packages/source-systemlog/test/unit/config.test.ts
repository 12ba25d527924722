import { ConfigError, ManualClock, type SourceDeps, silentLogger } from '@ctxsiem/core';
import { describe, expect, it } from 'vitest';
import { SystemLogOptionsSchema } from '../../src/config.ts';
import { systemLogConnector } from '../../src/connector.ts';
import { systemLogSource } from '../../src/index.ts';
import { camelCaseRecord } from '../../src/stream.ts';

const deps: SourceDeps = {
  logger: silentLogger(),
  clock: new ManualClock(0),
  tenant: { customerId: 'acme', clientId: 'id', clientSecret: 'secret' },
};

describe('System Log options', () => {
  it('fills the defaults: 200 records a page, an hour due 10 minutes after it ends', () => {
    expect(SystemLogOptionsSchema.parse({ type: 'systemlog' })).toEqual({
      type: 'systemlog',
      pageSize: 200,
      lagMinutes: 10,
    });
  });

  it('names the bad field', async () => {
    await expect(systemLogConnector.build({ type: 'systemlog', pageSize: 500 }, deps)).rejects.toThrow(
      ConfigError,
    );
    await expect(systemLogConnector.build({ type: 'systemlog', pageSize: 500 }, deps)).rejects.toThrow(
      /pageSize/,
    );
    await expect(systemLogConnector.build({ type: 'systemlog', lagMinutes: -1 }, deps)).rejects.toThrow(
      /lagMinutes/,
    );
  });

  it('reads its section from the environment', () => {
    expect(systemLogConnector.env?.read({ SYSTEMLOG_PAGE_SIZE: '100', LAG_MINUTES: '30' })).toEqual({
      pageSize: 100,
      lagMinutes: 30,
    });
  });

  it('talks to the tenant’s region: Japan’s API gateway for a Japanese tenant, token included', async () => {
    const source = systemLogSource(
      { options: { type: 'systemlog' }, connection: { ...deps.tenant, region: 'jp' } },
      { logger: silentLogger(), clock: new ManualClock(0) },
    );
    expect(source.client.apiOrigin).toBe('https://api.citrixcloud.jp');
    expect(source.client.tokens.tokenUrl.href).toBe(
      'https://api.citrixcloud.jp/cctrustoauth2/acme/tokens/clients',
    );
    await source.close();
  });

  it('delivers records in camelCase whatever case the service answered in', () => {
    expect(
      camelCaseRecord({ RecordId: '1', UtcTimestamp: 't', eventType: 'e', Message: { 'en-US': 'x' } }),
    ).toEqual({
      recordId: '1',
      utcTimestamp: 't',
      eventType: 'e',
      message: { 'en-US': 'x' },
    });
  });
});
