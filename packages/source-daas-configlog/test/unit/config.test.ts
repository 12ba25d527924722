import { ConfigError, ManualClock, type SourceDeps, silentLogger } from '@ctxsiem/core';
import { describe, expect, it } from 'vitest';
import { DaasConfigLogOptionsSchema } from '../../src/config.ts';
import { daasConfigLogConnector } from '../../src/connector.ts';
import {
  daasConfigLogSource,
  decodeResume,
  encodeResume,
  operationIdentity,
  SESSION_WINDOW_MS,
  sessionWindowSearch,
} from '../../src/index.ts';
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
      lowLevelPerWindow: 250,
      sessionsLagMinutes: 2,
    });
  });

  it('collects both streams unless told which: operations by the hour, sessions by the quarter hour', async () => {
    const source = daasConfigLogSource(
      { options: { type: 'daasconfiglog' }, connection: { ...deps.tenant, region: 'global' } },
      { logger: silentLogger(), clock: new ManualClock(0) },
    );
    expect(source.streams.map((s) => [s.name, s.cursorField, s.window.maxWindowMs, s.window.lagMs])).toEqual([
      ['operations', 'FormattedStartTime', 3_600_000, 600_000],
      ['daasSessions', 'FormattedStateChangeTime', SESSION_WINDOW_MS, 120_000],
    ]);
    await source.close();
    const only = daasConfigLogSource(
      {
        options: { type: 'daasconfiglog', streams: ['daasSessions'] },
        connection: { ...deps.tenant, region: 'global' },
      },
      { logger: silentLogger(), clock: new ManualClock(0) },
    );
    expect(only.streams.map((s) => s.name)).toEqual(['daasSessions']);
    await only.close();
  });

  it('names the bad field', async () => {
    const build = (options: Record<string, unknown>) =>
      daasConfigLogConnector.build({ type: 'daasconfiglog', ...options }, deps);
    await expect(build({ pageSize: 1001 })).rejects.toThrow(ConfigError);
    await expect(build({ pageSize: 1001 })).rejects.toThrow(/pageSize/);
    await expect(build({ siteId: '' })).rejects.toThrow(/siteId/);
    await expect(build({ streams: ['machines'] })).rejects.toThrow(/streams/);
    await expect(build({ lowLevelPerWindow: -1 })).rejects.toThrow(/lowLevelPerWindow/);
  });

  it('reads its section from the environment', () => {
    expect(daasConfigLogConnector.env?.read({ DAAS_SITE_ID: 'site-1', DAAS_PAGE_SIZE: '500' })).toEqual({
      siteId: 'site-1',
      pageSize: 500,
    });
    expect(
      daasConfigLogConnector.env?.read({
        DAAS_STREAMS: 'daasSessions',
        DAAS_LOW_LEVEL_PER_WINDOW: '0',
        DAAS_SESSIONS_LAG_MINUTES: '5',
      }),
    ).toEqual({ streams: 'daasSessions', lowLevelPerWindow: 0, sessionsLagMinutes: 5 });
  });

  it('asks for the sessions whose state changed in the window, as Microsoft’s connector does', () => {
    // CitrixDaaS_PollingConfig.json's queryParametersTemplate for Sessions/$search.
    expect(
      sessionWindowSearch({ from: new Date('2026-03-14T08:00:00Z'), to: new Date('2026-03-14T08:15:00Z') }),
    ).toEqual({
      SearchFilters: [
        {
          Property: 'SessionStateChangeTime',
          Value: '2026-03-14T08:00:00Z',
          Operator: 'GreaterThanOrEquals',
        },
        { Property: 'SessionStateChangeTime', Value: '2026-03-14T08:15:00Z', Operator: 'LessThan' },
      ],
    });
  });

  it('knows an operation by its own fields, whatever its low-level operations; resumes with the count', () => {
    const operation = { Id: 'op-1', Text: 'Remove Application', FormattedStartTime: '2026-03-14T08:00:00Z' };
    expect(
      operationIdentity({
        ...operation,
        LowLevelOperations: [{ Id: 'x' }],
        LowLevelOperationsStatus: 'complete',
      }),
    ).toEqual(
      operationIdentity({ ...operation, LowLevelOperations: null, LowLevelOperationsStatus: 'capped' }),
    );
    expect(operationIdentity({ ...operation, FormattedEndTime: '2026-03-14T08:01:00Z' })).not.toEqual(
      operationIdentity(operation),
    );
    expect(decodeResume(encodeResume('+RID:~abc==', 7))).toEqual({ token: '+RID:~abc==', fetched: 7 });
    // A checkpoint of an earlier version holds the bare continuation token.
    expect(decodeResume('+RID:~abc==')).toEqual({ token: '+RID:~abc==', fetched: 0 });
    expect(decodeResume(undefined)).toEqual({ token: undefined, fetched: 0 });
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
