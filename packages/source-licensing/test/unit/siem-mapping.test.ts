/** Where the licensing streams (both license models') land in each SIEM: the tables the README names, and the log type. */
import { ManualClock, silentLogger } from '@ctxsiem/core';
import { dcrDeclaration, declarationProblems } from '@ctxsiem/sink-azure-monitor';
import { logTypeOf } from '@ctxsiem/sink-secops';
import { describe, expect, it } from 'vitest';
import { licensingSource, TENANT_FIELD } from '../../src/index.ts';

const source = licensingSource(
  {
    options: { type: 'licensing', licenseModel: 'both', telemetry: { location: 's3://uploads/telemetry' } },
    connection: {
      customerId: 'acme',
      clientId: 'id',
      clientSecret: 'secret',
      apiBase: 'https://api.example.com',
    },
  },
  { logger: silentLogger(), clock: new ManualClock(new Date('2026-03-15T00:30:00Z')) },
);

describe('the licensing streams in the SIEMs', () => {
  it('declare valid Azure Monitor streams and tables, TimeGenerated from the day they stand for', () => {
    const declaration = dcrDeclaration(
      source.streams.map((stream) => ({
        source: 'licensing',
        stream: stream.name,
        columns: stream.columns!,
        timeField: stream.cursorField,
        tenantField: TENANT_FIELD,
      })),
    );
    expect(declarationProblems(declaration)).toEqual([]);
    expect(Object.keys(declaration.tables)).toEqual([
      'CitrixLicensingUsage_CL',
      'CitrixLicensingHistory_CL',
      'CitrixLicensingConcurrentUsage_CL',
      'CitrixLicensingTelemetry_CL',
    ]);
    // TimeGenerated from each stream's own time (the rest of the transform is the sink's).
    expect(
      declaration.dataFlows.map((flow) => /todatetime\(\['(\w+)'\]\)/.exec(flow.transformKql)?.[1]),
    ).toEqual(['snapshotDate', 'asOf', 'snapshotDate', 'eventTime']);
    expect(declaration.tables.CitrixLicensingUsage_CL!.columns.map((c) => c.name)).toContain(TENANT_FIELD);
  });

  it('have no Google SecOps log type (CITRIX_LICENSING does not exist): a custom one must be named', () => {
    expect(() => logTypeOf({ source: 'licensing', stream: 'usage' }, {})).toThrow(
      /the licensing source has no SecOps log type/,
    );
    expect(logTypeOf({ source: 'licensing', stream: 'history' }, { licensing: 'CUSTOM_LICENSES' })).toBe(
      'CUSTOM_LICENSES',
    );
  });
});
