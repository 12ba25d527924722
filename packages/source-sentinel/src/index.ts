/**
 * The sentinel source: Citrix Analytics for Security's risk intelligence, consumed from the tenant's
 * Kafka topic (SASL_SSL with SCRAM) and routed to one stream per event type. Offsets are committed by
 * core's `consume` only after the sink acknowledged a batch.
 */
import { readFile } from 'node:fs/promises';
import type { CheckResult, ConnectorDeps, LogMessage, RoutedStream, StreamSource } from '@ctxsiem/core';
import { ConfigError, SourceError, siblingModule } from '@ctxsiem/core';
import { REGIONAL_BROKERS, type SentinelOptions } from './config.ts';
import { columnsOf, EVENT_STREAM_NAMES } from './events.ts';
import { type KafkaConsumerOptions, KafkaLogConsumer } from './kafka-consumer.ts';
import { describeKafkaFailure } from './kafka-failures.ts';
import { routeMessage } from './message-routing.ts';

export { REGIONAL_BROKERS, type SentinelOptions, SentinelOptionsSchema } from './config.ts';
export {
  columnsOf,
  EVENT_STREAM_NAMES,
  EVENT_STREAMS,
  type EventStreamName,
  streamOfEventType,
} from './events.ts';
export { KafkaLogConsumer } from './kafka-consumer.ts';
export { describeKafkaFailure, type KafkaFailure, kafkaFailureOf } from './kafka-failures.ts';
export {
  deliveryFields,
  OCCURRENCE_DETAILS_PREFIX,
  parseLossless,
  routeMessage,
  UNROUTED_STREAM,
} from './message-routing.ts';

export interface SentinelSourceInput {
  options: SentinelOptions;
  /** The tenant (Citrix customer id): tags every record and replaces `{tenant}` in the options. */
  tenant: string;
}

/** The module routing workers load `createRoute` from: message-routing, as this package is run. */
const ROUTING_MODULE = siblingModule('message-routing', import.meta.url);

/** Field every record carries the tenant in, as the other sources' records do. */
export const TENANT_FIELD = 'citrix_customer_id';

const forTenant = (value: string, tenant: string) => value.replaceAll('{tenant}', tenant);

/** The streams, one per event type, with their columns; each record is unique by `record_id`. */
export const SENTINEL_STREAMS: readonly RoutedStream[] = EVENT_STREAM_NAMES.map((name) => ({
  name,
  timeField: 'timestamp',
  columns: columnsOf(name),
  identity: (record) => record.record_id,
}));

/** The CA option: PEM text as given, a reference resolved, or a file read. */
async function caOf(options: SentinelOptions, deps: ConnectorDeps): Promise<string | undefined> {
  const { ca } = options;
  if (ca === undefined) return undefined;
  if (ca.includes('-----BEGIN')) return ca;
  if (/^(env|file|secretsmanager|gcpsecret):/.test(ca)) {
    if (!deps.resolveSecret)
      throw new ConfigError('source-sentinel', [
        {
          path: 'ca',
          reason: `is a secret reference (${ca.split(':')[0]}:) and nothing resolves references here`,
        },
      ]);
    return deps.resolveSecret(ca, 'ca');
  }
  try {
    return await readFile(ca, 'utf8');
  } catch (error) {
    throw new SourceError(
      'KAFKA_CA_UNREADABLE',
      `cannot read the CA file ${ca} (sentinel source \`ca\`): ${(error as Error).message}`,
    );
  }
}

export function sentinelSource(input: SentinelSourceInput, deps: ConnectorDeps): StreamSource {
  const { options, tenant } = input;
  const topic = forTenant(options.topic, tenant);
  const groupId = forTenant(options.groupId, tenant);
  const username = forTenant(options.username, tenant);
  const brokers = options.brokers ?? [...REGIONAL_BROKERS[options.region]];
  const where = { brokers, topic, user: username };
  const counters = { joins: 0 };

  async function consumerOptions(): Promise<KafkaConsumerOptions> {
    const passwordReference = forTenant(options.password, tenant);
    if (!deps.resolveSecret && /^(env|file|secretsmanager|gcpsecret):/.test(passwordReference))
      throw new ConfigError('source-sentinel', [
        {
          path: 'password',
          reason:
            'is a secret reference and nothing resolves references here: it would be sent to the broker as it is',
        },
      ]);
    const password = deps.resolveSecret
      ? await deps.resolveSecret(passwordReference, 'password')
      : passwordReference;
    deps.secrets?.add(password);
    const ca = await caOf(options, deps);
    return {
      connection: {
        clientId: options.clientId,
        bootstrapBrokers: brokers,
        sasl: { mechanism: options.mechanism, username, password },
        tls: {
          ...(ca ? { ca } : {}),
          ...(options.verifyHostname ? {} : { checkServerIdentity: () => undefined }),
        },
        connectTimeout: 10_000,
      },
      topic,
      groupId,
      maxBytes: options.maxBytes,
      highWaterMark: options.highWaterMark,
      sessionTimeoutMs: options.sessionTimeoutMs,
      groupInstanceId: options.groupInstanceId && forTenant(options.groupInstanceId, tenant),
    };
  }

  async function join(): Promise<KafkaLogConsumer> {
    const settings = await consumerOptions();
    try {
      const consumer = await KafkaLogConsumer.join(settings);
      counters.joins++;
      return consumer;
    } catch (error) {
      throw new SourceError('KAFKA_UNAVAILABLE', describeKafkaFailure(error, where), { cause: error });
    }
  }

  return {
    type: 'sentinel',
    tenant,
    tenantField: TENANT_FIELD,
    log: topic,
    streams: SENTINEL_STREAMS,
    consumption: {
      flush: { records: options.batch.records, bytes: options.batch.bytes, ms: options.batch.waitMs },
      maxInFlight: options.maxInFlight,
      idleMs: options.idleSeconds * 1000,
      routingWorkers: options.routingWorkers,
    },
    route: (message: LogMessage) => routeMessage(topic, message),
    routing: ROUTING_MODULE === undefined ? undefined : { url: ROUTING_MODULE, args: [topic] },
    open: () => join(),
    async check(): Promise<CheckResult[]> {
      try {
        const consumer = await join();
        try {
          const lag = await consumer.lag();
          const behind = lag.reduce((sum, partition) => sum + partition.lag, 0);
          const owned = lag.filter((partition) => partition.owned).length;
          return [
            {
              name: `sentinel ${topic}`,
              ok: true,
              detail: `joined group ${groupId} as ${username}: ${owned} of the topic's ${lag.length} partition(s) assigned, ${behind} message(s) not yet delivered`,
            },
          ];
        } finally {
          await consumer.close();
        }
      } catch (error) {
        return [{ name: `sentinel ${topic}`, ok: false, detail: (error as Error).message }];
      }
    },
    async offsets() {
      try {
        return await KafkaLogConsumer.groupOffsets(await consumerOptions());
      } catch (error) {
        throw new SourceError('KAFKA_UNAVAILABLE', describeKafkaFailure(error, where), { cause: error });
      }
    },
    metrics: () => ({ ...counters }),
  };
}
