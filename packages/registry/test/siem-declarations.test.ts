/**
 * What sinks declare in their SIEM, read through the registry (`siemDeclarations`): exactly what the
 * sink packages' own functions give, so `ctxsiem azure dcr` and Terraform, which read it here, are
 * unchanged by no longer importing the sinks.
 */
import { dcrDeclaration } from '@ctxsiem/sink-azure-monitor';
import { chronicleLocation, isSecOpsRegion, logTypeOf, REGION_MESSAGE } from '@ctxsiem/sink-secops';
import { describe, expect, it } from 'vitest';
import { type SiemDeclarationKey, siemDeclarations } from '../src/index.ts';

const streams = [
  {
    source: 'monitor',
    stream: 'Sessions',
    columns: [
      { name: 'SessionKey', type: 'string' as const },
      { name: 'ModifiedDate', type: 'datetime' as const },
    ],
    timeField: 'ModifiedDate',
    tenantField: 'ctxsiem_tenant',
  },
];

describe('siemDeclarations', () => {
  it('gives the Azure sink’s DCR and tables, named by the sink config as the sink names them', () => {
    const azure = siemDeclarations('azureDcr');
    expect(azure.dcr(streams)).toEqual(dcrDeclaration(streams, { streams: {} }));
    const sink = {
      streams: { monitor: 'Custom-Sessions' },
      sentinelTables: 'legacy' as const,
      recordIdColumn: 'Id2',
    };
    const declaration = azure.dcr(streams, sink);
    expect(declaration).toEqual(dcrDeclaration(streams, sink));
    expect(Object.keys(declaration.streamDeclarations)).toEqual(['Custom-Sessions']);
    expect(declaration.tables.Sessions_CL?.columns.map((c) => c.name)).toContain('Id2');
    expect(azure.problems(declaration)).toEqual([]);
  });

  it('gives the SecOps sink’s log types and feed settings', () => {
    const secops = siemDeclarations('secops');
    expect(secops.logTypeOf({ source: 'monitor', stream: 'Sessions' }, {})).toBe(
      logTypeOf({ source: 'monitor', stream: 'Sessions' }, {}),
    );
    expect(secops.logTypeOf({ source: 'licensing', stream: 'usage' }, { licensing: 'MY_TYPE' })).toBe(
      'MY_TYPE',
    );
    expect(secops.sourcesWithoutLogType(['monitor', 'licensing', 'daasconfiglog'], {})).toEqual([
      'licensing',
      'daasconfiglog',
    ]);
    expect(secops.noLogTypeMessage('licensing')).toMatch(/no SecOps log type/);
    expect(secops.feedLocation('europe')).toBe(chronicleLocation('europe'));
    expect(secops.feedLocation('europe')).toBe('eu');
    expect(secops.isRegion('mars')).toBe(isSecOpsRegion('mars'));
    expect(secops.regionMessage).toBe(REGION_MESSAGE);
  });

  it('refuses a declaration no installed sink has', () => {
    expect(() => siemDeclarations('splunk' as SiemDeclarationKey)).toThrow(
      /no installed sink declares "splunk"/,
    );
  });
});
