/**
 * What the demo starts for a source besides the Citrix Cloud emulator: for `sentinel`, a real Apache
 * Kafka broker (obtained and cached like the test servers) with the tenant's topic, a SCRAM user granted
 * only that topic and its group, and the emulator's risk events for the last hours produced into it.
 * Each demo gets a fresh broker, so its topic carries the run's time: its events are new events.
 */
import { randomBytes } from 'node:crypto';
import { floorTo, HOUR_MS, MINUTE_MS } from '@ctxsiem/core';
import type { DeploymentConfig } from '@ctxsiem/registry';

export interface DemoSource {
  config: DeploymentConfig['sources'][number];
  /** What the demo put there, for the closing message. */
  describe: string;
  /** A password the demo made up, to keep out of logs. */
  secret?: string | undefined;
  stop(): Promise<void>;
}

/** Risk events the demo produces: one every 4 seconds over its six hours. */
export const DEMO_RISK_EVENTS = 5_400;

export async function demoSource(
  type: string,
  tenant: string,
  now: number,
  seed: number,
): Promise<DemoSource> {
  if (type !== 'sentinel')
    return { config: { type } as DeploymentConfig['sources'][number], describe: '', stop: async () => {} };
  const [{ startKafka }, { produceRiskEvents, riskEvents }] = await Promise.all([
    import('@ctxsiem/test-kit/servers'),
    import('@ctxsiem/emulator'),
  ]);
  const topic = `cas-risk-${new Date(floorTo(now, MINUTE_MS)).toISOString().replace(/[-:]/g, '').slice(0, 13)}`;
  const user = { name: `${tenant}-export`, password: randomBytes(18).toString('base64url') };
  const group = `${tenant}-ctxsiem`;
  const kafka = await startKafka({
    users: [user],
    topics: [{ name: topic, partitions: 3 }],
    grants: [{ user: user.name, topic, group }],
  });
  try {
    const sent = await produceRiskEvents({
      connection: kafka.adminConnection,
      topic,
      events: riskEvents({
        seed,
        tenant,
        count: DEMO_RISK_EVENTS,
        start: new Date(floorTo(now, HOUR_MS) - 6 * HOUR_MS),
        spacingMs: 4_000,
      }),
    });
    return {
      config: {
        type: 'sentinel',
        brokers: [kafka.bootstrap],
        topic,
        groupId: group,
        username: user.name,
        password: user.password,
        ca: kafka.ca,
        idleSeconds: 2,
        batch: { records: 5_000, bytes: 4 * 1024 * 1024, waitMs: 500 },
      } as DeploymentConfig['sources'][number],
      secret: user.password,
      describe: `Kafka ${kafka.bootstrap} (SASL_SSL, SCRAM): ${sent} risk events in topic ${topic}, 3 partitions`,
      stop: () => kafka.stop(),
    };
  } catch (error) {
    await kafka.stop();
    throw error;
  }
}
