/**
 * Issue 33 (6): every detection scenario the emulator plants (`PLANTED_SCENARIOS`) is delivered with the
 * fields and values its rule reads, in the tables Azure would store: the planted window collected by a
 * deployment (Monitor, System Log, DaaS configuration log, Analytics for Security through Kafka) into the
 * Azure Monitor Logs Ingestion contract server with the DCR ctxsiem generates (`collectPlantedRows`).
 * Rows are read as a rule reads them: a record's latest version per key, joined on the columns the
 * tables share (SessionKey, MachineId → Machines, DesktopGroupId → DesktopGroups).
 */
import { PLANTED_SCENARIOS, type PlantedScenarios, SCENARIO_IDS, startEmulator } from '@ctxsiem/emulator';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectPlantedRows, type PlantedRows } from './planted-scenarios-rows.ts';

type Row = Record<string, unknown>;

let delivered: PlantedRows;
let planted: PlantedScenarios;

beforeAll(async () => {
  delivered = await collectPlantedRows();
  planted = delivered.scenarios;
}, 240_000);

/** A table's rows; fails when the table has none. */
function rowsOf(table: string): readonly Row[] {
  const rows = delivered.tables.get(table) ?? [];
  expect(rows.length, `rows in ${table}`).toBeGreaterThan(0);
  return rows;
}

/** The latest version of each record (by `key`, the newest `ModifiedDate` or event time). */
function latest(table: string, key: string): Map<unknown, Row> {
  const byKey = new Map<unknown, Row>();
  for (const row of rowsOf(table)) {
    const previous = byKey.get(row[key]);
    const time = (r: Row) => Date.parse(String(r.ModifiedDate ?? r.ctxsiem_event_time));
    if (!previous || time(row) >= time(previous)) byKey.set(row[key], row);
  }
  return byKey;
}

const ms = (value: unknown) => Date.parse(String(value));
const inWindow = (value: unknown) =>
  ms(value) >= ms(planted.window.from) && ms(value) < ms(planted.window.to);
