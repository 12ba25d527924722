/**
 * One Kafka message to the record and stream it becomes. A message that is not a JSON object, has no
 * known `event_type`, or lacks what identifies an event — its tenant (`tenant_id`) and its time
 * (`timestamp`) — becomes a dead letter carrying its raw value, partition and offset, and the reason;
 * consumption goes on. Every other field is compared with the stream's model, the same rule as the
 * Monitor source's: `null` is a value like any other; a number written as a string (`"55"`) or a time as
 * an epoch number is normalised to the model's type (one record shape per stream); anything else of
 * another type is delivered as it came. Either way the difference is counted as schema drift.
 *
 * Two more rules make one record shape per stream:
 * - `occurrence_details` is always an object: fields sent flattened (`occurrence_details_happen`, as
 *   Citrix's data collection rule declares them) are moved into it (`occurrence_details.happen`).
 * - JSON is parsed without losing digits: an integer beyond 2^53 (a 19-digit id) is kept as the string
 *   of its digits, never rounded to the nearest double; where the model says number it is drift.
 */
import {
  describeJsonValue,
  type FieldDrift,
  type JsonRecord,
  type LogMessage,
  type RoutedMessage,
} from '@ctxsiem/core';
import { z } from 'zod';
import { columnTypeOf, EVENT_STREAMS, type EventStreamName, instant, streamOfEventType } from './events.ts';

/** Where dead letters of messages that name no known stream are kept. */
export const UNROUTED_STREAM = 'unrouted';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Fields that say where a record was read, and make it unique: `topic/partition/offset`. */
export function deliveryFields(topic: string, message: LogMessage): JsonRecord {
  return {
    record_id: `${topic}/${message.partition}/${message.offset}`,
    kafka_partition: message.partition,
    kafka_offset: message.offset,
  };
}

/** Bytes as text under `name`, or as base64 under `{name}Base64` when they are not UTF-8. */
function bytesField(name: string, bytes: Uint8Array): JsonRecord {
  try {
    return { [name]: utf8.decode(bytes) };
  } catch {
    return { [`${name}Base64`]: Buffer.from(bytes).toString('base64') };
  }
}

/**
 * The message as a dead letter keeps it: where it was, its key (a tombstone's is what it deletes) and
 * its value, as text (or base64 when not UTF-8).
 */
function rawMessage(topic: string, message: LogMessage): JsonRecord {
  const where = {
    ...deliveryFields(topic, message),
    kafka_timestamp: message.timestamp.toISOString(),
    ...(message.key ? bytesField('key', message.key) : {}),
  };
  if (message.value === undefined) return { ...where, value: null };
  return { ...where, ...bytesField('value', message.value) };
}

const unrouted = (topic: string, message: LogMessage, reason: string): RoutedMessage => ({
  stream: UNROUTED_STREAM,
  record: rawMessage(topic, message),
  reason,
});

/** `routeMessage` for one topic: what a routing worker loads (`StreamSource.routing`). */
export const createRoute = (topic: string) => (message: LogMessage) => routeMessage(topic, message);

export function routeMessage(topic: string, message: LogMessage): RoutedMessage {
  if (message.value === undefined) return unrouted(topic, message, 'the message has no value');
  let event: unknown;
  try {
    event = parseLossless(utf8.decode(message.value));
  } catch (error) {
    return unrouted(topic, message, `the message is not JSON: ${(error as Error).message}`);
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event))
    return unrouted(topic, message, 'the message is not a JSON object');
  const eventType = (event as JsonRecord).event_type;
  if (typeof eventType !== 'string') return unrouted(topic, message, 'the message has no event_type');
  const stream = streamOfEventType(eventType);
  if (!stream) return unrouted(topic, message, `unknown event_type ${JSON.stringify(eventType)}`);
  // Checked and normalised as the export sent it (the parsed object is this call's own); then the
  // fields saying where it was read are added.
  const conflicts = nestOccurrenceDetails(event as JsonRecord);
  const { missing, drift } = normalise(stream, event as JsonRecord);
  drift.push(...conflicts);
  const record = Object.assign(event as JsonRecord, deliveryFields(topic, message));
  if (missing) return { stream, record, reason: `${eventType} cannot be identified: ${missing}` };
  return drift.length > 0 ? { stream, record, drift } : { stream, record };
}

