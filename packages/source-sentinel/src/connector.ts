/**
 * The sentinel source's connector manifest. Cheap to load: the Kafka client is imported only when a
 * source is created.
 */
import { defineStreamSource, envValue } from '@ctxsiem/core';
import { SentinelOptionsSchema } from './config.ts';

export const sentinelConnector = defineStreamSource({
  type: 'sentinel',
  package: '@ctxsiem/source-sentinel',
  summary:
    'Citrix Analytics for Security risk events from its Kafka export: one stream per event type, offsets committed after delivery.',
  schema: SentinelOptionsSchema,
  env: {
    variables: {
      brokers: 'CAS_BROKERS',
      region: 'CAS_REGION',
      topic: 'CAS_TOPIC',
      groupId: 'CAS_GROUP_ID',
      username: 'CAS_USERNAME',
      password: 'CAS_PASSWORD',
      mechanism: 'CAS_SASL_MECHANISM',
      ca: 'CAS_CA_FILE',
      verifyHostname: 'CAS_VERIFY_HOSTNAME',
    },
    read: (env) =>
      envValue.defined({
        brokers: env.CAS_BROKERS,
        region: env.CAS_REGION,
        topic: env.CAS_TOPIC,
        groupId: env.CAS_GROUP_ID,
        username: env.CAS_USERNAME,
        password: env.CAS_PASSWORD,
        mechanism: env.CAS_SASL_MECHANISM,
        ca: env.CAS_CA_FILE,
        verifyHostname: envValue.boolean(env.CAS_VERIFY_HOSTNAME),
      }),
  },
  emulated: true,
  siem: { secopsLogType: 'CITRIX_ANALYTICS' },
  async create(options, deps) {
    const { sentinelSource } = await import('./index.ts');
    return sentinelSource({ options, tenant: deps.tenant.customerId }, deps);
  },
});

export const connectors = [sentinelConnector] as const;
