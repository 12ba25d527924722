import { ConfigError, ManualClock, type SourceDeps, silentLogger } from '@ctxsiem/core';
import { describe, expect, it } from 'vitest';
import { LicensingOptionsSchema } from '../../src/config.ts';
import { licensingConnector } from '../../src/connector.ts';

const deps: SourceDeps = {
  logger: silentLogger(),
  clock: new ManualClock(0),
  tenant: { customerId: 'acme', clientId: 'id', clientSecret: 'secret' },
};

describe('licensing options', () => {
  it('fills the defaults: both streams, a day due 15 minutes after it ends', () => {
    expect(LicensingOptionsSchema.parse({ type: 'licensing' })).toEqual({
      type: 'licensing',
      streams: ['usage', 'history'],
      lagMinutes: 15,
    });
    expect(LicensingOptionsSchema.parse({ type: 'licensing', streams: 'history' }).streams).toEqual([
      'history',
    ]);
  });

  it('names the bad field', async () => {
    await expect(licensingConnector.build({ type: 'licensing', streams: ['seats'] }, deps)).rejects.toThrow(
      ConfigError,
    );
    await expect(licensingConnector.build({ type: 'licensing', streams: ['seats'] }, deps)).rejects.toThrow(
      /streams\[0\]: must be one of usage, history/,
    );
    await expect(licensingConnector.build({ type: 'licensing', lagMinutes: -1 }, deps)).rejects.toThrow(
      /lagMinutes/,
    );
  });

  it('reads its section from the environment', () => {
    expect(licensingConnector.env?.read({ LICENSING_STREAMS: 'usage', LAG_MINUTES: '30' })).toEqual({
      streams: 'usage',
      lagMinutes: 30,
    });
  });
});
