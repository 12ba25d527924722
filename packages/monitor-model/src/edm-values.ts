/**
 * EDM primitive types as zod types (JSON values as an OData v4 service writes them), and the schema of a
 * row exactly as Citrix's OpenAPI documents it: what the emulator must serve and what the source's own
 * validation is measured against.
 */
import { z } from 'zod';
import type { MonitorEntitySet } from './monitor-model.ts';

const int = (min: number, max: number) => z.number().int().min(min).max(max);

const EDM_TYPES: Record<string, () => z.ZodType> = {
  'Edm.String': () => z.string(),
  'Edm.Guid': () => z.guid('must be a GUID'),
  'Edm.Boolean': () => z.boolean(),
  'Edm.Byte': () => int(0, 255),
  'Edm.SByte': () => int(-128, 127),
  'Edm.Int16': () => int(-32_768, 32_767),
  'Edm.Int32': () => int(-2_147_483_648, 2_147_483_647),
  // Int64 beyond 2^53 is written as a string only under IEEE754Compatible=true, which we never ask for.
  'Edm.Int64': () => z.number().int(),
  'Edm.Double': () => z.number(),
  'Edm.Single': () => z.number(),
  // An OData v4 service writes Edm.Decimal as a number unless IEEE754Compatible=true.
  'Edm.Decimal': () => z.number(),
  'Edm.DateTimeOffset': () =>
    z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time such as 2024-08-06T07:00:00Z' }),
  'Edm.DateTime': () =>
    z.iso.datetime({ offset: true, local: true, message: 'must be an ISO 8601 date-time' }),
  'Edm.Date': () => z.iso.date('must be a date such as 2024-08-06'),
  'Edm.TimeOfDay': () => z.iso.time('must be a time of day such as 07:00:00'),
  'Edm.Duration': () => z.iso.duration('must be an ISO 8601 duration such as PT5M'),
};

/** The zod type of one EDM type, `Collection(…)` included; unknown (enum, complex) types accept anything. */
export function edmZodType(edmType: string): z.ZodType {
  const collection = /^Collection\((.+)\)$/.exec(edmType);
  if (collection?.[1]) return z.array(edmZodType(collection[1]));
  return EDM_TYPES[edmType]?.() ?? z.unknown();
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const inRange = (min: number, max: number) => (value: unknown) =>
  Number.isInteger(value) && (value as number) >= min && (value as number) <= max;

/** Plain checks of the EDM types records carry most, for the per-field drift check of every record. */
const FAST_CHECKS: Record<string, (value: unknown) => boolean> = {
  'Edm.String': (value) => typeof value === 'string',
  'Edm.Guid': (value) => typeof value === 'string' && GUID.test(value),
  'Edm.Boolean': (value) => typeof value === 'boolean',
  'Edm.Int16': inRange(-32_768, 32_767),
  'Edm.Int32': inRange(-2_147_483_648, 2_147_483_647),
  'Edm.Int64': (value) => Number.isSafeInteger(value),
  'Edm.Double': (value) => typeof value === 'number',
  'Edm.DateTimeOffset': (value) =>
    typeof value === 'string' && INSTANT.test(value) && !Number.isNaN(Date.parse(value)),
};

/**
 * Whether a value is of an EDM type: the same answer as `edmZodType(type).safeParse(value).success`,
 * without zod's cost for the common types (a record's every field is checked).
 */
export function edmValueCheck(edmType: string): (value: unknown) => boolean {
  const fast = FAST_CHECKS[edmType];
  if (fast) return fast;
  const type = edmZodType(edmType);
  return (value) => type.safeParse(value).success;
}

/**
 * A row of `set` exactly as [OA] documents it: every property present (OData's minimal metadata writes
 * nulls), of its type, non-null where [OA] requires it or where it is a key, and nothing else.
 */
export function documentedRowSchema(set: MonitorEntitySet): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const property of set.properties) {
    const type = edmZodType(property.type);
    shape[property.name] = property.required || set.keys.includes(property.name) ? type : type.nullable();
  }
  return z.strictObject(shape);
}
