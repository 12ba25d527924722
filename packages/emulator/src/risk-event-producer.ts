/**
 * Puts risk events into a Kafka topic as Citrix Analytics for Security's export does: one JSON event
 * per message, keyed by the user it is about (so one user's events stay in order in one partition).
 * A string or bytes item is sent as it is — how tests put a broken message among the events.
 */
import { type BaseOptions, Producer, type ProducerOptions } from '@platformatic/kafka';
import { flattenOccurrenceDetails } from './risk-events.ts';

export interface RiskEventProducerOptions {
  connection: Pick<BaseOptions, 'bootstrapBrokers'> &
    Partial<Pick<BaseOptions, 'clientId'>> &
    Pick<ProducerOptions<Buffer, Buffer, Buffer, Buffer>, 'sasl' | 'tls'>;
  topic: string;
  events: Iterable<Record<string, unknown> | string | Uint8Array>;
  /** Messages per produce request. */
  batchSize?: number;
  /**
   * How an event's `occurrence_details` is sent: as the object the export's JSON nests (default), or
   * flattened into `occurrence_details_<key>` fields as Citrix's Sentinel data collection rule declares
   * them (`flattenOccurrenceDetails`).
   */
  occurrenceDetails?: 'nested' | 'flattened';
}

function messageOf(topic: string, event: Record<string, unknown> | string | Uint8Array) {
  if (typeof event === 'string') return { topic, value: Buffer.from(event) };
  if (event instanceof Uint8Array) return { topic, value: Buffer.from(event) };
  const key = typeof event.entity_id === 'string' ? Buffer.from(event.entity_id) : undefined;
  // The message's time is the event's, as an export stamps what it sends.
  const time = typeof event.timestamp === 'string' ? Date.parse(event.timestamp) : Number.NaN;
  return {
    topic,
    ...(key ? { key } : {}),
    ...(Number.isNaN(time) ? {} : { timestamp: BigInt(time) }),
    value: Buffer.from(JSON.stringify(event)),
  };
}

/** Sends every event (acknowledged by the broker); returns how many were sent. */
export async function produceRiskEvents(options: RiskEventProducerOptions): Promise<number> {
  const producer = new Producer<Buffer, Buffer, Buffer, Buffer>({
    ...options.connection,
    clientId: options.connection.clientId ?? 'ctxsiem-emulator',
    acks: -1,
  });
  const size = options.batchSize ?? 500;
  let sent = 0;
  try {
    let batch: ReturnType<typeof messageOf>[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await producer.send({ messages: batch });
      sent += batch.length;
      batch = [];
    };
    const flatten = options.occurrenceDetails === 'flattened';
    for (const event of options.events) {
      const shaped =
        flatten && typeof event === 'object' && !(event instanceof Uint8Array)
          ? flattenOccurrenceDetails(event)
          : event;
      batch.push(messageOf(options.topic, shaped));
      if (batch.length >= size) await flush();
    }
    await flush();
  } finally {
    await producer.close();
  }
  return sent;
}
