/**
 * The data collection rule and tables a deployment needs, generated from the streams' own column lists
 * (`PullStream.columns`: Monitor's from the service's `$metadata`, Analytics' envelope) — written once,
 * consumed by Terraform (`azurerm_monitor_data_collection_rule`, custom tables):
 *
 * - a stream declaration `Custom-Citrix<Source><Stream>` per stream, with its columns and the tenant tag;
 * - a data flow per stream into the workspace, whose transform sets `TimeGenerated` from the stream's
 *   cursor field (`ModifiedDate`, …) and writes the table `Citrix<Source><Stream>_CL`;
 * - each table's columns: the stream's (a name Log Analytics reserves, such as `Type`, renamed `Type_s`
 *   by the transform), and `TimeGenerated`.
 *
 * A stream whose records a product already has a table for (the DaaS configuration log: Microsoft's
 * `CitrixDaaSConfigOps_CL`) brings that table's columns and transform instead, so the product's queries
 * work on its rows.
 *
 * `declarationProblems` checks what Azure documents for them: column types, names, reserved names.
 */
import type { Column, ColumnType, TableProjection } from '@ctxsiem/core';
import { streamNameOf, tableOf } from './dcr-streams.ts';

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

/** Column names Log Analytics reserves for itself. */
const RESERVED = new Set([
  'TimeGenerated',
  'TenantId',
  'Type',
  'Title',
  'MG',
  'ManagementGroupName',
  'SourceSystem',
  'Computer',
  'RawData',
]);

export function dcrDeclaration(
  inputs: readonly DcrStreamInput[],
  options: { destination?: string; streams?: Record<string, string> } = {},
): DcrDeclaration {
  const destination = options.destination ?? 'workspace';
  const declaration: DcrDeclaration = { streamDeclarations: {}, dataFlows: [], tables: {} };
  for (const input of inputs) {
    const stream = streamNameOf(input, options.streams ?? {});
    const table = tableOf(stream);
    // The stream declares the fields as they arrive; the table renames those Log Analytics reserves.
    const arriving: Column[] = [
      ...input.columns,
      ...(input.tenantField ? [{ name: input.tenantField, type: 'string' as const }] : []),
    ];
    const reserved = arriving.filter((column) => RESERVED.has(column.name));
    const stored = arriving.map((column) =>
      RESERVED.has(column.name) ? { ...column, name: `${column.name}_s` } : column,
    );
    const renames = reserved.length
      ? ` | extend ${reserved.map((c) => `${c.name}_s = ['${c.name}']`).join(', ')} | project-away ${reserved.map((c) => `['${c.name}']`).join(', ')}`
      : '';
    declaration.streamDeclarations[stream] = { columns: arriving };
    declaration.dataFlows.push({
      streams: [stream],
      destinations: [destination],
      transformKql:
        input.table?.transformKql ??
        `source | extend TimeGenerated = todatetime(['${input.timeField}'])${renames}`,
      outputStream: `Custom-${table}`,
    });
    declaration.tables[table] = {
      columns: [{ name: 'TimeGenerated', type: 'datetime' }, ...(input.table?.columns ?? stored)],
    };
  }
  return declaration;
}

/** What Azure would refuse in a declaration; empty when it is valid. */
export function declarationProblems(declaration: DcrDeclaration): string[] {
  const problems: string[] = [];
  for (const [stream, { columns }] of Object.entries(declaration.streamDeclarations)) {
    if (!/^Custom-[A-Za-z][A-Za-z0-9_]{0,99}$/.test(stream))
      problems.push(`${stream}: not a custom stream name`);
    const seen = new Set<string>();
    for (const column of columns) {
      if (!AZURE_COLUMN_TYPES.includes(column.type))
        problems.push(`${stream}.${column.name}: type ${column.type}`);
      if (!/^[A-Za-z][A-Za-z0-9_]{0,44}$/.test(column.name))
        problems.push(`${stream}.${column.name}: not a column name`);
      if (seen.has(column.name.toLowerCase())) problems.push(`${stream}.${column.name}: declared twice`);
      seen.add(column.name.toLowerCase());
    }
  }
  for (const [table, { columns }] of Object.entries(declaration.tables)) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,59}_CL$/.test(table)) problems.push(`${table}: not a custom table name`);
    if (columns[0]?.name !== 'TimeGenerated' || columns[0].type !== 'datetime')
      problems.push(`${table}: TimeGenerated (datetime) must be its first column`);
    for (const column of columns.slice(1))
      if (RESERVED.has(column.name)) problems.push(`${table}.${column.name}: reserved by Log Analytics`);
  }
  for (const flow of declaration.dataFlows)
    if (
      !declaration.streamDeclarations[flow.streams[0] ?? ''] ||
      !declaration.tables[flow.outputStream.replace(/^Custom-/, '')]
    )
      problems.push(`${flow.outputStream}: a data flow without its stream or table`);
  return problems;
}
