/**
 * One Kafka message to the record and stream it becomes. A message that is not a JSON object, has no
 * known `event_type`, or fails its stream's schema becomes a dead letter carrying its raw value,
 * partition and offset, and the reason; consumption goes on.
 */
import type { JsonRecord, LogMessage, RoutedMessage } from '@ctxsiem/core';
import { EVENT_STREAMS, streamOfEventType } from './events.ts';

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

/** The message as a dead letter keeps it: where it was, and its value as text (or base64 when not UTF-8). */
function rawMessage(topic: string, message: LogMessage): JsonRecord {
  const where = { ...deliveryFields(topic, message), kafka_timestamp: message.timestamp.toISOString() };
  if (message.value === undefined) return { ...where, value: null };
  try {
    return { ...where, value: utf8.decode(message.value) };
  } catch {
    return { ...where, valueBase64: Buffer.from(message.value).toString('base64') };
  }
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
  // Checked as the export sent it; then the fields saying where it was read are added (to the parsed
  // object itself: it is this call's own).
  const checked = EVENT_STREAMS[stream].schema.safeParse(event);
  const record = Object.assign(event as JsonRecord, deliveryFields(topic, message));
  if (!checked.success) {
    const issue = checked.error.issues[0];
    return {
      stream,
      record,
      reason: `${eventType} does not match its schema: ${issue?.path.join('.') || 'event'}: ${issue?.message ?? ''}`,
    };
  }
  return { stream, record };
}
