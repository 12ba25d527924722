/**
 * What the sink sends for a record: exactly the fields its DCR stream declares (`streamColumns`, from
 * the stream's columns the runner hands in `Batch.columns`). Azure drops a field the declaration does
 * not list, silently, and stores a value of another type than its column's empty (contract server:
 * `@ctxsiem/local-services` `azure-monitor-api.ts`); so such a field goes into `AdditionalFields` (dynamic)
 * instead, under its own name, and is counted per field as schema drift (the run's summary, its log
 * line, `/metrics`). Nothing a record carries is lost.
 *
 * Every row also carries its **record id** (`recordIdColumn`, `CtxsiemRecordId` by default): the
 * runner's digest of the record (`Batch.digests[i]`), the same on every sending, so a row Azure holds
 * twice (a request resent after its answer was lost) can be de-duplicated in KQL. A record's own field
 * of that name is kept in `AdditionalFields`, as drift.
 */
import {
  type Batch,
  type ColumnType,
  type DriftCount,
  describeJsonValue,
  type JsonRecord,
} from '@ctxsiem/core';
import { ADDITIONAL_FIELDS, RECORD_ID_COLUMN, streamColumns } from './dcr-declaration.ts';
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

/**
 * The records of a batch as its DCR stream declares them, each with its record id in `recordIdColumn`
 * (from `batch.digests`); as they are, with their id, when the columns are unknown.
 */
export function rowsOf(
  batch: Batch,
  streamName: string,
  sentinelTables: SentinelTables,
  recordIdColumn: string = RECORD_ID_COLUMN,
): Rows {
  const idOf = (index: number): string => batch.digests?.[index] ?? '';
  if (!batch.columns)
    return {
      rows: batch.records.map((record, index) => ({ ...record, [recordIdColumn]: idOf(index) })),
      drift: [],
    };
  const declared = new Map(
    streamColumns(
      { source: batch.source, stream: batch.stream, columns: batch.columns },
      sentinelTables,
      recordIdColumn,
    ).map((column) => [column.name, column.type]),
  );
  const drift = new Map<string, DriftCount>();
  const rows = batch.records.map((record, index) => {
    let row: JsonRecord | undefined;
    let extra: JsonRecord | undefined;
    for (const [field, value] of Object.entries(record)) {
      const ours = field === ADDITIONAL_FIELDS || field === recordIdColumn;
      const type = ours ? undefined : declared.get(field);
      if (type && fitsColumn(value, type)) continue;
      row ??= { ...record };
      extra ??= {};
      delete row[field];
      extra[field] = value;
      const expected =
        field === recordIdColumn
          ? `no column of ${streamName} (${recordIdColumn} holds the record id)`
          : type
            ? `${type} (a column of ${streamName})`
            : `no column of ${streamName}`;
      const found = describeJsonValue(value);
      const key = `${field}\u0000${expected}\u0000${found}`;
      const count = drift.get(key) ?? { field, expected, found, records: 0 };
      count.records++;
      drift.set(key, count);
    }
    if (!row || !extra) return { ...record, [recordIdColumn]: idOf(index) };
    row[recordIdColumn] = idOf(index);
    row[ADDITIONAL_FIELDS] = extra;
    return row;
  });
  return { rows, drift: [...drift.values()] };
}
