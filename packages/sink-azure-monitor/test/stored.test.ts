/**
 * What Azure stores of what the sink sends: the Logs Ingestion contract server loads the generated data
 * collection rule and tables, runs each flow's transform and drops what Azure drops silently (fields the
 * stream does not declare, values of another type, columns the table lacks), replaces a `TimeGenerated`
 * out of Azure's range and refuses reserved column names — and reports each to the test. Every row
 * reaches its table with its record id (`CtxsiemRecordId`), the same in both copies of a resent request.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Column,
  type ColumnType,
  type JsonRecord,
  ManualClock,
  type PullStream,
  type Receipt,
  recordDigest,
  run,
  type Sink,
  type Source,
  silentLogger,
  systemClock,
} from '@ctxsiem/core';
import { type AzureMonitorApi, startAzureMonitorApi } from '@ctxsiem/local-services';
import { fileCheckpointStore } from '@ctxsiem/sink-file';
import { analyticsSource } from '@ctxsiem/source-analytics';
import { generatedSource } from '@ctxsiem/source-generated';
import { monitorModel, monitorSource } from '@ctxsiem/source-monitor';
import { SENTINEL_STREAMS, TENANT_FIELD } from '@ctxsiem/source-sentinel';
import { ingestionBatch } from '@ctxsiem/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AzureMonitorSinkConfigInput,
  azureMonitorSink,
  CITRIX_ANALYTICS_CCF,
  type DcrStreamInput,
  dcrDeclaration,
  defaultStreamName,
  MICROSOFT_DAAS_CONFIG_OPS,
  RECORD_ID_COLUMN,
} from '../src/index.ts';

const connection = {
  customerId: 'acme',
  clientId: 'id',
  clientSecret: 'secret-value-1',
  apiBase: 'https://api.cloud.com',
};
const deps = { logger: silentLogger(), clock: systemClock };
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

function pullInputs(streams: readonly PullStream[], source: string): DcrStreamInput[] {
  return streams.map((stream) => ({
    source,
    stream: stream.name,
    columns: stream.columns ?? [],
    timeField: stream.cursorField,
    tenantField: TENANT_FIELD,
  }));
}
const monitor = monitorSource(
  { options: { type: 'monitor', entities: [...monitorModel().keys()] }, connection },
  deps,
);
const analytics = analyticsSource(
  { options: { type: 'analytics', entities: ['sessions', 'machines', 'users'] }, connection },
  deps,
);
const sentinel: DcrStreamInput[] = SENTINEL_STREAMS.map((stream) => ({
  source: 'sentinel',
  stream: stream.name,
  columns: stream.columns ?? [],
  timeField: stream.timeField,
  tenantField: TENANT_FIELD,
}));
const INPUTS = [
  ...pullInputs(monitor.streams, 'monitor'),
  ...pullInputs(analytics.streams, 'analytics'),
  ...sentinel,
];

let api: AzureMonitorApi;
let dir: string;
beforeEach(async () => {
  api = await startAzureMonitorApi();
  dir = await mkdtemp(join(tmpdir(), 'ctxsiem-azure-stored-'));
});
afterEach(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

function sink(overrides: Partial<AzureMonitorSinkConfigInput> = {}): Sink {
  return azureMonitorSink(
    { ...api.connection, ...overrides },
    {
      logger: silentLogger(),
      clock: systemClock,
      documents: fileCheckpointStore({ directory: join(dir, 'state') }).manifests,
    },
  );
}

/** A value of each column type, the time an hour ago. */
function sampleOf(type: ColumnType, at: Date): unknown {
  return {
    string: 'text',
    int: 7,
    long: 7,
    real: 1.5,
    boolean: true,
    datetime: at.toISOString(),
    dynamic: { a: 1 },
  }[type];
}
const columnsWithTenant = (input: DcrStreamInput): Column[] => [
  ...input.columns,
  { name: TENANT_FIELD, type: 'string' },
];
/** A record with a value in every column the stream knows. */
function fullRecord(input: DcrStreamInput, at: Date): JsonRecord {
  const record: JsonRecord = {};
  for (const column of columnsWithTenant(input)) record[column.name] = sampleOf(column.type, at);
  record[input.timeField] = at.toISOString();
  return record;
}
async function send(input: DcrStreamInput, records: JsonRecord[], to = sink(), seq = 0): Promise<Receipt> {
  return to.write(
    ingestionBatch(records, {
      source: input.source,
      stream: input.stream,
      seq,
      timeField: input.timeField,
      columns: columnsWithTenant(input),
    }),
  );
}
const tableOfInput = (input: DcrStreamInput) =>
  `${defaultStreamName(input.source, input.stream).replace(/^Custom-/, '')}_CL`;

