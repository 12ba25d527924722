/**
 * The data collection rule and tables a deployment needs, generated from the streams' own column lists
 * (`PullStream.columns`: Monitor's from Citrix's model, the others' from their record schemas) — written
 * once, consumed by Terraform (`azurerm_monitor_data_collection_rule`, custom tables):
 *
 * - a stream declaration per stream (`streamColumns`): every field the records are known to carry, the
 *   tenant tag, the record id (`CtxsiemRecordId`, string: the runner's digest of the record, the same on
 *   every sending, so a row Azure holds twice can be de-duplicated in KQL), and `AdditionalFields`
 *   (dynamic), where the sink puts what a record carries beyond them (Azure drops an undeclared field
 *   silently; the sink counts each one as schema drift);
 * - a data flow per stream, whose transform keeps the record's time in `ctxsiem_event_time` and sets
 *   `TimeGenerated` to it only when Azure will keep it (newer than 2 days, less than 1 day ahead, with
 *   an hour's margin; otherwise the time it arrives, which is what Azure would put there anyway);
 * - each table's columns: `TimeGenerated`, the stream's, a field Log Analytics reserves (`id`, `Type`,
 *   `TenantId`, … in any case) stored as `<name>_citrix`, the record id, and `ctxsiem_event_time`.
 *
 * Tables that Sentinel content already reads are filled as their publishers define them (a superset of
 * their columns, with their types): the sentinel source's streams go to Citrix's `CitrixAnalytics_*_V1_CL`
 * (`occurrence_details` flattened into `occurrence_details_*`) or, with `sentinelTables: legacy`, to the
 * older solution's `_s`/`_d` columns; a stream whose records a product defines a table for (the DaaS
 * configuration log: Microsoft's `CitrixDaaSConfigOps_CL`) brings that table's columns and transform.
 * Those tables are created by ctxsiem too (Terraform, from `tables`), so each gets the publisher's
 * columns unchanged, then ours — the record id and `AdditionalFields` among them: a custom (`_CL`) table
 * takes columns beyond a product's ("Add or delete tables and columns in Azure Monitor Logs": custom
 * columns extend a table's schema, https://learn.microsoft.com/azure/azure-monitor/logs/create-custom-table),
 * and content that reads the publisher's columns by name still finds them (INFERRED: KQL names columns,
 * an extra one changes nothing it reads).
 *
 * `declarationProblems` checks what Azure documents for them: column types, names, reserved names.
 */
import type { Column, ColumnType, TableProjection } from '@ctxsiem/core';
import { legacySentinelTable, type SentinelTables, streamNameOf, tableOf } from './dcr-streams.ts';
import { CITRIX_ANALYTICS_CCF, CITRIX_ANALYTICS_LEGACY, type PublishedTable } from './published-tables.ts';

export interface DcrStreamInput {
  source: string;
  stream: string;
  columns: readonly Column[];
  /** The field `TimeGenerated` is taken from (the stream's cursor field). */
  timeField: string;
  /** The field the tenant is delivered in, added as a string column. */
  tenantField?: string | undefined;
  /** A table a product defines for these records: its columns and transform replace the generated ones. */
  table?: TableProjection | undefined;
}

export interface DcrOptions {
  destination?: string;
  streams?: Record<string, string>;
  sentinelTables?: SentinelTables;
  /** The column every row carries its record id in (the sink's `recordIdColumn`; `CtxsiemRecordId`). */
  recordIdColumn?: string;
}

export interface DcrDeclaration {
  streamDeclarations: Record<string, { columns: Column[] }>;
  dataFlows: { streams: string[]; destinations: string[]; transformKql: string; outputStream: string }[];
  /** Custom tables (`<name>_CL`) and their columns. */
  tables: Record<string, { columns: Column[] }>;
}

/** The column types a DCR stream declaration and a custom table accept (Azure Monitor documentation). */
export const AZURE_COLUMN_TYPES: readonly ColumnType[] = [
  'string',
  'int',
  'long',
  'real',
  'boolean',
  'datetime',
  'dynamic',
];

