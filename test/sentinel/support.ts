/** A broker with topics for the sentinel suites, and the emulator's risk events produced into them. */
import { produceRiskEvents, riskEvents } from '@ctxsiem/emulator';
import { type RunningKafka, startKafka } from '@ctxsiem/local-services';

export const TENANT = 'acme01';
export const USER = { name: 'cas-export', password: 'cas-export-password-2' };
export const groupOf = (topic: string) => `group-${topic}`;

export function startBroker(topics: readonly string[]): Promise<RunningKafka> {
  return startKafka({
    users: [USER],
    topics: topics.map((name) => ({ name, partitions: 3 })),
    grants: topics.map((topic) => ({ user: USER.name, topic, group: groupOf(topic) })),
  });
}

/** Produces `count` events of seed 11 into `topic`, then the raw `extra` messages. */
export async function produce(
  kafka: RunningKafka,
  topic: string,
  count: number,
  extra: string[] = [],
): Promise<void> {
  await produceRiskEvents({
    connection: kafka.adminConnection,
    topic,
    events: [
      ...riskEvents({ seed: 11, tenant: TENANT, count, start: new Date('2026-11-02T00:00:00Z') }),
      ...extra,
    ],
  });
}

/** The deployment's source section for `topic`. */
export function sentinelSection(
  kafka: RunningKafka,
  topic: string,
  batch = { records: 1_000, bytes: 1_048_576, waitMs: 200 },
  /** Secret references for the password and the CA instead of their values (`env:…`, `file:…`). */
  references?: { password: string; ca: string },
) {
  return {
    type: 'sentinel',
    brokers: [kafka.bootstrap],
    topic,
    groupId: groupOf(topic),
    username: USER.name,
    password: references?.password ?? USER.password,
    ca: references?.ca ?? kafka.ca,
    idleSeconds: 1,
    batch,
  };
}

/** A tenant entry: the sentinel source needs only its customer id (the API credentials go unused). */
export const TENANT_ENTRY = { customerId: TENANT, clientId: 'unused', clientSecret: 'unused' };
