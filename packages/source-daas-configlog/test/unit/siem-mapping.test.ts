/**
 * Where DaaS operations and sessions land in each SIEM: Microsoft's `CitrixDaaSConfigOps_CL` and
 * `CitrixDaaSSessions_CL` (their columns, in their order, from the same transforms), and SecOps' log type.
 */
import { readFileSync } from 'node:fs';
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

/** A stream of the source, as a deployment builds it. */
async function streamOf(name: string) {
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
  await source.close();
  return source.streams.find((s) => s.name === name)!;
}

/** The data collection rule `ctxsiem azure dcr` declares for one stream. */
async function declarationOf(name: string) {
  const stream = await streamOf(name);
  return dcrDeclaration([
    {
      source: 'daasconfiglog',
      stream: stream.name,
      columns: stream.columns!,
      timeField: stream.cursorField,
      tenantField: TENANT_FIELD,
      table: stream.azureTable,
    },
  ]);
}

describe('DaaS operations in the SIEMs', () => {
  it('fill Microsoft’s CitrixDaaSConfigOps_CL: its columns first, the customer from the tenant field', async () => {
    const declaration = await declarationOf('operations');
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

/** Microsoft's table, stream declaration and transform for sessions, copied with their source. */
const SESSIONS = JSON.parse(
  readFileSync(new URL('../fixtures/citrix-daas-sessions-table.json', import.meta.url), 'utf8'),
) as {
  table: { name: string; columns: { name: string; type: string }[] };
  streamDeclaration: { columns: { name: string; type: string }[] };
  transformKql: string;
};

describe('DaaS sessions in the SIEMs', () => {
  it('fill Microsoft’s CitrixDaaSSessions_CL: its columns first, from its transform, the customer from the tenant field', async () => {
    const stream = await streamOf('daasSessions');
    const declaration = await declarationOf('daasSessions');
    expect(declarationProblems(declaration)).toEqual([]);
    const table = declaration.tables[SESSIONS.table.name]!;
    expect(
      table.columns.slice(0, SESSIONS.table.columns.length).map((c) => ({ name: c.name, type: c.type })),
    ).toEqual(SESSIONS.table.columns);
    // Every field Microsoft's transform reads is a field of our records (its customer id: our tenant field).
    const ours = new Map(stream.columns!.map((c) => [c.name, c.type]));
    for (const column of SESSIONS.streamDeclaration.columns)
      if (column.name !== 'CitrixCustomerId') expect(ours.get(column.name), column.name).toBe(column.type);
    const [flow] = declaration.dataFlows;
    expect(flow!.transformKql).toContain(`CitrixCustomerId = ['${TENANT_FIELD}']`);
    // Microsoft's assignments, each in ours.
    for (const assignment of [
      "SessionId = ['Id']",
      "UserName = ['UntrustedUserName']",
      'ConnectionProtocol = tostring(Connection.Protocol)',
      'ConnectedViaIp = tostring(Connection.ConnectedViaIP)',
      'ClientIpAddress = tostring(Client.IPAddress)',
      'ClientName = tostring(Client.Name)',
      'TimeGenerated = iff(isnotempty(FormattedStartTime), todatetime(FormattedStartTime), now())',
    ]) {
      expect(SESSIONS.transformKql).toContain(assignment);
      expect(flow!.transformKql).toContain(assignment);
    }
    const projected = flow!.transformKql
      .split('| project ')[1]!
      .split(',')
      .map((name) => name.trim());
    expect(projected).toEqual(table.columns.map((c) => c.name));
    expect(projected.slice(0, SESSIONS.table.columns.length)).toEqual(
      SESSIONS.transformKql
        .split('| project ')[1]!
        .split(',')
        .map((name) => name.trim()),
    );
  });
});
