/**
 * Issue 33, SecOps: the detection scenarios the emulator plants, collected by a deployment (Monitor,
 * System Log, DaaS configuration log, and Analytics for Security's risk events through Kafka) through
 * the SecOps sink with `format: udm` into the SecOps contract server (which checks every event against
 * the UDM schema), arrive as UDM events carrying the fields and values the YARA-L rules
 * (content/secops/rules) read — so a rule is never written against data ctxsiem does not deliver.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretRegistry, silentLogger } from '@ctxsiem/core';
import { collect } from '@ctxsiem/deployment';
import {
  type PlantedScenarios,
  plantedRiskEvents,
  produceRiskEvents,
  SCENARIO_WINDOW_MS,
  startEmulator,
} from '@ctxsiem/emulator';
import { type RunningKafka, type SecOpsApi, startKafka, startSecOpsApi } from '@ctxsiem/local-services';
import { DeploymentConfigSchema } from '@ctxsiem/registry';
import { udmEventProblems } from '@ctxsiem/sink-secops';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Udm = {
  metadata: Record<string, string>;
  principal?: { ip?: string[]; user?: { userid?: string }; location?: { country_or_region?: string } };
  target?: {
    user?: { userid?: string; product_object_id?: string; role_name?: string };
    resource?: { resource_type?: string; name?: string };
  };
  network?: { session_id?: string };
  security_result?: { action?: string[]; summary?: string; risk_score?: number }[];
};

const HOUR_MS = 3_600_000;
const KAFKA_USER = { name: 'cas-export', password: 'cas-export-password-secops' };
const TOPIC = 'planted-risk-secops';
let api: SecOpsApi;
let kafka: RunningKafka | undefined;
let events: Udm[];
let planted: PlantedScenarios;
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ctxsiem-secops-udm-'));
  api = await startSecOpsApi({ customLogTypes: ['CTXSIEM_DAASCONFIGLOG'], udmCheck: udmEventProblems });
  const probe = await startEmulator({ scenarios: true, sessionsPerHour: 0 });
  const windowStart = Date.parse(probe.scenarios!.window.from);
  await probe.close();
  const now = windowStart + SCENARIO_WINDOW_MS + HOUR_MS;
  const emulator = await startEmulator({ scenarios: true, sessionsPerHour: 20, now: () => now });
  try {
    planted = emulator.scenarios!;
    kafka = await startKafka({
      users: [KAFKA_USER],
      topics: [{ name: TOPIC, partitions: 1 }],
      grants: [{ user: KAFKA_USER.name, topic: TOPIC, group: `group-${TOPIC}` }],
    });
    await produceRiskEvents({
      connection: kafka.adminConnection,
      topic: TOPIC,
      events: plantedRiskEvents({ tenant: planted.tenant }),
    });
    const out = join(scratch, 'state');
    const config = DeploymentConfigSchema.parse({
      tenants: [{ ...emulator.connection }],
      sources: [
        { type: 'monitor', entities: ['Sessions', 'Connections', 'ConnectionFailureLogs'] },
        { type: 'systemlog' },
        { type: 'daasconfiglog' },
        {
          type: 'sentinel',
          brokers: [kafka.bootstrap],
          topic: TOPIC,
          groupId: `group-${TOPIC}`,
          username: KAFKA_USER.name,
          password: KAFKA_USER.password,
          ca: kafka.ca,
          idleSeconds: 1,
        },
      ],
      sink: {
        type: 'secops',
        format: 'udm',
        project: 'test-project',
        instance: '01234567-89ab-cdef-0123-456789abcdef',
        endpoint: api.endpoint,
        tokenUrl: api.tokenUrl,
        serviceAccountKey: api.serviceAccountKey,
        logTypes: { daasconfiglog: 'CTXSIEM_DAASCONFIGLOG' },
      },
      deadLetters: { type: 'file', directory: join(out, '_deadletter') },
      checkpoint: { type: 'file', directory: out },
      runner: { start: new Date(windowStart - HOUR_MS).toISOString() },
    });
    const started = Date.now();
    await collect(config, {
      logger: silentLogger(),
      clock: { now: () => now + (Date.now() - started) },
      secrets: new SecretRegistry(),
    });
  } finally {
    await emulator.close();
  }
  events = api.events.map((event) => event.udm as Udm);
}, 240_000);
afterAll(async () => {
  await kafka?.stop();
  await api?.close();
  await rm(scratch, { recursive: true, force: true });
});

const of = (productEventType: string) =>
  events.filter((e) => e.metadata.product_event_type === productEventType);
const seconds = (e: Udm) => Date.parse(e.metadata.event_timestamp!) / 1000;

/** The Connections events of a user's sessions: joined to Sessions on the session key, as the rules join them. */
function connectionsOf(userName: string): Udm[] {
  const keys = new Set(
    of('Sessions')
      .filter((s) => s.target?.user?.userid === userName)
      .map((s) => s.network?.session_id),
  );
  return of('Connections').filter((c) => keys.has(c.network?.session_id));
}

