/**
 * What Azure stores of what the sink sends: the Logs Ingestion contract server loads the generated data
 * collection rule and tables, runs each flow's transform and drops what Azure drops silently (fields the
 * stream does not declare, values of another type, columns the table lacks), replaces a `TimeGenerated`
 * out of Azure's range and refuses reserved column names — and reports each to the test.
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
  run,
  type Sink,
  type Source,
  silentLogger,
  systemClock,
} from '@ctxsiem/core';
import { fileCheckpointStore } from '@ctxsiem/sink-file';
import { analyticsSource } from '@ctxsiem/source-analytics';
import { monitorModel, monitorSource } from '@ctxsiem/source-monitor';
import { SENTINEL_STREAMS, TENANT_FIELD } from '@ctxsiem/source-sentinel';
import { generatedSource, ingestionBatch } from '@ctxsiem/test-kit';
import { type AzureMonitorApi, startAzureMonitorApi } from '@ctxsiem/test-kit/servers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AzureMonitorSinkConfigInput,
  azureMonitorSink,
  CITRIX_ANALYTICS_CCF,
  type DcrStreamInput,
  dcrDeclaration,
  defaultStreamName,
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
