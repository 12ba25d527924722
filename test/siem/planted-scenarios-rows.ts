/**
 * `collectPlantedRows`: the emulator's planted detection scenarios (`@ctxsiem/emulator`'s `scenarios`
 * option, `PLANTED_SCENARIOS`) collected as a deployment collects them — Monitor, System Log, DaaS
 * configuration log and, through Kafka, Analytics for Security — into the Azure Monitor Logs Ingestion
 * contract server, with the data collection rule ctxsiem generates for that deployment (`azureDcr`), so
 * the rows are what Azure would store. The SIEM content's tests can check each rule's column references
 * against these rows (a rule is never written against data ctxsiem does not deliver).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretRegistry, silentLogger } from '@ctxsiem/core';
import { azureDcr, type CollectSummary, collect } from '@ctxsiem/deployment';
import {
  PLANTED_SCENARIOS,
  type PlantedScenarios,
  plantedRiskEvents,
  produceRiskEvents,
  SCENARIO_WINDOW_MS,
  startEmulator,
} from '@ctxsiem/emulator';
import { type RunningKafka, startAzureMonitorApi, startKafka } from '@ctxsiem/local-services';
import { DeploymentConfigSchema } from '@ctxsiem/registry';

/** Monitor sets the scenarios are in, and those a rule joins them with. */
export const PLANTED_MONITOR_SETS = [
  'Sessions',
  'Connections',
  'ConnectionFailureLogs',
  'Machines',
  'MachineFailureLogs',
  'DesktopGroups',
  'Users',
] as const;

export interface PlantedRows {
  /** What the emulator planted: ids, window, identities, addresses, values. */
  scenarios: PlantedScenarios;
  /** Table → the rows Azure would store (DCR transform applied; datetimes as ISO strings). */
  tables: ReadonlyMap<string, readonly Record<string, unknown>[]>;
  /** Table → its columns, as the generated DCR declares them. */
  columns: ReadonlyMap<string, readonly { name: string; type: string }[]>;
  /** What Azure would have dropped silently (`{stream or table}.{field}: why` → records). */
  drops: Record<string, number>;
  summary: CollectSummary;
}

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
/** The Monitor source reads ModifiedDate data older than now minus 10 minutes (its default lag); and a margin. */
const READ_LAG_MS = 15 * MINUTE_MS;

/** The machines the scenarios name: their rows, and their delivery groups', are what rules join with. */
function plantedMachineIds(scenarios: PlantedScenarios): Set<unknown> {
  return new Set([
    ...scenarios['failure-burst'].failures.map((failure) => failure.machineId),
    ...scenarios['logon-degradation'].logons.map((logon) => logon.machineId),
    ...scenarios['vda-deregistration'].machines.map((machine) => machine.machineId),
    ...[...scenarios['impossible-travel'].sessions, ...scenarios['concurrent-sessions'].sessions].map(
      (session) => session.machineId,
    ),
  ]);
}

/**
 * The first time from 30 minutes after the window, in 5-minute steps, at which the current version of
 * every machine and user the scenarios name and of every delivery group is older than the Monitor
 * source's lag — so that the pool rows a rule joins with (Machines → DesktopGroups, UserId → Users) are
 * all read. The emulator's ground truth tells; the data is deterministic, so it is always the same time.
 */
async function settledNow(windowEnd: number): Promise<number> {
  const machines = plantedMachineIds(PLANTED_SCENARIOS);
  const users = new Set<unknown>(
    (['impossible-travel', 'concurrent-sessions', 'failure-burst'] as const).map(
      (id) => PLANTED_SCENARIOS[id].user.userId,
    ),
  );
  for (let now = windowEnd + 30 * MINUTE_MS; now <= windowEnd + 4 * HOUR_MS; now += 5 * MINUTE_MS) {
    const emulator = await startEmulator({ scenarios: true, sessionsPerHour: 0, now: () => now });
    try {
      const all = { from: new Date(0), to: new Date(now + 1) };
      const pools = [
        ...[...emulator.data.monitor('Machines', all)].filter((row) => machines.has(row.Id)),
        ...emulator.data.monitor('DesktopGroups', all),
        ...[...emulator.data.monitor('Users', all)].filter((row) => users.has(row.Id)),
      ];
      if (pools.every((row) => Date.parse(String(row.ModifiedDate)) <= now - READ_LAG_MS)) return now;
    } finally {
      await emulator.close();
    }
  }
  throw new Error('no time after the window at which every machine and delivery group has settled');
}
const KAFKA_USER = { name: 'cas-export', password: 'cas-export-password-planted' };
const TOPIC = 'planted-risk';

/**
 * Starts the emulator with the scenarios planted (seed 1, the default window), a Kafka broker holding the
 * `risk-jump` events (unless `analytics: false`) and the Azure contract server; collects from a day
 * before the window (so the pool sets' current versions are read) to a time after it at which the machines' and delivery groups' versions are read; returns every
 * table's rows. Everything it starts is stopped before it returns.
 */
export async function collectPlantedRows(options: { analytics?: boolean } = {}): Promise<PlantedRows> {
  const analytics = options.analytics ?? true;
  const scratch = await mkdtemp(join(tmpdir(), 'ctxsiem-planted-'));
  const opened: { close(): Promise<void> }[] = [];
  try {
    const windowStart = Date.parse(PLANTED_SCENARIOS.window.from);
    const now = await settledNow(windowStart + SCENARIO_WINDOW_MS);
    const emulator = await startEmulator({ scenarios: true, sessionsPerHour: 20, now: () => now });
    opened.push(emulator);
    const scenarios = emulator.scenarios!;
    const api = await startAzureMonitorApi();
    opened.push(api);
    let kafka: RunningKafka | undefined;
    if (analytics) {
      kafka = await startKafka({
        users: [KAFKA_USER],
        topics: [{ name: TOPIC, partitions: 1 }],
        grants: [{ user: KAFKA_USER.name, topic: TOPIC, group: `group-${TOPIC}` }],
      });
      opened.push({ close: () => kafka!.stop() });
      await produceRiskEvents({
        connection: kafka.adminConnection,
        topic: TOPIC,
        events: plantedRiskEvents({ tenant: scenarios.tenant }),
      });
    }
    const out = join(scratch, 'state');
    const config = DeploymentConfigSchema.parse({
      tenants: [{ ...emulator.connection }],
      sources: [
        { type: 'monitor', entities: [...PLANTED_MONITOR_SETS] },
        { type: 'systemlog' },
        { type: 'daasconfiglog' },
        ...(kafka
          ? [
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
            ]
          : []),
      ],
      sink: { type: 'azure-monitor', ...api.connection },
      deadLetters: { type: 'file', directory: join(out, '_deadletter') },
      checkpoint: { type: 'file', directory: out },
      // A day and an hour before the window: every user's current version (Users change at least daily).
      runner: { start: new Date(windowStart - 25 * HOUR_MS).toISOString() },
    });
    // The deployment's clock starts at `now` and runs: the sentinel source stops once idle for a second.
    const started = Date.now();
    const clock = { now: () => now + (Date.now() - started) };
    const deps = { logger: silentLogger(), clock, secrets: new SecretRegistry() };
    const dcr = await azureDcr(config, deps);
    api.loadDcr(dcr);
    const summary = await collect(config, deps);
    return {
      scenarios,
      tables: new Map(api.rows),
      columns: new Map(Object.entries(dcr.tables).map(([table, { columns }]) => [table, columns])),
      drops: { ...api.drops },
      summary,
    };
  } finally {
    for (const service of opened.reverse()) await service.close();
    await rm(scratch, { recursive: true, force: true });
  }
}
