/**
 * The record schema of an entity set, derived from the service's `$metadata`: each EDM primitive type
 * becomes a zod type, and a value of the wrong type is refused. Required are the properties ctxsiem
 * needs to identify a record and place it in a window — the set's key and its cursor — and nothing
 * else: the nullability of the cloud model is inferred (Citrix's OpenAPI lists the required properties
 * of some types only), and dead-lettering good records over a guess would be worse than letting a null
 * through. Fields the model does not declare (the user's name moved onto a session, a column the
 * service added after our snapshot) pass through. A record that fails goes to the dead letter with
 * every bad field named.
 */
import { type RecordSchema, toIssues } from '@ctxsiem/core';
import { z } from 'zod';
import type { ODataEntitySet } from './odata-model.ts';

const int = (min: number, max: number) => z.number().int().min(min).max(max);

/** EDM primitive types as zod types (JSON values as an OData v4 service writes them). */
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

/**
 * The zod schema of a record of `set`: its declared properties typed, anything else kept; `required`
 * properties must hold a value, the others may be null or absent.
 */
export function entityZodSchema(set: ODataEntitySet, required: readonly string[]): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const property of set.properties) {
    const type = edmZodType(property.type);
    shape[property.name] = required.includes(property.name) ? type : type.nullable().optional();
  }
  return z.looseObject(shape);
}

/**
 * The record schema of `set`, whose failure message names each bad field:
 * `ModifiedDate: must be an ISO 8601 date-time…; ConnectionState: Invalid input: expected number`.
 */
export function entityRecordSchema(set: ODataEntitySet, required: readonly string[]): RecordSchema {
  const schema = entityZodSchema(set, required);
  return {
    safeParse(record) {
      const parsed = schema.safeParse(record);
      if (parsed.success) return { success: true };
      const message = toIssues(parsed.error)
        .map((issue) => `${issue.path || '(record)'}: ${issue.reason}`)
        .join('; ');
      return { success: false, error: { message: `${set.name} record: ${message}` } };
    },
  };
}
