/**
 * The record schema of an entity set, from the model the service publishes (its own `$metadata` when it
 * answers, else Citrix's OpenAPI model). A record is dead-lettered only when ctxsiem cannot place or
 * identify it: a key value missing, or a cursor value missing or not a date-time. Everything else is
 * compared with the model, and a difference — a value of another type (a GUID where the model says
 * `Edm.Int32`, as Citrix's own Applications once differed from ours), or a field the model does not
 * declare — is **schema drift**: the record is delivered as the service sent it, and the drift is
 * counted per field with both types named (the run summary, the log once per run, `ctxsiem check`,
 * the metrics). Dead-lettering good records over a model would lose data the SIEM should have.
 */
import {
  describeJsonValue,
  type FieldDrift,
  type JsonRecord,
  type RecordSchema,
  toIssues,
} from '@ctxsiem/core';
import { edmValueCheck, edmZodType } from '@ctxsiem/monitor-model';
import { z } from 'zod';
import type { ODataEntitySet } from './odata-model.ts';

export { edmZodType } from '@ctxsiem/monitor-model';

export interface EntityRecordSchemaOptions {
  /** Fields ctxsiem adds to the set's records itself (Sessions' `UserName`, `FullName`): not drift. */
  added?: readonly string[];
}

/**
 * The record schema of `set`: `required` (its key and cursor) must hold a value — a cursor a date-time —
 * or the record is dead-lettered naming each field; any other difference from the model is drift.
 */
export function entityRecordSchema(
  set: ODataEntitySet,
  required: readonly string[],
  options: EntityRecordSchemaOptions = {},
): RecordSchema {
  const types = new Map(
    set.properties.map((p) => [p.name, { edm: p.type, zod: edmZodType(p.type), is: edmValueCheck(p.type) }]),
  );
  const shape: Record<string, z.ZodType> = {};
  for (const name of required) {
    const type = types.get(name);
    // A key of any type identifies a record; a cursor must be an instant to place it in a window.
    shape[name] =
      type?.edm === 'Edm.DateTimeOffset' || type?.edm === 'Edm.DateTime'
        ? type.zod
        : z
            .unknown()
            .refine((value) => value !== null && value !== undefined, 'missing: a key must hold a value');
  }
  const placed = z.looseObject(shape);
  const added = new Set(options.added ?? []);
  return {
    safeParse(record) {
      const parsed = placed.safeParse(record);
      if (!parsed.success) {
        const message = toIssues(parsed.error)
          .map((issue) => `${issue.path || '(record)'}: ${issue.reason}`)
          .join('; ');
        return { success: false, error: { message: `${set.name} record: ${message}` } };
      }
      const drift: FieldDrift[] = [];
      for (const [field, value] of Object.entries(record as JsonRecord)) {
        if (field.startsWith('@') || added.has(field)) continue;
        const type = types.get(field);
        if (!type) drift.push({ field, expected: 'undeclared', found: describeJsonValue(value) });
        else if (value !== null && !type.is(value))
          drift.push({ field, expected: type.edm, found: describeJsonValue(value) });
      }
      return drift.length > 0 ? { success: true, drift } : { success: true };
    },
  };
}

/**
 * A record schema whose model is chosen once the stream starts reading (the service's own `$metadata`):
 * until then, and when the service does not answer it, the one it was made with.
 */
export class SwitchableRecordSchema implements RecordSchema {
  #current: RecordSchema;

  constructor(initial: RecordSchema) {
    this.#current = initial;
  }

  use(schema: RecordSchema): void {
    this.#current = schema;
  }

  safeParse(value: unknown): ReturnType<RecordSchema['safeParse']> {
    return this.#current.safeParse(value);
  }
}
