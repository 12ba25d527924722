/**
 * Checks UDM against the schema derived from Google's UDM protocol buffers (`udm-schema.generated.ts`,
 * from googleapis/googleapis `backstory/udm.proto`): an event's every field must be one the schema
 * declares, with a value of its type (an enum's value among its names), and a rule's field path
 * (`principal.ip`, `target.user.userid`, `additional.fields["x"]`) must name a field.
 *
 * JSON mapping (https://protobuf.dev/programming-guides/json/): a field may be named by its proto
 * name or its lowerCamelCase JSON name ("Parsers accept both"); a repeated field is an array; an enum
 * is its value's name; a `Timestamp` an RFC 3339 string; 64-bit integers a number or a decimal
 * string; a `Struct` any JSON object.
 */
import { UDM_ENUMS, UDM_MESSAGES, UDM_SCHEMA_SOURCE } from './udm-schema.generated.ts';

export { UDM_ENUMS, UDM_MESSAGES, UDM_SCHEMA_SOURCE };

/** Every `metadata.event_type` the UDM defines. */
export const UDM_EVENT_TYPES: ReadonlySet<string> = new Set(UDM_ENUMS['Metadata.EventType']);

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;
const INTEGER = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const LONG = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

const snakeOf = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The declared type of `field` of `message` (by proto or JSON name), or undefined. */
function fieldType(message: string, field: string): string | undefined {
  const fields = UDM_MESSAGES[message];
  if (!fields) return undefined;
  return Object.hasOwn(fields, field) ? fields[field] : fields[snakeOf(field)];
}

function element(type: string): { base: string; repeated: boolean; map: boolean } {
  if (type.startsWith('map<'))
    return { base: type.slice(type.indexOf(',') + 1, -1), repeated: false, map: true };
  return type.endsWith('[]')
    ? { base: type.slice(0, -2), repeated: true, map: false }
    : { base: type, repeated: false, map: false };
}

/** What is wrong with `value` as a single value of `type` at `path`; appended to `problems`. */
function checkValue(value: unknown, type: string, path: string, problems: string[]): void {
  if (UDM_MESSAGES[type]) {
    checkMessage(value, type, path, problems);
    return;
  }
  const values = UDM_ENUMS[type];
  if (values) {
    if (typeof value !== 'string' || !values.includes(value))
      problems.push(`${path}: ${JSON.stringify(value)} is not a ${type} value`);
    return;
  }
  const ok =
    type === 'string' || type === 'bytes'
      ? typeof value === 'string'
      : type === 'bool'
        ? typeof value === 'boolean'
        : type === 'double' || type === 'float'
          ? typeof value === 'number' && Number.isFinite(value)
          : INTEGER.has(type)
            ? Number.isInteger(value)
            : LONG.has(type)
              ? Number.isInteger(value) || (typeof value === 'string' && /^-?\d+$/.test(value))
              : type === 'timestamp'
                ? typeof value === 'string' && RFC3339.test(value) && !Number.isNaN(Date.parse(value))
                : type === 'duration'
                  ? typeof value === 'string' && /^-?\d+(\.\d{1,9})?s$/.test(value)
                  : type === 'struct'
                    ? typeof value === 'object' && value !== null && !Array.isArray(value)
                    : type === 'value';
  if (!ok) problems.push(`${path}: ${JSON.stringify(value)} is not a ${type}`);
}

function checkMessage(value: unknown, message: string, path: string, problems: string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`${path || 'the event'}: must be an object (${message})`);
    return;
  }
  for (const [field, fieldValue] of Object.entries(value)) {
    const at = path ? `${path}.${field}` : field;
    const type = fieldType(message, field);
    if (type === undefined) {
      problems.push(`${at}: no such UDM field (${message} has no ${field})`);
      continue;
    }
    if (fieldValue === null || fieldValue === undefined) continue;
    const { base, repeated, map } = element(type);
    if (repeated) {
      if (!Array.isArray(fieldValue)) problems.push(`${at}: must be a list`);
      else for (const [i, item] of fieldValue.entries()) checkValue(item, base, `${at}[${i}]`, problems);
    } else if (map) {
      if (typeof fieldValue !== 'object' || Array.isArray(fieldValue)) problems.push(`${at}: must be a map`);
      else
        for (const [key, item] of Object.entries(fieldValue))
          checkValue(item, base, `${at}["${key}"]`, problems);
    } else checkValue(fieldValue, base, at, problems);
  }
}

/**
 * What is wrong with `udm` as a UDM event: unknown fields, wrong types, enum values the UDM does not
 * define; and what every event needs — `metadata.event_type` (not EVENTTYPE_UNSPECIFIED) and
 * `metadata.event_timestamp` ("Required: Yes" and "you must specify a GMT timestamp for any event",
 * https://cloud.google.com/chronicle/docs/unified-data-model/udm-usage and
 * https://cloud.google.com/chronicle/docs/unified-data-model/format-events-as-udm). Empty: valid.
 */
export function udmEventProblems(udm: unknown): string[] {
  const problems: string[] = [];
  checkMessage(udm, 'UDM', '', problems);
  const metadata = (udm as { metadata?: Record<string, unknown> } | null)?.metadata;
  const eventType = metadata?.event_type ?? metadata?.eventType;
  if (eventType === undefined || eventType === 'EVENTTYPE_UNSPECIFIED')
    problems.push('metadata.event_type: required');
  if ((metadata?.event_timestamp ?? metadata?.eventTimestamp) === undefined)
    problems.push('metadata.event_timestamp: required');
  return problems;
}

/**
 * The type of the field a dotted UDM path names (`principal.ip` → `string[]`), or undefined when the
 * UDM has no such field. A map's or a Struct's key (`["k"]`) and anything below a Struct are accepted:
 * their keys are the data's own; a Timestamp's `seconds` and `nanos` are read as rules read them. A
 * `udm.` prefix (rule engines' and search's form) is dropped.
 */
export function udmPathType(path: string): string | undefined {
  const steps = path
    .replace(/^udm\./, '')
    .replace(/\[[^\]]*\]/g, '')
    .split('.');
  let message = 'UDM';
  let type: string | undefined;
  for (const [index, step] of steps.entries()) {
    // A Timestamp's own fields, as rules read them (`metadata.event_timestamp.seconds`).
    if (type === 'timestamp' && (step === 'seconds' || step === 'nanos') && index === steps.length - 1)
      return 'int64';
    type = fieldType(message, step);
    if (type === undefined) return undefined;
    const { base, map } = element(type);
    if (base === 'struct' || map) return type;
    if (index < steps.length - 1 && base !== 'timestamp') {
      if (!UDM_MESSAGES[base]) return undefined;
      message = base;
    }
  }
  return type;
}

/** The values of the enum at `path` (`security_result.action`), or undefined when it is not an enum. */
export function udmEnumValues(path: string): readonly string[] | undefined {
  const type = udmPathType(path);
  return type ? UDM_ENUMS[element(type).base] : undefined;
}
