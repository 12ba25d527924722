/** Where System Log records land in each SIEM: a valid Azure stream and table, and SecOps' log type. */
import { ManualClock, silentLogger } from '@ctxsiem/core';
import { dcrDeclaration, declarationProblems } from '@ctxsiem/sink-azure-monitor';
import { logTypeOf } from '@ctxsiem/sink-secops';
import { describe, expect, it } from 'vitest';
import { systemLogSource, TENANT_FIELD } from '../../src/index.ts';

describe('System Log records in the SIEMs', () => {
  it('declare a valid Azure Monitor stream and table, TimeGenerated from utcTimestamp', async () => {
    const source = systemLogSource(
      {
        options: { type: 'systemlog' },
        connection: {
          customerId: 'acme',
          clientId: 'id',
          clientSecret: 's',
          apiBase: 'https://api.example.com',
        },
      },
      { logger: silentLogger(), clock: new ManualClock(0) },
    );
    const [stream] = source.streams;
    const declaration = dcrDeclaration([
      {
        source: 'systemlog',
        stream: stream!.name,
        columns: stream!.columns!,
        timeField: stream!.cursorField,
        tenantField: TENANT_FIELD,
      },
    ]);
    await source.close();
    expect(declarationProblems(declaration)).toEqual([]);
    expect(Object.keys(declaration.tables)).toEqual(['CitrixSystemlogRecords_CL']);
    expect(declaration.dataFlows[0]!.transformKql).toBe(
      "source | extend ctxsiem_event_time = todatetime(['utcTimestamp']) | extend TimeGenerated = iff(ctxsiem_event_time > ago(47h) and ctxsiem_event_time < now() + 23h, ctxsiem_event_time, now())",
    );
  });

  it('go to Google SecOps as CITRIX_MONITOR, as Google’s own script sends them', () => {
    expect(logTypeOf({ source: 'systemlog', stream: 'records' }, {})).toBe('CITRIX_MONITOR');
    expect(logTypeOf({ source: 'systemlog', stream: 'records' }, { systemlog: 'CITRIX_AUDIT' })).toBe(
      'CITRIX_AUDIT',
    );
  });
});