/** Where the sink keeps the fields of a record its stream declaration does not list. */
export const ADDITIONAL_FIELDS = 'AdditionalFields';
/** The record's own time, whatever `TimeGenerated` holds. */
export const EVENT_TIME = 'ctxsiem_event_time';
/**
 * The column every row carries its record id in, by default (the sink's `recordIdColumn`): the runner's
 * digest of what identifies the record in its stream (`Batch.digests`), the same on every sending.
 */
export const RECORD_ID_COLUMN = 'CtxsiemRecordId';

/**
 * Column names a custom table cannot have. Documented ("Add or delete tables and columns in Azure
 * Monitor Logs", https://learn.microsoft.com/azure/azure-monitor/logs/create-custom-table): `id`,
 * `_ResourceId`, `_SubscriptionId`, `TenantId`, `Type`, `UniqueId`, `Title`. The others are standard
 * columns of Log Analytics' classic tables (INFERRED). Compared without case (INFERRED: the strictest
 * reading — Monitor's `Id` and a `type` field are refused with the documented `id` and `Type`).
 */
export const RESERVED_COLUMNS: readonly string[] = [
  'id',
  '_ResourceId',
  '_SubscriptionId',
  'TenantId',
  'Type',
  'UniqueId',
  'Title',
  'MG',
  'ManagementGroupName',
  'SourceSystem',
  'Computer',
  'RawData',
];
const RESERVED = new Set(RESERVED_COLUMNS.map((name) => name.toLowerCase()));

export function isReservedColumn(name: string): boolean {
  return RESERVED.has(name.toLowerCase());
}

/** The documented rule: a field whose name Log Analytics reserves is stored as `<name>_citrix`. */
export function storedColumnName(name: string): string {
  return isReservedColumn(name) ? `${name}_citrix` : name;
}

const quote = (name: string) => `['${name}']`;
const CONVERT: Record<ColumnType, string> = {
  string: 'tostring',
  int: 'toint',
  long: 'tolong',
  real: 'toreal',
  boolean: 'tobool',
  datetime: 'todatetime',
  dynamic: 'todynamic',
};
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The table Citrix publishes for a sentinel stream, when there is one. */
function publishedTable(
  source: string,
  stream: string,
  sentinelTables: SentinelTables,
): PublishedTable | undefined {
  if (source !== 'sentinel') return undefined;
  if (!legacySentinelTable(stream, sentinelTables)) return CITRIX_ANALYTICS_CCF[stream];
  const legacy = CITRIX_ANALYTICS_LEGACY[stream];
  // The Data Collector API made columns a DCR-based table cannot declare (longer than 45 characters):
  // their values stay in `occurrence_details`.
  return legacy && { ...legacy, columns: legacy.columns.filter((c) => COLUMN_NAME.test(c.name)) };
}

/** A column name: a letter, then letters, digits, `_`; 45 characters at most (INFERRED, the strictest limit seen). */
const COLUMN_NAME = /^[A-Za-z][A-Za-z0-9_]{0,44}$/;

/** A legacy column's field: `cur_riskscore_d` → `cur_riskscore`. */
const legacyField = (name: string) => name.replace(/_[sdtgb]$/, '');

/**
 * The DCR stream declaration of a stream: the fields its records carry (`columns`, the tenant tag
 * included), the published table's fields it does not name (so a record carrying them keeps them), the
 * record id (`recordIdColumn`, a string: a stream field of that name gives way to it) and
 * `AdditionalFields`. The sink sends exactly these fields.
 */
export function streamColumns(
  input: { source: string; stream: string; columns: readonly Column[] },
  sentinelTables: SentinelTables = 'ccf',
  recordIdColumn: string = RECORD_ID_COLUMN,
): Column[] {
  const declared: Column[] = input.columns.filter((column) => !same(column.name, recordIdColumn));
  const has = (name: string) => declared.some((column) => same(column.name, name));
  const published = publishedTable(input.source, input.stream, sentinelTables);
  const legacy = legacySentinelTable(input.stream, sentinelTables);
  for (const column of published?.columns ?? []) {
    const field = legacy ? legacyField(column.name) : column.name;
    const nested = field.startsWith('occurrence_details_') && has('occurrence_details');
    if (!has(field) && !nested) declared.push({ name: field, type: column.type });
  }
  declared.push({ name: recordIdColumn, type: 'string' });
  if (!has(ADDITIONAL_FIELDS)) declared.push({ name: ADDITIONAL_FIELDS, type: 'dynamic' });
  return declared;
}

