/**
 * Schema drift: fields of delivered records that differ from their stream's model (another type, or a
 * field the model does not declare). Records are delivered all the same; drift is counted per field and
 * both types, and named in words (`a GUID string`, `a numeric string`).
 */
import type { FieldDrift } from './records.ts';

/** A kind of schema drift and how many delivered records showed it. */
export interface DriftCount extends FieldDrift {
  records: number;
}

/** Adds `drift` seen in one record to `counts` (one entry per field, expected and found type). */
export function addDrift(counts: DriftCount[], drift: readonly FieldDrift[], records = 1): DriftCount[] {
  for (const item of drift) {
    const known = counts.find(
      (c) => c.field === item.field && c.expected === item.expected && c.found === item.found,
    );
    if (known) known.records += records;
    else counts.push({ ...item, records });
  }
  return counts;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a JSON value is, in words a drift report can name (`a GUID string`, `an integer`…). */
export function describeJsonValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      if (GUID.test(value)) return 'a GUID string';
      if (/^-?\d+(\.\d+)?$/.test(value)) return 'a numeric string';
      if (/^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value))) return 'a date-time string';
      return 'a string';
    case 'number':
      return Number.isInteger(value) ? 'an integer' : 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}
