/**
 * Detection scenarios planted in the emulator's deterministic data (option `scenarios`, off by default),
 * all inside one two-hour window — by default Sunday 2024-08-04 02:00–04:00 UTC — so that SIEM content
 * (the Sentinel rules in `content/sentinel`, the SecOps YARA-L rules) is exercised with data ctxsiem really
 * delivers. Each scenario has an id the rules reference:
 *
 * - `impossible-travel`: one user, two sessions 15 minutes apart from London (81.2.69.142) and Milton,
 *   Washington (216.160.83.56);
 * - `concurrent-sessions`: one user with two sessions active at once from two London networks
 *   (81.2.69.160 and 81.2.69.192: an office and a phone, not a journey);
 * - `failure-burst`: 12 failed launches of one user in 7 min 20 s, all on the machines of one delivery
 *   group, ConnectionFailureEnumValue 4 (ConnectionTimeout);
 * - `logon-degradation`: eight logons in one delivery group whose phases (GPO, profile load, interactive)
 *   grow from about 20 s to over 2 minutes in total;
 * - `vda-deregistration`: three machines of one delivery group going Unregistered (FaultState 4), down
 *   for four hours: a Machines version and a MachineFailureLogs row each;
 * - `new-admin` and `api-client-created`: System Log records of an administrator created then granted full
 *   access, and of a secure (API) client created;
 * - `new-admin-machine` and `off-hours-change`: DaaS configuration log operations from an admin machine
 *   address the site's data never has otherwise, and changes at 02:45–02:55 UTC on the Sunday;
 * - `risk-jump`: Analytics for Security riskScoreChange events of the impossible traveller, 12 then 86
 *   (`plantedRiskEvents`: produced into Kafka by whoever runs the export, as `produceRiskEvents` does).
 *
 * Planted sessions are extra sessions of their start hour (indexes from `sessionsPerHour` on), so every set
 * derived from sessions (Sessions, Connections, ConnectionFailureLogs, LogOnMetrics, the summaries,
 * casodata) carries them consistently; planted machines get one more version; planted audit records are
 * added to their hour. Without the option nothing changes.
 *
 * Client addresses: public addresses whose place MaxMind's own test databases publish (maxmind/MaxMind-DB
 * `source-data/GeoLite2-City-Test.json` @ 3f9f0b77f5610d009d5d75f6ccfac4a1a9f06569: 81.2.69.142/31,
 * 81.2.69.160/27 and 81.2.69.192/28 London GB, 216.160.83.56/29 Milton US), so any GeoIP test
 * database places them as the emulator's Connections do (ClientLocationCountry / City). Enum values:
 * Citrix's Monitor enums (docs/research/monitor-entity-sets.md §4, from developer-docs.citrix.com/en-us/
 * monitor-service-odata-api/monitor-service-enums). System Log event types: "System Log events for the
 * Citrix Cloud platform" (docs.citrix.com/en-us/citrix-cloud/citrix-cloud-management/system-log/
 * platform-events.html), as admin-audit.ts writes them.
 */
import { createPopulation, type Population } from './population.ts';
import { rngFor } from './random.ts';
import { DAY_MS, HOUR_MS, hourIndex, MINUTE_MS, SECOND_MS } from './time.ts';

export const SCENARIO_IDS = [
  'impossible-travel',
  'concurrent-sessions',
  'failure-burst',
  'new-admin',
  'api-client-created',
  'new-admin-machine',
  'off-hours-change',
  'risk-jump',
  'vda-deregistration',
  'logon-degradation',
] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

/** The default window's start: a Sunday, 02:00 UTC (2024-08-04 was a Sunday). */
export const DEFAULT_SCENARIO_WINDOW_START = '2024-08-04T02:00:00.000Z';
/** Every scenario lies within two hours of the window's start: Sunday 02:00–04:00 UTC. */
export const SCENARIO_WINDOW_MS = 2 * HOUR_MS;
/** How long planted machines stay unregistered before a later version registers them again. */
const DEREGISTRATION_MS = 4 * HOUR_MS;