describe('what Azure stores', () => {
  it('stores every field of every stream: nothing dropped, by the stream, by a type or by the table', async () => {
    api.loadDcr(dcrDeclaration(INPUTS));
    const at = new Date(Date.now() - HOUR_MS);
    const to = sink();
    for (const input of INPUTS) await send(input, [fullRecord(input, at)], to);
    expect(api.drops).toEqual({});
    expect(api.timeReplaced).toBe(0);
    for (const input of INPUTS) {
      const [row] = api.rows.get(tableOfInput(input)) ?? [];
      expect(row, tableOfInput(input)).toBeDefined();
      expect(row!.TimeGenerated).toBe(at.toISOString());
      expect(row![TENANT_FIELD]).toBe('text');
    }
  });

  it('keeps a field the stream does not declare, or a value of another type, in AdditionalFields, and reports it as drift', async () => {
    const sessions = INPUTS.find((input) => input.source === 'monitor' && input.stream === 'Sessions')!;
    api.loadDcr(dcrDeclaration([sessions]));
    const at = new Date(Date.now() - HOUR_MS);
    const record = { ...fullRecord(sessions, at), customerId: 'acme-licensing', LogOnDuration: 'slow' };
    const receipt = await send(sessions, [record, fullRecord(sessions, at)]);
    expect(api.drops).toEqual({});
    const [row] = api.rows.get('CitrixMonitorSessions_CL')!;
    expect(row!.AdditionalFields).toEqual({ customerId: 'acme-licensing', LogOnDuration: 'slow' });
    expect(receipt.drift).toHaveLength(2);
    expect(receipt.drift).toEqual(
      expect.arrayContaining([
        {
          field: 'customerId',
          expected: 'no column of Custom-CitrixMonitorSessions',
          found: 'a string',
          records: 1,
        },
        {
          field: 'LogOnDuration',
          expected: 'int (a column of Custom-CitrixMonitorSessions)',
          found: 'a string',
          records: 1,
        },
      ]),
    );
  });

  it('reports what a run delivered beyond the table’s columns as schema drift in its summary', async () => {
    const generated = generatedSource({ start: new Date(Date.now() - 3 * HOUR_MS), pageSize: 40 });
    // A stream that knows two of its records' three fields.
    const source: Source = {
      ...generated,
      streams: generated.streams.map((stream) => ({
        ...stream,
        columns: [
          { name: 'id', type: 'string' },
          { name: 'time', type: 'datetime' },
        ],
      })),
    };
    const input = {
      source: source.type,
      stream: 'events',
      columns: source.streams[0]!.columns!,
      timeField: 'time',
    };
    api.loadDcr(dcrDeclaration([{ ...input, tenantField: source.tenantField }]));
    const checkpoints = fileCheckpointStore({ directory: join(dir, 'run-state') });
    const to = azureMonitorSink(api.connection, {
      logger: silentLogger(),
      clock: systemClock,
      documents: checkpoints.manifests,
    });
    const summary = await run({
      source,
      sink: to,
      checkpoints,
      logger: silentLogger(),
      clock: new ManualClock(new Date(Date.now() - HOUR_MS)),
    });
    const [stream] = summary.streams;
    expect(stream!.records).toBeGreaterThan(0);
    expect(stream!.drift).toEqual([
      {
        field: 'value',
        expected: `no column of ${defaultStreamName(source.type, 'events')}`,
        found: 'an integer',
        records: stream!.records,
      },
    ]);
    expect(api.drops).toEqual({});
    const rows = [...api.rows.values()].flat();
    expect(rows).toHaveLength(stream!.records);
    expect(rows.every((row) => typeof (row.AdditionalFields as { value?: unknown }).value === 'number')).toBe(
      true,
    );
  });

  it('fills Citrix’s CCF tables, occurrence_details flattened, as Citrix’s workbook reads them', async () => {
    api.loadDcr(dcrDeclaration(sentinel));
    const input = sentinel.find((s) => s.stream === 'indicatorSummary')!;
    const at = new Date(Date.now() - HOUR_MS);
    await send(input, [
      {
        event_type: 'indicatorSummary',
        tenant_id: 't1',
        timestamp: at.toISOString(),
        entity_id: 'alice',
        version: 2,
        indicator_uuid: 'u-1',
        pre_configured: true,
        occurrence_details: { condition: 'gt', happen: 3, new_entities: 'x', unknown_detail: 'kept' },
        record_id: 'topic/0/1',
        kafka_partition: 0,
        kafka_offset: 1,
        [TENANT_FIELD]: 'acme',
      },
    ]);
    expect(api.drops).toEqual({});
    const [row] = api.rows.get(CITRIX_ANALYTICS_CCF.indicatorSummary!.table)!;
    expect(row).toMatchObject({
      occurrence_details_condition: 'gt',
      occurrence_details_happen: 3,
      occurrence_details_new_entities: 'x',
      occurrence_details: { unknown_detail: 'kept' },
      pre_configured: 'true',
      version: 2,
      entity_id: 'alice',
      TimeGenerated: at.toISOString(),
    });
  });

  it('keeps the record’s time in ctxsiem_event_time; TimeGenerated is it only when Azure keeps it', async () => {
    const sessions = INPUTS.find((input) => input.source === 'monitor' && input.stream === 'Sessions')!;
    api.loadDcr(dcrDeclaration([sessions]));
    const old = new Date(Date.now() - 3 * DAY_MS);
    const recent = new Date(Date.now() - HOUR_MS);
    await send(sessions, [fullRecord(sessions, old), fullRecord(sessions, recent)]);
    const [backfilled, current] = api.rows.get('CitrixMonitorSessions_CL')!;
    // Azure never had to replace a time: the transform did what Azure would, and said so in a column.
    expect(api.timeReplaced).toBe(0);
    expect(backfilled!.ctxsiem_event_time).toBe(old.toISOString());
    expect(backfilled!.TimeGenerated).not.toBe(old.toISOString());
    expect(current).toMatchObject({
      ctxsiem_event_time: recent.toISOString(),
      TimeGenerated: recent.toISOString(),
    });
  });

  it('is a rule Azure applies: the contract server refuses reserved column names, in any case', () => {
    expect(() =>
      api.loadDcr({
        streamDeclarations: { 'Custom-X': { columns: [{ name: 'Id', type: 'string' }] } },
        dataFlows: [{ streams: ['Custom-X'], transformKql: 'source', outputStream: 'Custom-X_CL' }],
        tables: {
          X_CL: {
            columns: [
              { name: 'TimeGenerated', type: 'datetime' },
              { name: 'Id', type: 'string' },
            ],
          },
        },
      }),
    ).toThrow(/X_CL\.Id: a reserved column name/);
    // Every table the deployment's streams generate is taken.
    expect(() => api.loadDcr(dcrDeclaration(INPUTS))).not.toThrow();
  });
});