/**
 * `TimeGenerated`: the record's time when Azure keeps it — not older than 2 days, not more than 1 day
 * ahead of the time received ("Standard columns in Azure Monitor Logs",
 * https://learn.microsoft.com/azure/azure-monitor/logs/log-standard-columns#timegenerated) — with an
 * hour's margin for the time between the transform and Azure's check; else the time received.
 */
const EVENT_TIME_KQL = (field: string) =>
  `extend ${EVENT_TIME} = todatetime(${quote(field)}) | extend TimeGenerated = iff(${EVENT_TIME} > ago(47h) and ${EVENT_TIME} < now() + 23h, ${EVENT_TIME}, now())`;

interface Plan {
  table: Column[];
  /** `column = expression` of the transform, after the time. */
  assignments: string[];
  /** Stream fields the table holds under another name. */
  moved: string[];
}

/** Adds a stream column to the table under its own name, or renamed when Log Analytics reserves it. */
function keepColumn(plan: Plan, column: Column): void {
  const stored = storedColumnName(column.name);
  plan.table.push({ ...column, name: stored });
  if (stored === column.name) return;
  plan.assignments.push(`${stored} = ${quote(column.name)}`);
  plan.moved.push(column.name);
}

/** Our own table: the stream's columns, reserved names renamed. */
function ownPlan(stream: readonly Column[]): Plan {
  const plan: Plan = { table: [], assignments: [], moved: [] };
  for (const column of stream) keepColumn(plan, column);
  return plan;
}

/** A published table: its columns with its types first, each filled from the stream; then ours. */
function publishedPlan(published: PublishedTable, stream: readonly Column[], legacy: boolean): Plan {
  const plan: Plan = { table: [...published.columns], assignments: [], moved: [] };
  const find = (name: string) => stream.find((column) => same(column.name, name));
  const nested = find('occurrence_details');
  const covered = new Set<string>();
  for (const column of published.columns) {
    const field = legacy ? legacyField(column.name) : column.name;
    const source = find(field);
    const convert = CONVERT[column.type];
    if (source) {
      covered.add(source.name);
      if (source.name !== column.name || source.type !== column.type) {
        plan.assignments.push(`${column.name} = ${convert}(${quote(source.name)})`);
        if (source.name !== column.name) plan.moved.push(source.name);
      }
    } else if (nested && field.startsWith('occurrence_details_'))
      plan.assignments.push(
        `${column.name} = ${convert}(${quote(nested.name)}${quote(field.slice('occurrence_details_'.length))})`,
      );
  }
  for (const column of stream)
    if (!covered.has(column.name) && !plan.table.some((c) => same(c.name, column.name)))
      keepColumn(plan, column);
  return plan;
}

/**
 * A product's table with ours after its columns: the record id and `AdditionalFields`; a transform
 * ending in `| project …` projects them too.
 */
function keepingOurColumns(
  table: TableProjection,
  recordIdColumn: string,
): { columns: Column[]; transformKql: string } {
  const stages = table.transformKql.split('|');
  const last = stages.at(-1)?.trim() ?? '';
  const columns = [...table.columns];
  const ours: Column[] = [
    { name: recordIdColumn, type: 'string' },
    { name: ADDITIONAL_FIELDS, type: 'dynamic' },
  ];
  const added = ours.filter((column) => !columns.some((c) => same(c.name, column.name)));
  columns.push(...added);
  if (!/^project\s/.test(last) || added.length === 0) return { columns, transformKql: table.transformKql };
  return {
    columns,
    transformKql: `${table.transformKql.trimEnd()}, ${added.map((c) => c.name).join(', ')}`,
  };
}

