/**
 * One Kafka message to the record and stream it becomes. A message that is not a JSON object, has no
 * known `event_type`, or lacks what identifies an event — its tenant (`tenant_id`) and its time
 * (`timestamp`) — becomes a dead letter carrying its raw value, partition and offset, and the reason;
 * consumption goes on. Every other field is compared with the stream's model, the same rule as the
 * Monitor source's: `null` is a value like any other; a number written as a string (`"55"`) or a time as
 * an epoch number is normalised to the model's type (one record shape per stream); anything else of
 * another type is delivered as it came. Either way the difference is counted as schema drift.
 */
import {
  describeJsonValue,
  type FieldDrift,
  type JsonRecord,
  type LogMessage,
  type RoutedMessage,
} from '@ctxsiem/core';
import type { z } from 'zod';
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

export function routeMessage(topic: string, message: LogMessage): RoutedMessage {
  if (message.value === undefined) return unrouted(topic, message, 'the message has no value');
  let event: unknown;
  try {
    event = JSON.parse(utf8.decode(message.value));
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
  const { missing, drift } = normalise(stream, event as JsonRecord);
  const record = Object.assign(event as JsonRecord, deliveryFields(topic, message));
  if (missing) return { stream, record, reason: `${eventType} cannot be identified: ${missing}` };
  return drift.length > 0 ? { stream, record, drift } : { stream, record };
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
  const drift: FieldDrift[] = [];
  const shape = EVENT_STREAMS[stream].schema.shape as Record<string, z.ZodType>;
  for (const [field, declared] of Object.entries(shape)) {
    const value = event[field];
    if (value === null || value === undefined || declared.safeParse(value).success) continue;
    const expected = columnTypeOf(declared);
    const found = describeJsonValue(value);
    drift.push({ field, expected, found });
    if (expected === 'datetime' && typeof value === 'number') event[field] = epochInstant(value);
    else if ((expected === 'long' || expected === 'real') && found === 'a numeric string') {
      const number = Number(value);
      if (declared.safeParse(number).success) event[field] = number;
    }
  }
  if (typeof event.timestamp !== 'string' || !instant.safeParse(event.timestamp).success)
    return { missing: 'timestamp is missing or not a time', drift };
  return { drift };
}