describe('the record id in every table', () => {
  /** KQL's `T | summarize arg_max(TimeGenerated, *) by CtxsiemRecordId`: one row per record id. */
  const deduplicated = (rows: readonly Record<string, unknown>[]) => {
    const latest = new Map<unknown, Record<string, unknown>>();
    for (const row of rows) {
      const kept = latest.get(row[RECORD_ID_COLUMN]);
      if (!kept || String(row.TimeGenerated) >= String(kept.TimeGenerated))
        latest.set(row[RECORD_ID_COLUMN], row);
    }
    return [...latest.values()];
  };

  it('reaches the table, declared, and is the same in both copies of a request resent after its answer was lost', async () => {
    const sessions = INPUTS.find((input) => input.source === 'monitor' && input.stream === 'Sessions')!;
    api.loadDcr(dcrDeclaration([sessions]));
    const at = new Date(Date.now() - HOUR_MS);
    const records = [0, 1, 2].map((i) => ({ ...fullRecord(sessions, at), SessionKey: `s-${i}` }));
    // Accepted, then the connection is reset: the sink sends the same request again, byte-identical.
    api.failNext('accept-then-reset');
    await send(sessions, records);
    expect(api.stats.bodies).toHaveLength(2);
    expect(api.stats.bodies[1]).toBe(api.stats.bodies[0]);
    expect(api.drops).toEqual({});
    const rows = api.rows.get('CitrixMonitorSessions_CL')!;
    expect(rows).toHaveLength(6);
    const ids = records.map((record) => recordDigest(record));
    expect(new Set(ids).size).toBe(3);
    // Each copy holds its record's id: the runner's digest, the same on both sendings.
    expect(rows.map((row) => row[RECORD_ID_COLUMN])).toEqual([...ids, ...ids]);
    expect(rows.map((row) => row.SessionKey)).toEqual(['s-0', 's-1', 's-2', 's-0', 's-1', 's-2']);
    // So the duplicate is found and removed in KQL.
    expect(
      deduplicated(rows)
        .map((row) => row.SessionKey)
        .sort(),
    ).toEqual(['s-0', 's-1', 's-2']);
  });

  it('is dropped, as Azure drops it, by a DCR made without it: the column must be declared', async () => {
    const sessions = INPUTS.find((input) => input.source === 'monitor' && input.stream === 'Sessions')!;
    const declaration = dcrDeclaration([sessions]);
    const stream = declaration.streamDeclarations['Custom-CitrixMonitorSessions']!;
    stream.columns = stream.columns.filter((column) => column.name !== RECORD_ID_COLUMN);
    api.loadDcr(declaration);
    await send(sessions, [fullRecord(sessions, new Date(Date.now() - HOUR_MS))]);
    expect(api.drops).toEqual({
      [`Custom-CitrixMonitorSessions.${RECORD_ID_COLUMN}: not declared by the stream`]: 1,
    });
    expect(api.rows.get('CitrixMonitorSessions_CL')![0]![RECORD_ID_COLUMN] ?? null).toBeNull();
  });

  it('takes the place of a record’s own field of that name, which is kept in AdditionalFields as drift', async () => {
    const sessions = INPUTS.find((input) => input.source === 'monitor' && input.stream === 'Sessions')!;
    api.loadDcr(dcrDeclaration([sessions]));
    const record = { ...fullRecord(sessions, new Date(Date.now() - HOUR_MS)), [RECORD_ID_COLUMN]: 42 };
    const receipt = await send(sessions, [record]);
    expect(api.drops).toEqual({});
    const [row] = api.rows.get('CitrixMonitorSessions_CL')!;
    expect(row![RECORD_ID_COLUMN]).toBe(recordDigest(record));
    expect(row!.AdditionalFields).toEqual({ [RECORD_ID_COLUMN]: 42 });
    expect(receipt.drift).toEqual([
      {
        field: RECORD_ID_COLUMN,
        expected: `no column of Custom-CitrixMonitorSessions (${RECORD_ID_COLUMN} holds the record id)`,
        found: 'an integer',
        records: 1,
      },
    ]);
  });

  it('reaches every table, Citrix’s CCF tables and Microsoft’s CitrixDaaSConfigOps_CL included, under recordIdColumn', async () => {
    const configOps: DcrStreamInput = {
      source: 'daasconfiglog',
      stream: 'operations',
      columns: [
        { name: 'Id', type: 'string' },
        { name: 'Text', type: 'string' },
        { name: 'FormattedStartTime', type: 'string' },
      ],
      timeField: 'FormattedStartTime',
      tenantField: TENANT_FIELD,
      // A product's table, as the DaaS source declares it (`azureTable`): a transform ending in a project.
      table: {
        columns: [
          { name: 'OperationId', type: 'string' },
          { name: 'OperationText', type: 'string' },
          { name: 'CitrixCustomerId', type: 'string' },
        ],
        transformKql: `source | extend TimeGenerated = todatetime(FormattedStartTime), OperationId = ['Id'], OperationText = ['Text'], CitrixCustomerId = ['${TENANT_FIELD}'] | project TimeGenerated, OperationId, OperationText, CitrixCustomerId`,
      },
    };
    const inputs = [...INPUTS, configOps];
    api.loadDcr(dcrDeclaration(inputs, { recordIdColumn: 'SiemRecordId' }));
    const at = new Date(Date.now() - HOUR_MS);
    const to = sink({ recordIdColumn: 'SiemRecordId' });
    for (const input of inputs) await send(input, [fullRecord(input, at)], to);
    expect(api.drops).toEqual({});
    for (const input of inputs) {
      const table = input === configOps ? MICROSOFT_DAAS_CONFIG_OPS.table : tableOfInput(input);
      const [row] = api.rows.get(table) ?? [];
      expect(row, table).toBeDefined();
      expect(row!.SiemRecordId, table).toBe(recordDigest(fullRecord(input, at)));
      expect(row, table).not.toHaveProperty(RECORD_ID_COLUMN);
    }
    expect(api.rows.get(CITRIX_ANALYTICS_CCF.SPA_Events!.table)![0]!.SiemRecordId).toMatch(
      /^[A-Za-z0-9_-]{12}$/,
    );
  });
});
