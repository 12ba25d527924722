/**
 * The JSON Schema (draft 2020-12) of the records a stream delivers, from its column list — the same
 * list the Azure tables and DCR are generated from — so every consumer of the records (a SecOps parser,
 * a SIEM's schema registry, a data-lake table) can be given it. Columns are what a record may carry:
 * none is required, and a record may carry more (the APIs add fields).
 */
import type { Column, ColumnType } from './records.ts';

/** Each column type as JSON Schema; a value may be null (an API's nullable property), as in a SIEM table. */
const TYPES: Readonly<Record<ColumnType, Record<string, unknown>>> = {
  string: { type: ['string', 'null'] },
  int: { type: ['integer', 'null'], minimum: -(2 ** 31), maximum: 2 ** 31 - 1 },
  long: { type: ['integer', 'null'] },
  real: { type: ['number', 'null'] },
  boolean: { type: ['boolean', 'null'] },
  datetime: { type: ['string', 'null'], format: 'date-time' },
  dynamic: {},
};

export interface StreamRecords {
  /** `{source}/{stream}`, for the schema's title. */
  title: string;
  columns: readonly Column[];
  /** The field holding the record's time. */
  timeField: string;
  /** The field every record carries its tenant in. */
  tenantField?: string | undefined;
}

export function recordJsonSchema(stream: StreamRecords): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const column of stream.columns)
    properties[column.name] = {
      ...TYPES[column.type],
      ...(column.name === stream.timeField ? { description: 'The record’s time.' } : {}),
    };
  if (stream.tenantField)
    properties[stream.tenantField] = { type: 'string', description: 'The tenant (Citrix customer id).' };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: stream.title,
    type: 'object',
    properties,
    ...(stream.tenantField ? { required: [stream.tenantField] } : {}),
    additionalProperties: true,
  };
}
