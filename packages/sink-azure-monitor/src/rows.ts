/**
 * What the sink sends for a record: exactly the fields its DCR stream declares (`streamColumns`, from
 * the stream's columns the runner hands in `Batch.columns`). Azure drops a field the declaration does
 * not list, silently, and stores a value of another type than its column's empty (contract server:
 * `@ctxsiem/test-kit` `azure-monitor-api.ts`); so such a field goes into `AdditionalFields` (dynamic)
 * instead, under its own name, and is counted per field as schema drift (the run's summary, its log
 * line, `/metrics`). Nothing a record carries is lost.
 */
import {
  type Batch,
  type ColumnType,
  type DriftCount,
  describeJsonValue,
  type JsonRecord,
} from '@ctxsiem/core';
import { ADDITIONAL_FIELDS, streamColumns } from './dcr-declaration.ts';
import type { SentinelTables } from './dcr-streams.ts';

/** True when Azure stores `value` as it is in a column of `type` (null fits every column). */
export function fitsColumn(value: unknown, type: ColumnType): boolean {
  if (value === null || value === undefined) return true;
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'int':
      return Number.isInteger(value) && Math.abs(value as number) <= 2 ** 31;
    case 'long':
      return Number.isInteger(value);
    case 'real':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'datetime':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value));
    default:
      return true;
  }
}

export interface Rows {
  rows: JsonRecord[];
  /** Fields kept in `AdditionalFields`, per field and what they held. */
  drift: DriftCount[];
}

/** The records of a batch as its DCR stream declares them; as they are when the columns are unknown. */
export function rowsOf(batch: Batch, streamName: string, sentinelTables: SentinelTables): Rows {
  if (!batch.columns) return { rows: batch.records, drift: [] };
  const declared = new Map(
    streamColumns({ source: batch.source, stream: batch.stream, columns: batch.columns }, sentinelTables).map(
      (column) => [column.name, column.type],
    ),
  );
  const drift = new Map<string, DriftCount>();
  const rows = batch.records.map((record) => {
    let row: JsonRecord | undefined;
    let extra: JsonRecord | undefined;
    for (const [field, value] of Object.entries(record)) {
      const type = field === ADDITIONAL_FIELDS ? undefined : declared.get(field);
      if (type && fitsColumn(value, type)) continue;
      row ??= { ...record };
      extra ??= {};
      delete row[field];
      extra[field] = value;
      const expected = type ? `${type} (a column of ${streamName})` : `no column of ${streamName}`;
      const found = describeJsonValue(value);
      const key = `${field}\u0000${expected}\u0000${found}`;
      const count = drift.get(key) ?? { field, expected, found, records: 0 };
      count.records++;
      drift.set(key, count);
    }
    if (!row || !extra) return record;
    row[ADDITIONAL_FIELDS] = extra;
    return row;
  });
  return { rows, drift: [...drift.values()] };
}