export interface ScenarioWindow {
  from: string;
  to: string;
}

/** A Monitor user as Sessions carry it (UserId) and as ctxsiem flattens it (UserName, FullName). */
export interface PlantedUser {
  userId: number;
  userName: string;
  fullName: string;
  upn: string;
}

export interface PlantedClient {
  /** Connections.ClientAddress and ClientPublicIP. */
  address: string;
  /** Connections.ClientLocationCountry / ClientLocationCity: MaxMind's place of the address. */
  country: string;
  countryCode: string;
  city: string;
}

export interface PlantedSessionSummary {
  /** Sessions.SessionKey (Connections.SessionKey). */
  sessionKey: string;
  start: string;
  end: string;
  client: PlantedClient;
  machineId: string;
  desktopGroupName: string;
}

interface ScenarioBase {
  id: ScenarioId;
  window: ScenarioWindow;
  /** The customer id the records are for (every customer of the emulator has them). */
  tenant: string;
  /** What is planted, in one sentence. */
  planted: string;
  /** Where ctxsiem delivers it: Azure tables (default names) the rules read. */
  tables: string[];
}

export interface PlantedScenarios {
  seed: number;
  window: ScenarioWindow;
  tenant: string;
  'impossible-travel': ScenarioBase & { user: PlantedUser; sessions: PlantedSessionSummary[] };
  'concurrent-sessions': ScenarioBase & { user: PlantedUser; sessions: PlantedSessionSummary[] };
  'failure-burst': ScenarioBase & {
    user: PlantedUser;
    desktopGroupId: string;
    desktopGroupName: string;
    /** ConnectionFailureEnumValue of every failure. */
    failureEnum: number;
    failureName: string;
    failures: { sessionKey: string; failureDate: string; machineId: string }[];
  };
  'logon-degradation': ScenarioBase & {
    desktopGroupId: string;
    desktopGroupName: string;
    /** The logons in order, with their whole logon duration (Sessions.LogOnDuration, ms). */
    logons: { sessionKey: string; start: string; logOnMs: number; machineId: string }[];
  };
  'vda-deregistration': ScenarioBase & {
    desktopGroupId: string;
    desktopGroupName: string;
    machines: {
      machineId: string;
      name: string;
      /** When it deregistered (Machines.RegistrationStateChangeDate, MachineFailureLogs.FailureStartDate). */
      at: string;
      /** When it registers again (the MachineFailureLogs row's FailureEndDate). */
      until: string;
      /** Machines.CurrentRegistrationState (2 Unregistered), FaultState (4 Unregistered). */
      registrationState: number;
      faultState: number;
      lastDeregisteredCode: number;
    }[];
  };
  'new-admin': ScenarioBase & {
    email: string;
    displayName: string;
    eventTypes: string[];
    /** The actor of the full-access grant. */
    grantedBy: string;
    records: { eventType: string; at: string; accessBefore: string | null; accessAfter: string }[];
  };
  'api-client-created': ScenarioBase & { eventType: string; clientName: string; at: string };
  'new-admin-machine': ScenarioBase & {
    adminMachineIp: string;
    user: string;
    operations: { text: string; at: string }[];
  };
  'off-hours-change': ScenarioBase & { user: string; operations: { text: string; at: string }[] };
  'risk-jump': ScenarioBase & {
    user: PlantedUser;
    events: { timestamp: string; cur_riskscore: number }[];
  };
}

/** One session the plan adds: its timeline and what its detail overrides. */
export interface PlantedSessionSpec {
  scenario: ScenarioId;
  /** Unique per plan: seeds the session's key. */
  name: string;
  start: number;
  end: number;
  logOnMs: number;
  failed: boolean;
  userIndex: number;
  machineIndex: number;
  client?: PlantedClient & { name: string; platform: string; version: string };
  /** Logon phases (ms), summing to logOnMs with brokering. */
  phases?: {
    brokeringMs: number;
    authenticationMs: number;
    gpoMs: number;
    scriptsMs: number;
    profileMs: number;
    interactiveMs: number;
  };
  failureEnum?: number;
}

