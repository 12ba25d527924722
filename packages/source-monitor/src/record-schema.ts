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
  // Built once per set and model (a tenant's run), then run for every record: the drift check of each
  // field is a plain function (`edmValueCheck`); zod types are built for the required fields only.
  const checks = new Map<string, (value: unknown) => boolean>();
  const checkOf = (edm: string) => {
    let check = checks.get(edm);
    if (check === undefined) {
      check = rememberingAccepted(edmValueCheck(edm));
      checks.set(edm, check);
    }
    return check;
  };
  const types = new Map(set.properties.map((p) => [p.name, { edm: p.type, is: checkOf(p.type) }]));
  const shape: Record<string, z.ZodType> = {};
  /** Per required field, what `placed` asks of its value. */
  const quick: [string, (value: unknown) => boolean][] = [];
  for (const name of required) {
    const edm = types.get(name)?.edm;
    // A key of any type identifies a record; a cursor must be an instant to place it in a window.
    if (edm === 'Edm.DateTimeOffset' || edm === 'Edm.DateTime') {
      const instant = edmZodType(edm);
      shape[name] = instant;
      quick.push([name, (value) => instant.safeParse(value).success]);
    } else {
      shape[name] = z
        .unknown()
        .refine((value) => value !== null && value !== undefined, 'missing: a key must hold a value');
      quick.push([name, (value) => value !== null && value !== undefined]);
    }
  }
  const placed = z.looseObject(shape);
  /**
   * Whether `placed` accepts the record, checked field by field: the same verdict (the object's other
   * fields are `unknown` to it, which takes anything), without zod walking every field of every record.
   * Only a record this refuses goes through `placed` itself, for zod's verdict and its message.
   */
  const placedQuickly = (record: unknown): boolean => {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) return false;
    for (const [name, accepts] of quick) if (!accepts((record as JsonRecord)[name])) return false;
    return true;
  };
  const added = new Set(options.added ?? []);
  return {
    safeParse(record) {
      if (!placedQuickly(record)) {
        const parsed = placed.safeParse(record);
        if (!parsed.success) {
          const message = toIssues(parsed.error)
            .map((issue) => `${issue.path || '(record)'}: ${issue.reason}`)
            .join('; ');
          return { success: false, error: { message: `${set.name} record: ${message}` } };
        }
      }
      const drift: FieldDrift[] = [];
      for (const field of Object.keys(record as JsonRecord)) {
        if (field.startsWith('@') || added.has(field)) continue;
        const value = (record as JsonRecord)[field];
        const type = types.get(field);
        if (!type) drift.push({ field, expected: 'undeclared', found: describeJsonValue(value) });
        else if (value !== null && !type.is(value))
          drift.push({ field, expected: type.edm, found: describeJsonValue(value) });
      }
      return drift.length > 0 ? { success: true, drift } : { success: true };
    },
  };
}

/** Strings a check of one type remembers having accepted (the last few). */
const REMEMBERED = 4;

/**
 * `check` remembering the last strings it accepted: a record's time fields often hold one instant
 * (a session's end, its last state change and its modification), and the check of a date-time (a
 * pattern and a parse) costs more than comparing strings. The same answers, for fewer checks.
 */
function rememberingAccepted(check: (value: unknown) => boolean): (value: unknown) => boolean {
  const accepted: string[] = [];
  let next = 0;
  return (value) => {
    if (typeof value !== 'string') return check(value);
    for (let i = 0; i < accepted.length; i++) if (accepted[i] === value) return true;
    if (!check(value)) return false;
    accepted[next] = value;
    next = (next + 1) % REMEMBERED;
    return true;
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
