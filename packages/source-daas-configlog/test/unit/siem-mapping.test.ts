/**
 * Where DaaS operations land in each SIEM: Microsoft's `CitrixDaaSConfigOps_CL` (its columns, in its
 * order, from the same transform), and SecOps' log type.
 */
import { ManualClock, silentLogger } from '@ctxsiem/core';
import { dcrDeclaration, declarationProblems } from '@ctxsiem/sink-azure-monitor';
import { logTypeOf } from '@ctxsiem/sink-secops';
import { describe, expect, it } from 'vitest';
import { daasConfigLogSource, TENANT_FIELD } from '../../src/index.ts';

/** The table Microsoft's Citrix DaaS solution declares (CitrixDaaS_table_ConfigOps.json). */
const MICROSOFT_COLUMNS = [
  ['TimeGenerated', 'datetime'],
  ['OperationId', 'string'],
  ['OperationText', 'string'],
  ['User', 'string'],
  ['UserIdentity', 'string'],
  ['Source', 'string'],
  ['AdminMachineIp', 'string'],
  ['StartTime', 'datetime'],
  ['EndTime', 'datetime'],
  ['IsSuccessful', 'boolean'],
  ['OperationType', 'string'],
  ['CitrixCustomerId', 'string'],
];

describe('DaaS operations in the SIEMs', () => {
  it('fill Microsoft’s CitrixDaaSConfigOps_CL: its columns first, the customer from the tenant field', async () => {
    const source = daasConfigLogSource(
      {
        options: { type: 'daasconfiglog' },
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
    await source.close();
    const declaration = dcrDeclaration([
      {
        source: 'daasconfiglog',
        stream: stream!.name,
        columns: stream!.columns!,
        timeField: stream!.cursorField,
        tenantField: TENANT_FIELD,
        table: stream!.azureTable,
      },
    ]);
    expect(declarationProblems(declaration)).toEqual([]);
    const table = declaration.tables.CitrixDaaSConfigOps_CL!;
    expect(table.columns.slice(0, MICROSOFT_COLUMNS.length).map((c) => [c.name, c.type])).toEqual(
      MICROSOFT_COLUMNS,
    );
    const [flow] = declaration.dataFlows;
    expect(flow!.outputStream).toBe('Custom-CitrixDaaSConfigOps_CL');
    expect(flow!.transformKql).toContain(`CitrixCustomerId = ['${TENANT_FIELD}']`);
    expect(flow!.transformKql).toContain('TimeGenerated = iff(isnotempty(FormattedEndTime)');
    // Every column the transform projects is one the table has.
    const projected = flow!.transformKql
      .split('| project ')[1]!
      .split(',')
      .map((name) => name.trim());
    expect(projected).toEqual(table.columns.map((c) => c.name));
    expect(
      declaration.streamDeclarations['Custom-CitrixDaaSConfigOps']!.columns.map((c) => c.name),
    ).toContain('FormattedStartTime');
  });

  it('have no Google SecOps log type (CITRIX_DAASCONFIGLOG does not exist): a custom one must be named', () => {
    expect(() => logTypeOf({ source: 'daasconfiglog', stream: 'operations' }, {})).toThrow(
      /the daasconfiglog source has no SecOps log type/,
    );
    expect(
      logTypeOf({ source: 'daasconfiglog', stream: 'operations' }, { daasconfiglog: 'CITRIX_DAAS_CONFIG' }),
    ).toBe('CITRIX_DAAS_CONFIG');
  });
});