export interface PlantedMachineSpec {
  machineIndex: number;
  at: number;
  until: number;
  faultState: number;
  lastDeregisteredCode: number;
}

export interface PlantedAuditRecord {
  at: number;
  eventType: string;
  name: string;
  target: { displayName: string; email: string | null; accessBefore: string | null; accessAfter: string };
  actor: string | null;
}

export interface PlantedOperation {
  at: number;
  name: string;
  kind: 'Add Machines to Delivery Group' | 'Set Delivery Group Power Schedule' | 'Turn On Maintenance Mode';
  admin: string;
  adminMachineIp: string;
  object: string;
}

/** What the generators read: sessions by start hour, machines by index, audit records by hour. */
export interface ScenarioPlan {
  seed: number;
  windowStart: number;
  sessionsByHour: ReadonlyMap<number, readonly PlantedSessionSpec[]>;
  machines: ReadonlyMap<number, PlantedMachineSpec>;
  systemLog: readonly PlantedAuditRecord[];
  operations: readonly PlantedOperation[];
  riskEvents: readonly { at: number; score: number; previous: number }[];
  /** The user of the impossible travel and of the risk jump. */
  travellerIndex: number;
}

const place = (address: string, country: string, countryCode: string, city: string): PlantedClient => ({
  address,
  country,
  countryCode,
  city,
});
// MaxMind GeoLite2-City-Test.json (see the header): the place each network is published with.
const LONDON_1 = place('81.2.69.142', 'United Kingdom', 'GB', 'London');
const MILTON = place('216.160.83.56', 'United States', 'US', 'Milton');
const LONDON_2 = place('81.2.69.160', 'United Kingdom', 'GB', 'London');
const LONDON_3 = place('81.2.69.192', 'United Kingdom', 'GB', 'London');

/** Users (population indexes) and delivery groups (index = machine index mod 4) the scenarios use. */
const TRAVELLER = 41;
const CONCURRENT_USER = 77;
const FAILING_USER = 133;
const FAILURE_GROUP = 1; // Finance Desktops
const DEGRADED_GROUP = 3; // Line of Business Apps
const DEREGISTERED_GROUP = 2; // Office Apps
/** ConnectionFailureEnumValue 4: ConnectionTimeout (Citrix's SessionFailureCode enum). */
const FAILURE_ENUM = 4;
/** Machines.CurrentRegistrationState 2: Unregistered; FaultState 4: Unregistered (MachineFaultStateCode). */
const UNREGISTERED = 2;
const FAULT_UNREGISTERED = 4;
/** LastDeregisteredCode 102: AgentNotContactable (Citrix's deregistration reasons). */
const AGENT_NOT_CONTACTABLE = 102;

const NEW_ADMIN = { displayName: 'Mallory Quinn', email: 'mallory.quinn@example.com' };
const GRANTED_BY = 'raj.patel@example.com';
const API_CLIENT = 'bulk-export-client';
/** Never an address of the normal data: its operations come from 10.0.0–8.x (admin-audit.ts). */
const NEW_ADMIN_MACHINE_IP = '10.99.7.13';
const OFF_HOURS_ADMIN = 'sam.okafor@example.com';

/** Machines of a delivery group (population: machine i is in group i mod 4). */
const machinesOf = (group: number, count: number, skip = 0) =>
  Array.from({ length: count }, (_, k) => group + 4 * (skip + k));

/** The start of a scenario window: a Sunday at 02:00 UTC, else an error. */
export function scenarioWindowStart(value: string | Date): number {
  const at = typeof value === 'string' ? Date.parse(value) : value.getTime();
  const date = new Date(at);
  if (Number.isNaN(at) || date.getUTCDay() !== 0 || at % DAY_MS !== 2 * HOUR_MS)
    throw new Error(`a scenario window starts on a Sunday at 02:00 UTC, not ${String(value)}`);
  return at;
}

/**
 * The start of the latest scenario window that has ended by `now`: the last Sunday 02:00 UTC at least
 * two hours before `now` — for an emulator serving the present (`scenarios: { windowStart }`).
 */
