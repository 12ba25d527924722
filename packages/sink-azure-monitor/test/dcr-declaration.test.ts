/**
 * The DCR and tables generated from the sources' own column lists: for every Monitor entity set (from
 * the service's `$metadata`) and every Analytics entity, valid by what Azure documents, with
 * `TimeGenerated` from each stream's cursor field.
 */
import { type PullStream, type Source, silentLogger, systemClock } from '@ctxsiem/core';
import { monitorModel as citrixModel } from '@ctxsiem/monitor-model';
import { analyticsSource } from '@ctxsiem/source-analytics';
import { monitorModel, monitorSource } from '@ctxsiem/source-monitor';
import { SENTINEL_STREAMS, TENANT_FIELD } from '@ctxsiem/source-sentinel';
import { describe, expect, it } from 'vitest';
import {
  AZURE_COLUMN_TYPES,
  CITRIX_ANALYTICS_CCF,
  CITRIX_ANALYTICS_LEGACY,
  type DcrStreamInput,
  dcrDeclaration,
  declarationProblems,
  isReservedColumn,
  MICROSOFT_DAAS_CONFIG_OPS,
  RECORD_ID_COLUMN,
  storedColumnName,
} from '../src/index.ts';

const connection = {
  customerId: 'acme',
  clientId: 'id',
  clientSecret: 'secret-value-1',
  apiBase: 'https://api.cloud.com',
};
const deps = { logger: silentLogger(), clock: systemClock };

function inputs(source: Source): DcrStreamInput[] {
  return source.streams.map((stream: PullStream) => {
    expect(stream.columns, `${source.type}/${stream.name} knows its columns`).toBeDefined();
    return {
      source: source.type,
      stream: stream.name,
      columns: stream.columns ?? [],
      timeField: stream.cursorField,
      tenantField: source.tenantField,
    };
  });
}

const monitor = monitorSource(
  { options: { type: 'monitor', entities: [...monitorModel().keys()] }, connection },
  deps,
);
const sentinelInputs = SENTINEL_STREAMS.map((stream) => ({
  source: 'sentinel',
  stream: stream.name,
  columns: stream.columns ?? [],
  timeField: stream.timeField,
  tenantField: TENANT_FIELD,
}));

