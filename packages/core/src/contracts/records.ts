/**
 * What travels between sources, the runner and sinks: records as plain JSON objects, half-open UTC
 * windows, the schema a record is checked against, the columns a stream declares, and drift from them.
 */
/** A record as it travels: a plain JSON object. */
export type JsonRecord = Record<string, unknown>;

/** A half-open UTC interval `[from, to)`. */
export interface Window {
  from: Date;
  to: Date;
}

/**
 * A field whose value is not what the stream's model says (another type, or a field the model does not
 * declare): the record is delivered all the same, and the drift is counted and reported.
 */
export interface FieldDrift {
  field: string;
  /** What the model says (`Edm.Int32`, or `undeclared`). */
  expected: string;
  /** What the record holds (`a GUID string`, `a number`…). */
  found: string;
}

/**
 * Record validation: anything with a zod-like `safeParse`. A failure dead-letters the record; a success
 * may carry `drift`: fields that differ from the model without making the record unusable.
 */
export interface RecordSchema {
  safeParse(
    value: unknown,
  ): { success: true; drift?: readonly FieldDrift[] } | { success: false; error: { message: string } };
}

/** A column type as SIEM tables declare them (Azure Monitor's: a DCR stream's and a table's). */
export type ColumnType = 'string' | 'int' | 'long' | 'real' | 'boolean' | 'datetime' | 'dynamic';

/** One field of the records a stream delivers, and its type. */
export interface Column {
  name: string;
  type: ColumnType;
}

/**
 * The columns of a stream's delivered records, as a sink whose tables declare fields is handed them:
 * the stream's own, then the tenant tag. Undefined when the stream declares none.
 */
export function deliveredColumns(
  columns: readonly Column[] | undefined,
  tenantField: string | undefined,
): readonly Column[] | undefined {
  return columns && [...columns, ...(tenantField ? [{ name: tenantField, type: 'string' as const }] : [])];
}