export function latestScenarioWindowStart(now: number): string {
  const lastStart = now - SCENARIO_WINDOW_MS;
  const day = Math.floor(lastStart / DAY_MS) * DAY_MS;
  // 1970-01-01 was a Thursday: day d of the epoch is a Sunday when (d + 4) mod 7 is 0.
  const sinceSunday = (Math.floor(day / DAY_MS) + 4) % 7;
  const sunday = day - sinceSunday * DAY_MS + 2 * HOUR_MS;
  return new Date(sunday <= lastStart ? sunday : sunday - 7 * DAY_MS).toISOString();
}

/** The plan for `seed` with its window starting at `windowStart` (a Sunday, 02:00 UTC). */
export function scenarioPlan(seed: number, windowStart: number): ScenarioPlan {
  const w = windowStart;
  const at = (minutes: number, seconds = 0) => w + minutes * MINUTE_MS + seconds * SECOND_MS;
  const sessions: PlantedSessionSpec[] = [];
  const client = (place: PlantedClient, name: string, platform: string) => ({
    ...place,
    name,
    platform,
    version: '24.5.10.20',
  });
  // impossible-travel: London at 02:10, Milton (US) at 02:25; the first ended at 02:20.
  sessions.push(
    {
      scenario: 'impossible-travel',
      name: 'impossible-travel-1',
      start: at(10),
      end: at(20),
      logOnMs: 14 * SECOND_MS,
      failed: false,
      userIndex: TRAVELLER,
      machineIndex: 0,
      client: client(LONDON_1, 'LT-4417', 'Windows'),
    },
    {
      scenario: 'impossible-travel',
      name: 'impossible-travel-2',
      start: at(25),
      end: at(95),
      logOnMs: 16 * SECOND_MS,
      failed: false,
      userIndex: TRAVELLER,
      machineIndex: 4,
      client: client(MILTON, 'MAC-8812', 'Mac'),
    },
  );
  // concurrent-sessions: both active from 02:35 to 03:30.
  sessions.push(
    {
      scenario: 'concurrent-sessions',
      name: 'concurrent-sessions-1',
      start: at(30),
      end: at(90),
      logOnMs: 12 * SECOND_MS,
      failed: false,
      userIndex: CONCURRENT_USER,
      machineIndex: 2,
      client: client(LONDON_2, 'LT-2290', 'Windows'),
    },
    {
      scenario: 'concurrent-sessions',
      name: 'concurrent-sessions-2',
      start: at(35),
      end: at(100),
      logOnMs: 13 * SECOND_MS,
      failed: false,
      userIndex: CONCURRENT_USER,
      machineIndex: 6,
      client: client(LONDON_3, 'AND-5531', 'Android'),
    },
  );
  // failure-burst: 12 failed launches from 02:40, 40 s apart, on the group's machines in turn.
  const failureMachines = machinesOf(FAILURE_GROUP, 4);
  for (let k = 0; k < 12; k++) {
    const start = at(40, 40 * k);
    sessions.push({
      scenario: 'failure-burst',
      name: `failure-burst-${k + 1}`,
      start,
      end: start + 9 * SECOND_MS,
      logOnMs: 10 * SECOND_MS,
      failed: true,
      userIndex: FAILING_USER,
      machineIndex: failureMachines[k % failureMachines.length]!,
      failureEnum: FAILURE_ENUM,
    });
  }
  // logon-degradation: eight logons from 03:00, 6 minutes apart, each slower than the one before.
  const degradedMachines = machinesOf(DEGRADED_GROUP, 4);
  for (let k = 0; k < 8; k++) {
    const growth = 1 + k * 0.8;
    const phases = {
      brokeringMs: 900,
      authenticationMs: Math.round(1_500 * (1 + k * 0.2)),
      gpoMs: Math.round(4_000 * growth),
      scriptsMs: Math.round(1_200 * growth),
      profileMs: Math.round(7_000 * growth),
      interactiveMs: Math.round(5_000 * growth),
    };
    const logOnMs = Object.values(phases).reduce((sum, ms) => sum + ms, 0);
    const start = at(60 + 6 * k);
    sessions.push({
      scenario: 'logon-degradation',
      name: `logon-degradation-${k + 1}`,
      start,
      end: start + logOnMs + 40 * MINUTE_MS,
      logOnMs,
      failed: false,
      userIndex: 200 + k,
      machineIndex: degradedMachines[k % degradedMachines.length]!,
      phases,
    });
  }
  const sessionsByHour = new Map<number, PlantedSessionSpec[]>();
  for (const session of sessions) {
    const hour = hourIndex(session.start);
    sessionsByHour.set(hour, [...(sessionsByHour.get(hour) ?? []), session]);
  }
  // vda-deregistration: three machines unregistered at 03:10, 03:18 and 03:26.
  const machines = new Map<number, PlantedMachineSpec>(
    machinesOf(DEREGISTERED_GROUP, 3, 2).map((machineIndex, k) => [
      machineIndex,
      {
        machineIndex,
        at: at(70 + 8 * k),
        until: at(70 + 8 * k) + DEREGISTRATION_MS,
        faultState: FAULT_UNREGISTERED,
        lastDeregisteredCode: AGENT_NOT_CONTACTABLE,
      },
    ]),
  );
  const newAdmin = {
    displayName: NEW_ADMIN.displayName,
    email: NEW_ADMIN.email,
  };
  return {
    seed,
    windowStart: w,
    sessionsByHour,
    machines,
    systemLog: [
      {
        at: at(12),
        eventType: 'platform/administrator/create',
        name: 'new-admin-create',
        target: { ...newAdmin, accessBefore: null, accessAfter: 'Custom' },
        actor: null,
      },
      {
        at: at(14),
        eventType: 'platform/administrator/update',
        name: 'new-admin-full-access',
        target: { ...newAdmin, accessBefore: 'Custom', accessAfter: 'Full' },
        actor: GRANTED_BY,
      },
      {
        at: at(20),
        eventType: 'platform/clientadministrator/create',
        name: 'api-client-created',
        target: { displayName: API_CLIENT, email: null, accessBefore: null, accessAfter: 'Full' },
        actor: null,
      },
    ],
    operations: [
      {
        at: at(30),
        name: 'new-admin-machine',
        kind: 'Add Machines to Delivery Group',
        admin: NEW_ADMIN.email,
        adminMachineIp: NEW_ADMIN_MACHINE_IP,
        object: 'DesktopGroup-77',
      },
      {
        at: at(45),
        name: 'off-hours-change-1',
        kind: 'Set Delivery Group Power Schedule',
        admin: OFF_HOURS_ADMIN,
        adminMachineIp: '',
        object: 'DesktopGroup-12',
      },
      {
        at: at(55),
        name: 'off-hours-change-2',
        kind: 'Turn On Maintenance Mode',
        admin: OFF_HOURS_ADMIN,
        adminMachineIp: '',
        object: 'Machine-31',
      },
    ],
    riskEvents: [
      { at: at(50), score: 12, previous: 8 },
      { at: at(56), score: 86, previous: 12 },
    ],
    travellerIndex: TRAVELLER,
  };
}