export function dcrDeclaration(inputs: readonly DcrStreamInput[], options: DcrOptions = {}): DcrDeclaration {
  const destination = options.destination ?? 'workspace';
  const sentinelTables = options.sentinelTables ?? 'ccf';
  const recordIdColumn = options.recordIdColumn ?? RECORD_ID_COLUMN;
  const declaration: DcrDeclaration = { streamDeclarations: {}, dataFlows: [], tables: {} };
  for (const input of inputs) {
    const stream = streamNameOf(input, options.streams ?? {}, sentinelTables);
    const table = tableOf(stream);
    const arriving = streamColumns(
      {
        ...input,
        columns: [
          ...input.columns,
          ...(input.tenantField ? [{ name: input.tenantField, type: 'string' as const }] : []),
        ],
      },
      sentinelTables,
      recordIdColumn,
    );
    declaration.streamDeclarations[stream] = { columns: arriving };
    if (input.table) {
      const product = keepingOurColumns(input.table, recordIdColumn);
      declaration.dataFlows.push({
        streams: [stream],
        destinations: [destination],
        transformKql: product.transformKql,
        outputStream: `Custom-${table}`,
      });
      declaration.tables[table] = {
        columns: [{ name: 'TimeGenerated', type: 'datetime' }, ...product.columns],
      };
      continue;
    }
    const published = publishedTable(input.source, input.stream, sentinelTables);
    const plan = published
      ? publishedPlan(published, arriving, legacySentinelTable(input.stream, sentinelTables))
      : ownPlan(arriving);
    const transformKql = [
      'source',
      EVENT_TIME_KQL(input.timeField),
      ...(plan.assignments.length ? [`extend ${plan.assignments.join(', ')}`] : []),
      ...(plan.moved.length ? [`project-away ${plan.moved.map(quote).join(', ')}`] : []),
    ].join(' | ');
    declaration.dataFlows.push({
      streams: [stream],
      destinations: [destination],
      transformKql,
      outputStream: `Custom-${table}`,
    });
    declaration.tables[table] = {
      columns: [
        { name: 'TimeGenerated', type: 'datetime' },
        ...plan.table,
        ...(plan.table.some((c) => same(c.name, EVENT_TIME))
          ? []
          : [{ name: EVENT_TIME, type: 'datetime' as const }]),
      ],
    };
  }
  return declaration;
}

/** What Azure would refuse in a declaration; empty when it is valid. */
export function declarationProblems(declaration: DcrDeclaration): string[] {
  const problems: string[] = [];
  const checkColumns = (where: string, columns: readonly Column[]) => {
    const seen = new Set<string>();
    for (const column of columns) {
      if (!AZURE_COLUMN_TYPES.includes(column.type))
        problems.push(`${where}.${column.name}: type ${column.type}`);
      if (!COLUMN_NAME.test(column.name)) problems.push(`${where}.${column.name}: not a column name`);
      if (seen.has(column.name.toLowerCase())) problems.push(`${where}.${column.name}: declared twice`);
      seen.add(column.name.toLowerCase());
    }
  };
  for (const [stream, { columns }] of Object.entries(declaration.streamDeclarations)) {
    if (!/^Custom-[A-Za-z][A-Za-z0-9_]{0,99}$/.test(stream))
      problems.push(`${stream}: not a custom stream name`);
    checkColumns(stream, columns);
  }
  for (const [table, { columns }] of Object.entries(declaration.tables)) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,59}_CL$/.test(table)) problems.push(`${table}: not a custom table name`);
    if (columns[0]?.name !== 'TimeGenerated' || columns[0].type !== 'datetime')
      problems.push(`${table}: TimeGenerated (datetime) must be its first column`);
    checkColumns(table, columns.slice(1));
    for (const column of columns.slice(1))
      if (isReservedColumn(column.name)) problems.push(`${table}.${column.name}: reserved by Log Analytics`);
  }
  for (const flow of declaration.dataFlows)
    if (
      !declaration.streamDeclarations[flow.streams[0] ?? ''] ||
      !declaration.tables[flow.outputStream.replace(/^Custom-/, '')]
    )
      problems.push(`${flow.outputStream}: a data flow without its stream or table`);
  return problems;
}