/** RFC 1918 and loopback: never the address a travel rule locates. */
const isPrivate = (address: string) => /^(10\.|127\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(address);

/**
 * The planted sessions among a user's sessions in the window, as the Sessions table has them (UserName
 * flattened by ctxsiem); the user may have others, as any user may.
 */
function sessionsOf(userName: string, planted: readonly { sessionKey: string }[]): Row[] {
  const sessions = [...latest('CitrixMonitorSessions_CL', 'SessionKey').values()].filter(
    (row) => row.UserName === userName && inWindow(row.StartDate),
  );
  const keys = new Set<unknown>(planted.map((session) => session.sessionKey));
  const mine = sessions.filter((row) => keys.has(row.SessionKey));
  expect(mine, `the planted sessions of ${userName}`).toHaveLength(keys.size);
  return mine;
}

/** The first connection of each session (Connections joined on SessionKey). */
function connectionsOf(sessions: readonly Row[]): Row[] {
  const keys = new Set(sessions.map((session) => session.SessionKey));
  return [...latest('CitrixMonitorConnections_CL', 'Id_citrix').values()].filter(
    (row) => keys.has(row.SessionKey) && row.IsReconnect === false,
  );
}

/** A machine's delivery group name: Machines.DesktopGroupId → DesktopGroups.Name. */
function groupNameOf(machineId: unknown): unknown {
  const machine = latest('CitrixMonitorMachines_CL', 'Id_citrix').get(machineId);
  expect(machine, `machine ${String(machineId)} in CitrixMonitorMachines_CL`).toBeDefined();
  const group = latest('CitrixMonitorDesktopGroups_CL', 'Id_citrix').get(machine!.DesktopGroupId);
  expect(
    group,
    `delivery group ${String(machine!.DesktopGroupId)} in CitrixMonitorDesktopGroups_CL`,
  ).toBeDefined();
  return group!.Name;
}

/** Every session of the window with its user, first connection's address and country (as a rule joins). */
function windowLogons() {
  const connections = new Map(
    [...latest('CitrixMonitorConnections_CL', 'Id_citrix').values()]
      .filter((row) => row.IsReconnect === false)
      .map((row) => [row.SessionKey, row]),
  );
  return [...latest('CitrixMonitorSessions_CL', 'SessionKey').values()]
    .filter((session) => inWindow(session.StartDate) && connections.has(session.SessionKey))
    .map((session) => {
      const connection = connections.get(session.SessionKey)!;
      return {
        user: String(session.UserName),
        start: ms(session.StartDate),
        end: session.EndDate === null ? Number.POSITIVE_INFINITY : ms(session.EndDate),
        ip: String(connection.ClientPublicIP ?? connection.ClientAddress),
        country: connection.ClientLocationCountry,
      };
    });
}

/** The users with two logons matching `pair` (the logons as `windowLogons` gives them). */
function usersWithPair(
  pair: (a: ReturnType<typeof windowLogons>[number], b: ReturnType<typeof windowLogons>[number]) => boolean,
): Set<string> {
  const logons = windowLogons();
  const users = new Set<string>();
  for (const a of logons)
    for (const b of logons)
      if (a !== b && a.user === b.user && a.start <= b.start && pair(a, b)) users.add(a.user);
  return users;
}

describe('the planted scenarios, as Azure stores them', () => {
  it('delivers every planted table, drops nothing, and names every scenario id once', () => {
    expect(delivered.summary.totals.failed).toEqual([]);
    expect(delivered.drops).toEqual({});
    expect(SCENARIO_IDS.map((id) => planted[id].id)).toEqual([...SCENARIO_IDS]);
    for (const id of SCENARIO_IDS) {
      expect(planted[id].window, id).toEqual(PLANTED_SCENARIOS.window);
      for (const table of planted[id].tables) rowsOf(table);
    }
    // The window: a Sunday, 02:00–04:00 UTC.
    expect(new Date(planted.window.from).getUTCDay()).toBe(0);
    expect(new Date(planted.window.from).getUTCHours()).toBe(2);
  });

  it('impossible-travel: one user, two connections ≤ 30 min apart from public addresses in two countries', () => {
    const scenario = planted['impossible-travel'];
    const sessions = sessionsOf(scenario.user.userName, scenario.sessions);
    for (const session of sessions) expect(session.UserId).toBe(scenario.user.userId);
    const connections = connectionsOf(sessions).sort((a, b) => ms(a.LogOnStartDate) - ms(b.LogOnStartDate));
    expect(connections).toHaveLength(2);
    expect(connections.map((c) => c.ClientAddress)).toEqual(['81.2.69.142', '216.160.83.56']);
    expect(connections.map((c) => c.ClientLocationCountry)).toEqual(['United Kingdom', 'United States']);
    const [first, second] = connections as [Row, Row];
    expect(ms(second.LogOnStartDate) - ms(first.LogOnStartDate)).toBeLessThanOrEqual(30 * 60_000);
    for (const connection of connections) {
      expect(isPrivate(String(connection.ClientAddress))).toBe(false);
      expect(connection.ClientPublicIP).toBe(connection.ClientAddress);
      for (const column of ['ClientName', 'ClientPlatform', 'ClientVersion', 'ClientLocationCity'])
        expect(typeof connection[column], column).toBe('string');
      expect(inWindow(connection.LogOnStartDate)).toBe(true);
    }
  });

  it('impossible-travel and concurrent-sessions: only the planted users look so (generated users connect from home)', () => {
    expect(windowLogons().length).toBeGreaterThan(30);
    const travelling = usersWithPair((a, b) => a.country !== b.country && b.start - a.start <= 30 * 60_000);
    expect(travelling).toEqual(new Set([planted['impossible-travel'].user.userName]));
    const concurrent = usersWithPair((a, b) => a.ip !== b.ip && b.start < a.end);
    expect(concurrent).toEqual(new Set([planted['concurrent-sessions'].user.userName]));
  });

  it('concurrent-sessions: one user, two sessions active at once from two client addresses', () => {
    const scenario = planted['concurrent-sessions'];
    const sessions = sessionsOf(scenario.user.userName, scenario.sessions).sort(
      (a, b) => ms(a.StartDate) - ms(b.StartDate),
    );
    expect(sessions).toHaveLength(2);
    const [first, second] = sessions as [Row, Row];
    // Overlapping: the second started before the first ended.
    expect(ms(second.StartDate)).toBeLessThan(ms(first.EndDate));
    const addresses = connectionsOf(sessions).map((c) => c.ClientAddress);
    expect(new Set(addresses)).toEqual(new Set(scenario.sessions.map((s) => s.client.address)));
    expect(new Set(addresses).size).toBe(2);
  });

  it('failure-burst: ≥ 10 failures of one user within 10 minutes, on one delivery group, a documented category', () => {
    const scenario = planted['failure-burst'];
    const inTheWindow = [...latest('CitrixMonitorConnectionFailureLogs_CL', 'Id_citrix').values()].filter(
      (row) => inWindow(row.FailureDate),
    );
    // Only the planted user fails 10 times in 10 minutes.
    const bursts = new Set(
      inTheWindow
        .filter(
          (row) =>
            inTheWindow.filter(
              (other) =>
                other.UserId === row.UserId &&
                ms(other.FailureDate) >= ms(row.FailureDate) &&
                ms(other.FailureDate) - ms(row.FailureDate) <= 10 * 60_000,
            ).length >= 10,
        )
        .map((row) => row.UserId),
    );
    expect(bursts).toEqual(new Set([scenario.user.userId]));
    const failures = inTheWindow.filter((row) => row.UserId === scenario.user.userId);
    expect(failures.length).toBeGreaterThanOrEqual(10);
    const times = failures.map((row) => ms(row.FailureDate)).sort((a, b) => a - b);
    expect(times.at(-1)! - times[0]!).toBeLessThanOrEqual(10 * 60_000);
    // ConnectionTimeout (4) of Citrix's SessionFailureCode enum.
    expect(new Set(failures.map((row) => row.ConnectionFailureEnumValue))).toEqual(new Set([4]));
    expect(new Set(failures.map((row) => groupNameOf(row.MachineId)))).toEqual(
      new Set([scenario.desktopGroupName]),
    );
    // The user's name through the failed session (Sessions.UserName, ctxsiem's flattening of User) and
    // through UserId → Users (as the ASIM authentication parser reads it).
    const sessions = latest('CitrixMonitorSessions_CL', 'SessionKey');
    for (const failure of failures)
      expect(sessions.get(failure.SessionKey)?.UserName).toBe(scenario.user.userName);
    expect(latest('CitrixMonitorUsers_CL', 'Id_citrix').get(scenario.user.userId)).toMatchObject({
      UserName: scenario.user.userName,
      Upn: scenario.user.upn,
    });
  });

  it('logon-degradation: logons of one delivery group whose phases grow', () => {
    const scenario = planted['logon-degradation'];
    const keys = new Set<unknown>(scenario.logons.map((logon) => logon.sessionKey));
    const sessions = [...latest('CitrixMonitorSessions_CL', 'SessionKey').values()]
      .filter((row) => keys.has(row.SessionKey))
      .sort((a, b) => ms(a.StartDate) - ms(b.StartDate));
    expect(sessions).toHaveLength(scenario.logons.length);
    const durations = sessions.map((row) => row.LogOnDuration as number);
    expect(durations).toEqual(scenario.logons.map((logon) => logon.logOnMs));
    expect(durations).toEqual(durations.toSorted((a, b) => a - b));
    expect(durations.at(-1)!).toBeGreaterThan(2 * durations[0]!);
    for (const session of sessions) expect(groupNameOf(session.MachineId)).toBe(scenario.desktopGroupName);
    // Connections carry each phase's start and end (Citrix's Connection entity has no *Duration column
    // beyond BrokeringDuration and AuthenticationDuration): each phase grows from logon to logon.
    const connections = new Map(connectionsOf(sessions).map((row) => [row.SessionKey, row]));
    const phase = (row: Row, name: string) => ms(row[`${name}EndDate`]) - ms(row[`${name}StartDate`]);
    for (const name of ['Gpo', 'LogOnScripts', 'ProfileLoad', 'Interactive']) {
      const series = sessions.map((session) => phase(connections.get(session.SessionKey)!, name));
      expect(
        series.every((value) => value > 0),
        name,
      ).toBe(true);
      expect(series, name).toEqual(series.toSorted((a, b) => a - b));
    }
    for (const row of connections.values()) {
      expect(typeof row.BrokeringDuration).toBe('number');
      expect(typeof row.AuthenticationDuration).toBe('number');
    }
  });

  it('vda-deregistration: machines of one delivery group unregistered and faulted in the window', () => {
    const scenario = planted['vda-deregistration'];
    const machines = latest('CitrixMonitorMachines_CL', 'Id_citrix');
    for (const expected of scenario.machines) {
      const row = machines.get(expected.machineId);
      expect(row, expected.name).toBeDefined();
      expect(row).toMatchObject({
        Name: expected.name,
        CurrentRegistrationState: 2,
        FaultState: 4,
        LastDeregisteredCode: 102,
      });
      expect(inWindow(row!.RegistrationStateChangeDate)).toBe(true);
      expect(groupNameOf(expected.machineId)).toBe(scenario.desktopGroupName);
      // The fault episode, still open when collected.
      const episodes = [...latest('CitrixMonitorMachineFailureLogs_CL', 'Id_citrix').values()].filter(
        (episode) => episode.MachineId === expected.machineId && inWindow(episode.FailureStartDate),
      );
      expect(episodes).toHaveLength(1);
      expect(episodes[0]).toMatchObject({ FaultState: 4, LastDeregisteredCode: 102, FailureEndDate: null });
      expect(ms(episodes[0]!.FailureStartDate)).toBe(ms(expected.at));
    }
  });

  it('new-admin: the administrator created and granted full access, with the actor, in System Log rows', () => {
    const scenario = planted['new-admin'];
    const records = rowsOf('CitrixSystemlogRecords_CL')
      .filter((row) => row.targetEmail === scenario.email && inWindow(row.utcTimestamp))
      .sort((a, b) => ms(a.utcTimestamp) - ms(b.utcTimestamp));
    expect(records.map((row) => row.eventType)).toEqual(scenario.eventTypes);
    const [created, granted] = records as [Row, Row];
    expect(created).toMatchObject({ targetType: 'administrator', targetDisplayName: scenario.email });
    expect(granted).toMatchObject({
      actorDisplayName: scenario.grantedBy,
      beforeChanges: { AccessType: 'Custom' },
      afterChanges: { AccessType: 'Full', Principal: scenario.email, DisplayName: scenario.displayName },
    });
  });

  it('api-client-created: the secure client’s creation in System Log rows', () => {
    const scenario = planted['api-client-created'];
    const records = rowsOf('CitrixSystemlogRecords_CL').filter(
      (row) => row.eventType === scenario.eventType && row.targetDisplayName === scenario.clientName,
    );
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ targetType: 'service', customerId: planted.tenant });
    expect(ms(records[0]!.utcTimestamp)).toBe(ms(scenario.at));
  });

  it('new-admin-machine: an operation from an admin machine address the site’s log never had', async () => {
    const scenario = planted['new-admin-machine'];
    const operations = rowsOf('CitrixDaaSConfigOps_CL').filter(
      (row) => row.AdminMachineIp === scenario.adminMachineIp,
    );
    expect(operations.map((row) => row.OperationText)).toEqual(scenario.operations.map((op) => op.text));
    expect(String(operations[0]!.User)).toContain(scenario.user);
    expect(inWindow(operations[0]!.StartTime)).toBe(true);
    // Never before: not in the 30 days of operations before it (the emulator's own ground truth).
    const emulator = await startEmulator({ scenarios: true, now: () => ms(planted.window.to) });
    try {
      const earlier = emulator.data.configLog(planted.tenant, {
        from: new Date(ms(planted.window.from) - 30 * 86_400_000),
        to: new Date(ms(scenario.operations[0]!.at)),
      });
      expect(earlier.length).toBeGreaterThan(500);
      expect(earlier.filter((op) => op.AdminMachineIP === scenario.adminMachineIp)).toEqual([]);
    } finally {
      await emulator.close();
    }
  });

  it('off-hours-change: configuration changes at 02:00–04:00 UTC on a Sunday', () => {
    const scenario = planted['off-hours-change'];
    const operations = rowsOf('CitrixDaaSConfigOps_CL').filter((row) =>
      scenario.operations.some((op) => op.text === row.OperationText && ms(op.at) === ms(row.StartTime)),
    );
    expect(operations).toHaveLength(scenario.operations.length);
    for (const row of operations) {
      const start = new Date(String(row.StartTime));
      expect(start.getUTCDay()).toBe(0);
      expect(start.getUTCHours()).toBeGreaterThanOrEqual(2);
      expect(start.getUTCHours()).toBeLessThan(4);
      expect(String(row.User)).toContain(scenario.user);
    }
  });

  it('risk-jump: the user’s cur_riskscore from ≤ 20 to ≥ 80 in riskScoreChange rows', () => {
    const scenario = planted['risk-jump'];
    const events = rowsOf('CitrixAnalytics_riskScoreChange_V1_CL')
      .filter((row) => row.entity_id === scenario.user.upn)
      .sort((a, b) => ms(a.timestamp) - ms(b.timestamp));
    expect(events.map((row) => row.cur_riskscore)).toEqual(
      scenario.events.map((event) => event.cur_riskscore),
    );
    expect(events[0]!.cur_riskscore as number).toBeLessThanOrEqual(20);
    expect(events.at(-1)!.cur_riskscore as number).toBeGreaterThanOrEqual(80);
    for (const row of events) {
      expect(row).toMatchObject({ event_type: 'riskScoreChange', tenant_id: planted.tenant });
      expect(inWindow(row.timestamp)).toBe(true);
    }
  });
});