/** A planted session's key: its own GUID, whatever `sessionsPerHour` is. */
export function plantedSessionKey(plan: ScenarioPlan, session: PlantedSessionSpec): string {
  return rngFor(plan.seed, 'planted-session', session.name).guid();
}

const iso = (ms: number) => new Date(ms).toISOString();

function userOf(population: Population, index: number): PlantedUser {
  const user = population.users[index]!;
  return { userId: user.id, userName: user.userName, fullName: user.fullName, upn: user.upn };
}

/**
 * The planted scenarios for `seed`, the window starting at `windowStart` (a Sunday 02:00 UTC) and the
 * customer `tenant`: what is planted, where, and the identities, addresses and values a rule needs.
 */
export function plantedScenarios(
  options: { seed?: number; windowStart?: string | Date; tenant?: string } = {},
): PlantedScenarios {
  const seed = options.seed ?? 1;
  const windowStart = scenarioWindowStart(options.windowStart ?? DEFAULT_SCENARIO_WINDOW_START);
  const tenant = options.tenant ?? 'demo';
  const plan = scenarioPlan(seed, windowStart);
  const population = createPopulation(seed);
  const window = { from: iso(windowStart), to: iso(windowStart + SCENARIO_WINDOW_MS) };
  const base = (id: ScenarioId, planted: string, tables: string[]): ScenarioBase => ({
    id,
    window,
    tenant,
    planted,
    tables,
  });
  const all = [...plan.sessionsByHour.values()].flat();
  const of = (scenario: ScenarioId) => all.filter((session) => session.scenario === scenario);
  const summary = (session: PlantedSessionSpec): PlantedSessionSummary => {
    const machine = population.machines[session.machineIndex]!;
    return {
      sessionKey: plantedSessionKey(plan, session),
      start: iso(session.start),
      end: iso(session.end),
      client: {
        address: session.client!.address,
        country: session.client!.country,
        countryCode: session.client!.countryCode,
        city: session.client!.city,
      },
      machineId: machine.id,
      desktopGroupName: machine.desktopGroup.name,
    };
  };
  const MONITOR_SESSION_TABLES = ['CitrixMonitorSessions_CL', 'CitrixMonitorConnections_CL'];
  const failureGroup = population.desktopGroups[FAILURE_GROUP]!;
  const degradedGroup = population.desktopGroups[DEGRADED_GROUP]!;
  const deregisteredGroup = population.desktopGroups[DEREGISTERED_GROUP]!;
  const [create, grant, apiClient] = plan.systemLog;
  const [fromNewMachine, ...offHours] = plan.operations;
  const traveller = userOf(population, plan.travellerIndex);
  return {
    seed,
    window,
    tenant,
    'impossible-travel': {
      ...base(
        'impossible-travel',
        'one user, two sessions 15 minutes apart from London (GB) and Milton (US)',
        MONITOR_SESSION_TABLES,
      ),
      user: traveller,
      sessions: of('impossible-travel').map(summary),
    },
    'concurrent-sessions': {
      ...base(
        'concurrent-sessions',
        'one user, two sessions active at once from two client addresses (two London networks)',
        MONITOR_SESSION_TABLES,
      ),
      user: userOf(population, CONCURRENT_USER),
      sessions: of('concurrent-sessions').map(summary),
    },
    'failure-burst': {
      ...base(
        'failure-burst',
        `12 failed launches of one user in 7 min 20 s on the machines of ${failureGroup.name}`,
        [
          'CitrixMonitorConnectionFailureLogs_CL',
          'CitrixMonitorMachines_CL',
          'CitrixMonitorDesktopGroups_CL',
          'CitrixMonitorUsers_CL',
        ],
      ),
      user: userOf(population, FAILING_USER),
      desktopGroupId: failureGroup.id,
      desktopGroupName: failureGroup.name,
      failureEnum: FAILURE_ENUM,
      failureName: 'ConnectionTimeout',
      failures: of('failure-burst').map((session) => ({
        sessionKey: plantedSessionKey(plan, session),
        failureDate: iso(session.end),
        machineId: population.machines[session.machineIndex]!.id,
      })),
    },
    'logon-degradation': {
      ...base(
        'logon-degradation',
        `eight logons in ${degradedGroup.name}, each slower than the one before (GPO, profile load, interactive)`,
        [...MONITOR_SESSION_TABLES, 'CitrixMonitorMachines_CL', 'CitrixMonitorDesktopGroups_CL'],
      ),
      desktopGroupId: degradedGroup.id,
      desktopGroupName: degradedGroup.name,
      logons: of('logon-degradation').map((session) => ({
        sessionKey: plantedSessionKey(plan, session),
        start: iso(session.start),
        logOnMs: session.logOnMs,
        machineId: population.machines[session.machineIndex]!.id,
      })),
    },
    'vda-deregistration': {
      ...base(
        'vda-deregistration',
        `three machines of ${deregisteredGroup.name} going Unregistered (FaultState 4) for four hours`,
        ['CitrixMonitorMachines_CL', 'CitrixMonitorMachineFailureLogs_CL', 'CitrixMonitorDesktopGroups_CL'],
      ),
      desktopGroupId: deregisteredGroup.id,
      desktopGroupName: deregisteredGroup.name,
      machines: [...plan.machines.values()].map((spec) => {
        const machine = population.machines[spec.machineIndex]!;
        return {
          machineId: machine.id,
          name: machine.name,
          at: iso(spec.at),
          until: iso(spec.until),
          registrationState: UNREGISTERED,
          faultState: spec.faultState,
          lastDeregisteredCode: spec.lastDeregisteredCode,
        };
      }),
    },
    'new-admin': {
      ...base(
        'new-admin',
        `administrator ${NEW_ADMIN.email} created, then granted full access by ${GRANTED_BY}`,
        ['CitrixSystemlogRecords_CL'],
      ),
      email: NEW_ADMIN.email,
      displayName: NEW_ADMIN.displayName,
      eventTypes: [create!.eventType, grant!.eventType],
      grantedBy: GRANTED_BY,
      records: [create!, grant!].map((record) => ({
        eventType: record.eventType,
        at: iso(record.at),
        accessBefore: record.target.accessBefore,
        accessAfter: record.target.accessAfter,
      })),
    },
    'api-client-created': {
      ...base('api-client-created', `secure client ${API_CLIENT} created`, ['CitrixSystemlogRecords_CL']),
      eventType: apiClient!.eventType,
      clientName: API_CLIENT,
      at: iso(apiClient!.at),
    },
    'new-admin-machine': {
      ...base(
        'new-admin-machine',
        `a configuration change from ${NEW_ADMIN_MACHINE_IP}, an admin machine the site's log has never had`,
        ['CitrixDaaSConfigOps_CL'],
      ),
      adminMachineIp: NEW_ADMIN_MACHINE_IP,
      user: fromNewMachine!.admin,
      operations: [
        { text: `${fromNewMachine!.kind} '${fromNewMachine!.object}'`, at: iso(fromNewMachine!.at) },
      ],
    },
    'off-hours-change': {
      ...base('off-hours-change', 'two configuration changes at 02:45 and 02:55 UTC on a Sunday', [
        'CitrixDaaSConfigOps_CL',
      ]),
      user: OFF_HOURS_ADMIN,
      operations: offHours.map((operation) => ({
        text: `${operation.kind} '${operation.object}'`,
        at: iso(operation.at),
      })),
    },
    'risk-jump': {
      ...base('risk-jump', `the impossible traveller's risk score from 12 to 86 (riskScoreChange)`, [
        'CitrixAnalytics_riskScoreChange_V1_CL',
      ]),
      user: traveller,
      events: plan.riskEvents.map((event) => ({ timestamp: iso(event.at), cur_riskscore: event.score })),
    },
  };
}

/** The scenarios of the default window, seed 1 and customer `demo` (the emulator's defaults). */
export const PLANTED_SCENARIOS: PlantedScenarios = plantedScenarios();

/**
 * The `risk-jump` events as Analytics for Security's Kafka export sends riskScoreChange events (the shape
 * risk-events.ts writes), for `tenant`: produce them with `produceRiskEvents`.
 */
export function plantedRiskEvents(
  options: { seed?: number; windowStart?: string | Date; tenant?: string } = {},
): Record<string, unknown>[] {
  const seed = options.seed ?? 1;
  const plan = scenarioPlan(seed, scenarioWindowStart(options.windowStart ?? DEFAULT_SCENARIO_WINDOW_START));
  const user = createPopulation(seed).users[plan.travellerIndex]!;
  return plan.riskEvents.map((event) => ({
    tenant_id: options.tenant ?? 'demo',
    entity_id: user.upn,
    entity_type: 'user',
    timestamp: iso(event.at),
    version: 2,
    event_type: 'riskScoreChange',
    alert_type: 'riskScoreIncrease',
    alert_message: `Risk score of ${user.upn} rose to ${event.score}`,
    alert_value: event.score - event.previous,
    cur_riskscore: event.score,
  }));
}