/** Text that may hold an integer JSON.parse would round: 16 digits or more in a row. */
const LONG_DIGITS = /\d{16}/;
const INTEGER_TEXT = /^-?\d+$/;

/**
 * JSON.parse, except that an integer literal beyond 2^53 becomes the string of its digits (the
 * reviver's `context.source`, Node ≥ 21) instead of the nearest double: `12345678901234567891` stays
 * `"12345678901234567891"`, not `12345678901234567000`. Text without 16 digits in a row cannot hold
 * one and is parsed without a reviver.
 */
export function parseLossless(text: string): unknown {
  if (!LONG_DIGITS.test(text)) return JSON.parse(text);
  return JSON.parse(text, (_key: string, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' &&
    !Number.isSafeInteger(value) &&
    context?.source !== undefined &&
    INTEGER_TEXT.test(context.source)
      ? context.source
      : value,
  );
}

/** A numeric string's number, or undefined when the number would not be exact (an integer beyond 2^53). */
function exactNumber(text: string): number | undefined {
  const number = Number(text);
  if (!Number.isFinite(number)) return undefined;
  return INTEGER_TEXT.test(text) && !Number.isSafeInteger(number) ? undefined : number;
}

/** What the drift report says of a numeric string too large to be a number exactly. */
const LARGE_INTEGER = 'an integer beyond 2^53, kept as its digits';

const OCCURRENCE_DETAILS = 'occurrence_details';
/** The prefix of `occurrence_details` fields sent flattened, as Citrix's data collection rule has them. */
export const OCCURRENCE_DETAILS_PREFIX = `${OCCURRENCE_DETAILS}_`;

const isPlainObject = (value: unknown): value is JsonRecord =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Moves `occurrence_details_<key>` fields into the `occurrence_details` object (made when missing), so a
 * record has one shape whichever the export sent. A flattened field whose key the object already holds
 * with another value stays where it is (nothing is dropped) and is drift; so are flattened fields beside
 * an `occurrence_details` that is not an object.
 */
function nestOccurrenceDetails(event: JsonRecord): FieldDrift[] {
  const flattened = Object.keys(event).filter(
    (field) => field.startsWith(OCCURRENCE_DETAILS_PREFIX) && field.length > OCCURRENCE_DETAILS_PREFIX.length,
  );
  if (flattened.length === 0) return [];
  const current = event[OCCURRENCE_DETAILS];
  if (current !== undefined && current !== null && !isPlainObject(current))
    return flattened.map((field) => ({ field, expected: OCCURRENCE_DETAILS, found: 'a flattened field' }));
  const nested: JsonRecord = isPlainObject(current) ? current : {};
  const drift: FieldDrift[] = [];
  for (const field of flattened) {
    const key = field.slice(OCCURRENCE_DETAILS_PREFIX.length);
    if (key in nested && JSON.stringify(nested[key]) !== JSON.stringify(event[field])) {
      drift.push({ field, expected: `${OCCURRENCE_DETAILS}.${key}`, found: 'another value' });
      continue;
    }
    nested[key] = event[field];
    delete event[field];
  }
  event[OCCURRENCE_DETAILS] = nested;
  return drift;
}

/** An epoch time in seconds or milliseconds, as an ISO 8601 instant. */
const epochInstant = (value: number) => new Date(value < 1e11 ? value * 1000 : value).toISOString();

/**
 * Checks an event against its stream's model in place: the identity (`tenant_id`, `timestamp`) must be
 * there; a numeric string in a number field and an epoch number in a time field are normalised; any
 * other difference is left as it came. Both are drift.
 */
function normalise(stream: EventStreamName, event: JsonRecord): { missing?: string; drift: FieldDrift[] } {
  if (typeof event.tenant_id !== 'string' || event.tenant_id === '')
    return { missing: 'tenant_id is missing', drift: [] };
  const drift = normaliseFields(checksOf(EVENT_STREAMS[stream].schema), event, '');
  if (typeof event.timestamp !== 'string' || !instant.safeParse(event.timestamp).success)
    return { missing: 'timestamp is missing or not a time', drift };
  return { drift };
}

/** One declared field, compiled once per schema: what it holds, and a quick test of a conforming value. */
interface FieldCheck {
  field: string;
  declared: z.ZodType;
  /** The fields of an object field, checked one by one when it holds an object. */
  nested: FieldCheck[] | undefined;
  /** True exactly when the schema accepts the value (the schema itself where no quicker test is known). */
  accepts(value: unknown): boolean;
}

/**
 * A test equivalent to the schema's own for the types the models use — a plain string, a safe integer,
 * a finite number, a boolean, an instant, a union of those — or undefined.
 */
function quickTest(schema: z.ZodType): ((value: unknown) => boolean) | undefined {
  if (schema === instant) return (value) => typeof value === 'string' && !Number.isNaN(Date.parse(value));
  if (schema instanceof z.ZodString && !schema._zod.def.checks?.length)
    return (value) => typeof value === 'string';
  if (schema instanceof z.ZodNumber) {
    const checks = schema._zod.def.checks?.length ?? 0;
    if (checks === 0) return (value) => typeof value === 'number' && Number.isFinite(value);
    if (checks === 1 && schema.format === 'safeint') return (value) => Number.isSafeInteger(value);
  }
  if (schema instanceof z.ZodBoolean) return (value) => typeof value === 'boolean';
  if (schema instanceof z.ZodUnion) {
    const options = (schema.options as z.ZodType[]).map(quickTest);
    if (options.every((test) => test !== undefined)) return (value) => options.some((test) => test(value));
  }
  return undefined;
}

const compiled = new WeakMap<z.ZodObject, FieldCheck[]>();

/** The schema's fields as checks, made once per schema. */
export function checksOf(schema: z.ZodObject): FieldCheck[] {
  let checks = compiled.get(schema);
  if (!checks) {
    checks = Object.entries(schema.shape as Record<string, z.ZodType>).map(([field, declared]) => {
      const inner = declared instanceof z.ZodOptional ? (declared.unwrap() as z.ZodType) : declared;
      return {
        field,
        declared,
        nested: inner instanceof z.ZodObject ? checksOf(inner) : undefined,
        accepts: quickTest(inner) ?? ((value) => declared.safeParse(value).success),
      };
    });
    compiled.set(schema, checks);
  }
  return checks;
}

/**
 * Each field the object schema declares, checked in place (see `normalise`); an object field that holds
 * an object is checked field by field (drift named `occurrence_details.happen`).
 */
function normaliseFields(checks: readonly FieldCheck[], object: JsonRecord, path: string): FieldDrift[] {
  const drift: FieldDrift[] = [];
  for (const { field, declared, nested, accepts } of checks) {
    const value = object[field];
    if (value === null || value === undefined) continue;
    if (nested && isPlainObject(value)) {
      drift.push(...normaliseFields(nested, value, `${path}${field}.`));
      continue;
    }
    if (accepts(value)) continue;
    const expected = columnTypeOf(declared);
    let found = describeJsonValue(value);
    if ((expected === 'long' || expected === 'real') && found === 'a numeric string') {
      const number = exactNumber(value as string);
      if (number === undefined) found = LARGE_INTEGER;
      else if (declared.safeParse(number).success) object[field] = number;
    } else if (expected === 'datetime' && typeof value === 'number') object[field] = epochInstant(value);
    drift.push({ field: `${path}${field}`, expected, found });
  }
  return drift;
}