describe('DCR and table declarations', () => {
  const analytics = analyticsSource(
    { options: { type: 'analytics', entities: ['sessions', 'machines', 'users'] }, connection },
    deps,
  );
  const declaration = dcrDeclaration([...inputs(monitor), ...inputs(analytics)]);

  it('declares every Monitor entity set and Analytics entity, valid by Azure’s rules', () => {
    expect(monitorModel().size).toBeGreaterThanOrEqual(11);
    expect(Object.keys(declaration.streamDeclarations)).toHaveLength(
      monitorModel().size + analytics.streams.length,
    );
    expect(declarationProblems(declaration)).toEqual([]);
    for (const { columns } of Object.values(declaration.tables))
      for (const column of columns) expect(AZURE_COLUMN_TYPES).toContain(column.type);
  });

  it('fills the tables of Citrix’s Sentinel solution (CCF): a superset of each table’s columns, with its types', () => {
    const sentinel = dcrDeclaration(sentinelInputs);
    expect(declarationProblems(sentinel)).toEqual([]);
    // The fixture: the seven tables as Citrix's solution defines them (published-tables.ts, with sources).
    expect(Object.keys(CITRIX_ANALYTICS_CCF).sort()).toEqual(SENTINEL_STREAMS.map((s) => s.name).sort());
    for (const [stream, published] of Object.entries(CITRIX_ANALYTICS_CCF)) {
      expect(published.table).toBe(`CitrixAnalytics_${stream}_V1_CL`);
      const ours = sentinel.tables[published.table]?.columns;
      expect(ours, published.table).toBeDefined();
      for (const column of published.columns)
        expect(ours, `${published.table}.${column.name}`).toContainEqual(column);
      // Ours too: where each record was read, and the tenant.
      for (const name of [
        'record_id',
        'kafka_offset',
        TENANT_FIELD,
        RECORD_ID_COLUMN,
        'ctxsiem_event_time',
        'AdditionalFields',
      ])
        expect(ours!.map((c) => c.name)).toContain(name);
    }
    expect(CITRIX_ANALYTICS_CCF.SPA_Events!.columns).toHaveLength(67);
    expect(sentinel.tables.CitrixAnalytics_riskScoreChange_V1_CL!.columns).toContainEqual({
      name: 'cur_riskscore',
      type: 'int',
    });
    // occurrence_details arrives nested; the transform flattens it as Citrix's table has it.
    const summary = sentinel.dataFlows.find(
      (f) => f.streams[0] === 'Custom-CitrixAnalytics_indicatorSummary_V1',
    );
    expect(summary?.outputStream).toBe('Custom-CitrixAnalytics_indicatorSummary_V1_CL');
    expect(summary?.transformKql).toContain(
      "occurrence_details_happen = toint(['occurrence_details']['happen'])",
    );
    expect(sentinel.streamDeclarations['Custom-CitrixAnalytics_indicatorSummary_V1']!.columns).toContainEqual(
      {
        name: 'occurrence_details',
        type: 'dynamic',
      },
    );
  });

  it('fills the legacy solution’s tables (_s, _d columns) when asked, the others as CCF', () => {
    const legacy = dcrDeclaration(sentinelInputs, { sentinelTables: 'legacy' });
    expect(declarationProblems(legacy)).toEqual([]);
    for (const published of Object.values(CITRIX_ANALYTICS_LEGACY)) {
      const ours = legacy.tables[published.table]?.columns;
      expect(ours, published.table).toBeDefined();
      for (const column of published.columns.filter((c) => c.name.length <= 45))
        expect(ours).toContainEqual(column);
    }
    expect(legacy.tables.CitrixAnalytics_SPA_Events_V1_CL).toBeDefined();
    const risk = legacy.dataFlows.find((f) => f.outputStream === 'Custom-CitrixAnalytics_riskScoreChange_CL');
    expect(risk?.transformKql).toContain("cur_riskscore_d = toreal(['cur_riskscore'])");
  });

  it('takes each column’s type from the EDM type, and TimeGenerated from the cursor field', () => {
    const sessions = declaration.streamDeclarations['Custom-CitrixMonitorSessions']!.columns;
    const type = (name: string) => sessions.find((column) => column.name === name)?.type;
    expect(type('SessionKey')).toBe('string');
    expect(type('ModifiedDate')).toBe('datetime');
    expect(type('UserName')).toBe('string');
    expect(type('citrix_customer_id')).toBe('string');
    const flow = (stream: string) => declaration.dataFlows.find((f) => f.streams[0] === stream)!;
    // The record's time is kept in ctxsiem_event_time; TimeGenerated is it only when Azure keeps it.
    expect(flow('Custom-CitrixMonitorSessions')).toMatchObject({
      outputStream: 'Custom-CitrixMonitorSessions_CL',
      transformKql:
        "source | extend ctxsiem_event_time = todatetime(['ModifiedDate']) | extend TimeGenerated = iff(ctxsiem_event_time > ago(47h) and ctxsiem_event_time < now() + 23h, ctxsiem_event_time, now())",
    });
    expect(flow('Custom-CitrixMonitorSessionMetrics').transformKql).toContain(
      "todatetime(['CollectedDate'])",
    );
    expect(declaration.tables.CitrixAnalyticsSessions_CL?.columns.map((c) => [c.name, c.type])).toEqual([
      ['TimeGenerated', 'datetime'],
      ['citrix_entity', 'string'],
      ['citrix_hour_utc', 'datetime'],
      ['collection_timestamp', 'datetime'],
      ['raw', 'dynamic'],
      ['citrix_customer_id', 'string'],
      ['CtxsiemRecordId', 'string'],
      ['AdditionalFields', 'dynamic'],
      ['ctxsiem_event_time', 'datetime'],
    ]);
  });

  it('has a column for every property of Citrix’s model of every set: the client’s IP and geo fields too', () => {
    expect(monitorModel().size).toBe(74);
    for (const set of citrixModel().values()) {
      const table = declaration.tables[`CitrixMonitor${set.name}_CL`];
      expect(table, set.name).toBeDefined();
      const names = new Set(table!.columns.map((column) => column.name));
      for (const property of set.properties)
        expect(names.has(storedColumnName(property.name)), `${set.name}.${property.name}`).toBe(true);
    }
    const connections = declaration.tables.CitrixMonitorConnections_CL!.columns;
    for (const name of ['ClientPublicIP', 'ClientISP', 'ClientLocationCountry', 'ClientLocationCity'])
      expect(connections).toContainEqual({ name, type: 'string' });
    // Types Citrix leaves unrendered are ours to guess: dynamic, so a value of any type is kept.
    expect(connections).toContainEqual({ name: 'ClientNetworkInterfaceType', type: 'dynamic' });
    // A snapshot set's time is when ctxsiem collected the version.
    expect(
      declaration.dataFlows.find((f) => f.streams[0] === 'Custom-CitrixMonitorProbeStages')?.transformKql,
    ).toContain("ctxsiem_event_time = todatetime(['ctxsiem_snapshot_time'])");
  });

  it('never generates a column name Log Analytics reserves, in any case: Monitor’s Id is stored as Id_citrix', () => {
    for (const [table, { columns }] of Object.entries(declaration.tables))
      for (const column of columns)
        expect(isReservedColumn(column.name), `${table}.${column.name}`).toBe(false);
    expect(isReservedColumn('Id')).toBe(true);
    expect(isReservedColumn('type')).toBe(true);
    const machines = declaration.tables.CitrixMonitorMachines_CL!.columns.map((c) => c.name);
    expect(machines).toContain('Id_citrix');
    expect(machines).not.toContain('Id');
    expect(
      declaration.dataFlows.find((f) => f.streams[0] === 'Custom-CitrixMonitorMachines')?.transformKql,
    ).toMatch(/\| extend Id_citrix = \['Id'\] \| project-away \['Id'\]$/);
  });

  it('renames a column Log Analytics reserves in the table, and finds what Azure would refuse', () => {
    const renamed = dcrDeclaration([
      { source: 'x', stream: 'events', columns: [{ name: 'Type', type: 'string' }], timeField: 'time' },
    ]);
    expect(renamed.tables.CitrixXEvents_CL?.columns.map((c) => c.name)).toEqual([
      'TimeGenerated',
      'Type_citrix',
      'CtxsiemRecordId',
      'AdditionalFields',
      'ctxsiem_event_time',
    ]);
    expect(renamed.dataFlows[0]?.transformKql).toMatch(
      /\| extend Type_citrix = \['Type'\] \| project-away \['Type'\]$/,
    );
    expect(declarationProblems(renamed)).toEqual([]);
    const bad = dcrDeclaration([
      {
        source: 'x',
        stream: 'events',
        columns: [
          { name: '1st', type: 'string' },
          { name: 'a', type: 'guid' as never },
          { name: 'A', type: 'int' },
        ],
        timeField: 'time',
      },
    ]);
    expect(declarationProblems(bad)).toEqual([
      'Custom-CitrixXEvents.1st: not a column name',
      'Custom-CitrixXEvents.a: type guid',
      'Custom-CitrixXEvents.A: declared twice',
      'CitrixXEvents_CL.1st: not a column name',
      'CitrixXEvents_CL.a: type guid',
      'CitrixXEvents_CL.A: declared twice',
    ]);
  });
});