describe('SecOps UDM events of the planted scenarios', () => {
  it('every mapped record arrived as a valid UDM event; the others as raw logs', () => {
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) expect(udmEventProblems(event)).toEqual([]);
    expect(new Set(events.map((e) => e.metadata.vendor_name))).toEqual(new Set(['Citrix']));
    // daasSessions has no mapping: raw logs of its log type (as would other sentinel streams be).
    expect(api.accepted.length).toBeGreaterThan(0);
    expect(
      api.accepted.every((log) => ['CTXSIEM_DAASCONFIGLOG', 'CITRIX_ANALYTICS'].includes(log.logType)),
    ).toBe(true);
  });

  it('impossible-travel: the user’s connections from two countries within an hour', () => {
    const scenario = planted['impossible-travel'];
    const connections = connectionsOf(scenario.user.userName);
    const countries = new Set(connections.map((c) => c.principal?.location?.country_or_region));
    for (const session of scenario.sessions) expect(countries).toContain(session.client.country);
    expect(countries.size).toBeGreaterThan(1);
    const times = connections
      .filter((c) => scenario.sessions.some((s) => s.sessionKey === c.network?.session_id))
      .map(seconds);
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(3600);
  });

  it('concurrent-sessions: two sessions of the user from distinct IPs within ten minutes', () => {
    const scenario = planted['concurrent-sessions'];
    const connections = connectionsOf(scenario.user.userName).filter((c) =>
      scenario.sessions.some((s) => s.sessionKey === c.network?.session_id),
    );
    const ips = new Set(connections.flatMap((c) => c.principal?.ip ?? []));
    for (const session of scenario.sessions) expect(ips).toContain(session.client.address);
    expect(new Set(connections.map((c) => c.network?.session_id)).size).toBeGreaterThan(1);
    expect(Math.max(...connections.map(seconds)) - Math.min(...connections.map(seconds))).toBeLessThan(600);
  });

  it('failure-burst: five or more sessions of the user BLOCKed within fifteen minutes, with the category', () => {
    const scenario = planted['failure-burst'];
    const failures = of('ConnectionFailureLogs').filter(
      (f) => f.target?.user?.product_object_id === String(scenario.user.userId),
    );
    const burst = failures.filter((f) =>
      scenario.failures.some((p) => p.sessionKey === f.network?.session_id),
    );
    // The rule counts distinct sessions (a failure log's versions are events each).
    expect(new Set(burst.map((f) => f.network?.session_id)).size).toBeGreaterThanOrEqual(5);
    expect(Math.max(...burst.map(seconds)) - Math.min(...burst.map(seconds))).toBeLessThan(900);
    for (const failure of burst)
      expect(failure.security_result?.[0]).toMatchObject({
        action: ['BLOCK'],
        summary: scenario.failureName,
      });
  });

  it('new-admin: the administrator created, and given full access', () => {
    const scenario = planted['new-admin'];
    const about = events.filter((e) => e.target?.user?.userid === scenario.email);
    expect(about.some((e) => e.metadata.event_type === 'USER_CREATION')).toBe(true);
    if (scenario.records.some((r) => r.accessAfter === 'Full' && r.accessBefore !== 'Full'))
      expect(about.some((e) => e.target?.user?.role_name === 'Full')).toBe(true);
  });

  it('api-client-created: a CREDENTIAL resource created, named as the client', () => {
    const scenario = planted['api-client-created'];
    expect(
      events.some(
        (e) =>
          e.metadata.event_type === 'USER_RESOURCE_CREATION' &&
          e.target?.resource?.resource_type === 'CREDENTIAL' &&
          e.target.resource.name === scenario.clientName,
      ),
    ).toBe(true);
  });

  it('new-admin-machine and off-hours-change: configuration changes with the admin machine, the admin and the time', () => {
    const machine = planted['new-admin-machine'];
    const changes = events.filter((e) => e.metadata.product_name === 'Citrix DaaS Configuration Log');
    expect(changes.some((e) => e.principal?.ip?.includes(machine.adminMachineIp))).toBe(true);
    const offHours = planted['off-hours-change'];
    const late = changes.filter((e) => e.principal?.user?.userid === offHours.user);
    expect(late.length).toBeGreaterThan(0);
    for (const change of late) {
      const at = new Date(change.metadata.event_timestamp!);
      const hour = at.getUTCHours();
      expect(hour < 7 || hour >= 19 || at.getUTCDay() === 0 || at.getUTCDay() === 6).toBe(true);
    }
  });

  it('risk-jump: the user’s risk score rising by 30 or more within a day', () => {
    const scenario = planted['risk-jump'];
    const scores = events
      .filter(
        (e) =>
          e.metadata.product_event_type === 'riskScoreChange' &&
          e.principal?.user?.userid === scenario.user.upn,
      )
      .map((e) => ({ at: seconds(e), score: e.security_result?.[0]?.risk_score ?? Number.NaN }));
    expect(scores.map((s) => s.score).sort()).toEqual(scenario.events.map((e) => e.cur_riskscore).sort());
    const jump = scores.some((later) =>
      scores.some(
        (earlier) =>
          earlier.at < later.at && later.at - earlier.at <= 86_400 && later.score - earlier.score >= 30,
      ),
    );
    expect(jump).toBe(true);
  });
});