describe('the record id column', () => {
  const configOps: DcrStreamInput = {
    source: 'daasconfiglog',
    stream: 'operations',
    columns: [{ name: 'Id', type: 'string' }],
    timeField: 'FormattedStartTime',
    table: {
      columns: MICROSOFT_DAAS_CONFIG_OPS.columns,
      transformKql: `source | extend OperationId = ['Id'] | project TimeGenerated, ${MICROSOFT_DAAS_CONFIG_OPS.columns.map((c) => c.name).join(', ')}`,
    },
  };
  const hasId = (columns: readonly { name: string; type: string }[], name = RECORD_ID_COLUMN) =>
    columns.filter((column) => column.name === name);

  it('is CtxsiemRecordId, a string, in every stream declaration and every table', () => {
    for (const sentinelTables of ['ccf', 'legacy'] as const) {
      const declaration = dcrDeclaration([...inputs(monitor), ...sentinelInputs, configOps], {
        sentinelTables,
      });
      expect(declarationProblems(declaration)).toEqual([]);
      expect(Object.keys(declaration.tables).length).toBeGreaterThan(80);
      for (const [stream, { columns }] of Object.entries(declaration.streamDeclarations))
        expect(hasId(columns), stream).toEqual([{ name: 'CtxsiemRecordId', type: 'string' }]);
      for (const [table, { columns }] of Object.entries(declaration.tables))
        expect(hasId(columns), table).toEqual([{ name: 'CtxsiemRecordId', type: 'string' }]);
    }
  });

  it('follows the publishers’ columns, unchanged and in their order, in the tables they define', () => {
    const ccf = dcrDeclaration(sentinelInputs);
    const legacy = dcrDeclaration(sentinelInputs, { sentinelTables: 'legacy' });
    const published = [
      ...Object.values(CITRIX_ANALYTICS_CCF).map((table) => ({ table, declaration: ccf })),
      ...Object.values(CITRIX_ANALYTICS_LEGACY).map((table) => ({ table, declaration: legacy })),
    ];
    for (const { table, declaration } of published) {
      const columns = declaration.tables[table.table]!.columns;
      // The vendor's columns (those a DCR-based table can have), then ours: the record id among them.
      const vendors = table.columns.filter((c) => /^[A-Za-z][A-Za-z0-9_]{0,44}$/.test(c.name));
      expect(columns.slice(1, 1 + vendors.length), table.table).toEqual(vendors);
      expect(
        columns.slice(1 + vendors.length).map((c) => c.name),
        table.table,
      ).toContain(RECORD_ID_COLUMN);
      // The stream's transform leaves it as it arrives: no assignment, no project-away of it.
      const flow = declaration.dataFlows.find((f) => f.outputStream === `Custom-${table.table}`)!;
      expect(flow.transformKql, table.table).not.toContain(RECORD_ID_COLUMN);
    }
    // Microsoft's table: its columns, then the record id and AdditionalFields, which its project keeps.
    const daas = dcrDeclaration([configOps]);
    expect(declarationProblems(daas)).toEqual([]);
    expect(daas.tables.CitrixDaaSConfigOps_CL!.columns.map((c) => c.name)).toEqual([
      'TimeGenerated',
      ...MICROSOFT_DAAS_CONFIG_OPS.columns.map((c) => c.name),
      RECORD_ID_COLUMN,
      'AdditionalFields',
    ]);
    expect(daas.dataFlows[0]!.transformKql).toMatch(/, CitrixCustomerId, CtxsiemRecordId, AdditionalFields$/);
  });

  it('takes another name (recordIdColumn), and a stream field of that name gives way to it', () => {
    const declaration = dcrDeclaration(
      [
        {
          source: 'x',
          stream: 'events',
          columns: [
            { name: 'SiemRecordId', type: 'int' },
            { name: 'time', type: 'datetime' },
          ],
          timeField: 'time',
        },
      ],
      { recordIdColumn: 'SiemRecordId' },
    );
    expect(declaration.streamDeclarations['Custom-CitrixXEvents']!.columns).toEqual([
      { name: 'time', type: 'datetime' },
      { name: 'SiemRecordId', type: 'string' },
      { name: 'AdditionalFields', type: 'dynamic' },
    ]);
    expect(hasId(declaration.tables.CitrixXEvents_CL!.columns, 'SiemRecordId')).toEqual([
      { name: 'SiemRecordId', type: 'string' },
    ]);
    expect(hasId(declaration.tables.CitrixXEvents_CL!.columns)).toEqual([]);
  });
});

describe('the Monitor model and the emulator', () => {
  it('is the $metadata the emulator publishes', async () => {
    const { startEmulator } = await import('@ctxsiem/emulator');
    const { parseMetadata } = await import('@ctxsiem/source-monitor');
    const emulator = await startEmulator();
    try {
      const { customerId, clientId, clientSecret } = emulator.connection;
      const token = (await (
        await fetch(`${emulator.url}/cctrustoauth2/${customerId}/tokens/clients`, {
          method: 'POST',
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: clientId,
            client_secret: clientSecret,
          }),
        })
      ).json()) as { access_token: string };
      const response = await fetch(`${emulator.url}/monitorodata/$metadata`, {
        headers: { authorization: `CwsAuth bearer=${token.access_token}`, 'citrix-customerid': customerId },
      });
      expect(response.status).toBe(200);
      const published = parseMetadata(await response.text());
      expect([...published.values()]).toEqual([...monitorModel().values()]);
    } finally {
      await emulator.close();
    }
  });
});
