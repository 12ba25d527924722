/**
 * The `scenarios` option plants the detection scenarios (planted-scenarios.ts) and changes nothing else:
 * every record of the emulator without it is served the same with it, the planted ones are added (and
 * the planted machines get their versions), and the plants move with `windowStart`. What each scenario
 * delivers to a SIEM is checked end to end in test/siem/planted-scenarios.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Emulator,
  latestScenarioWindowStart,
  PLANTED_SCENARIOS,
  plantedScenarios,
  startEmulator,
} from '../src/index.ts';

const WINDOW = { from: new Date(PLANTED_SCENARIOS.window.from), to: new Date(PLANTED_SCENARIOS.window.to) };
const NOW = WINDOW.to.getTime() + 3_600_000;
/** From an hour before the window to now: the hours the planted sessions' records reach. */
const RANGE = { from: new Date(WINDOW.from.getTime() - 3_600_000), to: new Date(NOW) };

let plain: Emulator;
let planted: Emulator;

beforeAll(async () => {
  plain = await startEmulator({ sessionsPerHour: 40, now: () => NOW });
  planted = await startEmulator({ sessionsPerHour: 40, now: () => NOW, scenarios: true });
});
afterAll(async () => {
  await plain?.close();
  await planted?.close();
});

/** Records by key, serialised: what a collector would store. */
function byKey(rows: Iterable<Record<string, unknown>>, key: (row: Record<string, unknown>) => unknown) {
  return new Map([...rows].map((row) => [String(key(row)), JSON.stringify(row)]));
}

/** The planted emulator serves every record of the plain one unchanged; returns the keys it adds. */
function added(
  plainRows: Iterable<Record<string, unknown>>,
  plantedRows: Iterable<Record<string, unknown>>,
  key: (row: Record<string, unknown>) => unknown,
): string[] {
  const before = byKey(plainRows, key);
  const after = byKey(plantedRows, key);
  for (const [id, row] of before) expect(after.get(id), id).toBe(row);
  return [...after.keys()].filter((id) => !before.has(id));
}

const scenarios = PLANTED_SCENARIOS;
const sessionKeys = [
  ...scenarios['impossible-travel'].sessions,
  ...scenarios['concurrent-sessions'].sessions,
  ...scenarios['failure-burst'].failures,
  ...scenarios['logon-degradation'].logons,
].map((session) => session.sessionKey);

describe('planted scenarios', () => {
  it('are described for the emulator’s options: the default window, seed and customer', () => {
    expect(plain.scenarios).toBeNull();
    expect(planted.scenarios).toEqual(PLANTED_SCENARIOS);
    expect(scenarios.window).toEqual({
      from: '2024-08-04T02:00:00.000Z',
      to: '2024-08-04T04:00:00.000Z',
    });
    expect(new Set(sessionKeys).size).toBe(sessionKeys.length);
  });

  it('add the planted sessions to every session set and change none of the others', () => {
    const sessions = added(
      plain.data.monitor('Sessions', RANGE),
      planted.data.monitor('Sessions', RANGE),
      (row) => row.SessionKey,
    );
    expect(sessions.sort()).toEqual([...sessionKeys].sort());
    const connections = added(
      plain.data.monitor('Connections', RANGE),
      planted.data.monitor('Connections', RANGE),
      (row) => row.Id,
    );
    // One connection per planted session, failed launches included.
    expect(connections).toHaveLength(sessionKeys.length);
    const failures = added(
      plain.data.monitor('ConnectionFailureLogs', RANGE),
      planted.data.monitor('ConnectionFailureLogs', RANGE),
      (row) => row.Id,
    );
    expect(failures).toHaveLength(scenarios['failure-burst'].failures.length);
  });

  it('serve the planted client addresses, failure codes and logon phases', () => {
    const connections = [...planted.data.monitor('Connections', RANGE)];
    for (const session of scenarios['impossible-travel'].sessions) {
      const connection = connections.find((row) => row.SessionKey === session.sessionKey);
      expect(connection).toMatchObject({
        ClientAddress: session.client.address,
        ClientPublicIP: session.client.address,
        ClientLocationCountry: session.client.country,
        ClientLocationCity: session.client.city,
      });
    }
    const failures = [...planted.data.monitor('ConnectionFailureLogs', RANGE)].filter(
      (row) => row.UserId === scenarios['failure-burst'].user.userId,
    );
    expect(failures.map((row) => row.ConnectionFailureEnumValue)).toEqual(
      scenarios['failure-burst'].failures.map(() => 4),
    );
    const sessions = [...planted.data.monitor('Sessions', RANGE)];
    expect(
      scenarios['logon-degradation'].logons.map(
        (logon) => sessions.find((row) => row.SessionKey === logon.sessionKey)?.LogOnDuration,
      ),
    ).toEqual(scenarios['logon-degradation'].logons.map((logon) => logon.logOnMs));
  });

  it('unregister the planted machines and change no other', () => {
    const all = { from: new Date(0), to: new Date(NOW + 1) };
    const before = byKey(plain.data.monitor('Machines', all), (row) => row.Id);
    const after = byKey(planted.data.monitor('Machines', all), (row) => row.Id);
    const changed = [...after.keys()].filter((id) => after.get(id) !== before.get(id));
    const machines = scenarios['vda-deregistration'].machines;
    expect(changed.sort()).toEqual(machines.map((machine) => machine.machineId).sort());
    for (const machine of machines)
      expect(JSON.parse(after.get(machine.machineId)!)).toMatchObject({
        CurrentRegistrationState: 2,
        FaultState: 4,
        LastDeregisteredCode: 102,
        ModifiedDate: machine.at.replace('.000Z', 'Z'),
      });
    // Each outage is a MachineFailureLogs episode, open until the machine registers again.
    const episodes = [...planted.data.monitor('MachineFailureLogs', RANGE)];
    for (const machine of machines)
      expect(
        episodes.find((row) => row.MachineId === machine.machineId && row.FaultState === 4),
      ).toMatchObject({
        FailureStartDate: machine.at.replace('.000Z', 'Z'),
        FailureEndDate: null,
        LastDeregisteredCode: 102,
      });
    // Four hours later each has registered again, at the end of its outage.
    const later = NOW + 4 * 3_600_000;
    const emulator = startEmulator({ now: () => later, scenarios: true });
    return emulator.then(async (running) => {
      try {
        const rows = [...running.data.monitor('Machines', { from: new Date(0), to: new Date(later + 1) })];
        for (const machine of machines) {
          const row = rows.find((r) => r.Id === machine.machineId)!;
          expect(Date.parse(String(row.ModifiedDate))).toBeGreaterThanOrEqual(
            Date.parse(machine.at) + 4 * 3_600_000,
          );
          expect(row.FaultState).not.toBe(4);
        }
        const ended = [
          ...running.data.monitor('MachineFailureLogs', { from: WINDOW.from, to: new Date(later + 1) }),
        ].filter((row) => row.LastDeregisteredCode === 102 && row.FaultState === 4);
        expect(ended.map((row) => row.FailureEndDate).sort()).toEqual(
          machines.map((machine) => machine.until.replace('.000Z', 'Z')).sort(),
        );
      } finally {
        await running.close();
      }
    });
  });

  it('add the planted System Log records and configuration operations, with their low-level operations', () => {
    const customer = scenarios.tenant;
    const records = added(
      plain.data.systemLog(customer, RANGE),
      planted.data.systemLog(customer, RANGE),
      (row) => row.recordId,
    );
    expect(records).toHaveLength(3);
    const events = planted.data
      .systemLog(customer, RANGE)
      .filter((row) => records.includes(String(row.recordId)))
      .map((row) => [
        row.eventType,
        row.targetDisplayName,
        (row.afterChanges as { AccessType?: string }).AccessType,
      ]);
    expect(events).toEqual([
      ['platform/administrator/create', scenarios['new-admin'].email, 'Custom'],
      ['platform/administrator/update', scenarios['new-admin'].email, 'Full'],
      ['platform/clientadministrator/create', scenarios['api-client-created'].clientName, undefined],
    ]);
    const operations = added(
      plain.data.configLog(customer, RANGE),
      planted.data.configLog(customer, RANGE),
      (row) => row.Id,
    );
    expect(operations).toHaveLength(3);
    const fromNewMachine = planted.data
      .configLog(customer, RANGE)
      .find((row) => row.AdminMachineIP === scenarios['new-admin-machine'].adminMachineIp)!;
    expect(fromNewMachine.Text).toBe(scenarios['new-admin-machine'].operations[0]!.text);
    const calls = planted.data.configLogLowLevel(customer, String(fromNewMachine.Id));
    expect(calls?.map((call) => call.AdminMachineIP)).toEqual([
      scenarios['new-admin-machine'].adminMachineIp,
      scenarios['new-admin-machine'].adminMachineIp,
    ]);
    expect(plain.data.configLogLowLevel(customer, String(fromNewMachine.Id))).toBeUndefined();
  });

  it('move with windowStart, which must be a Sunday at 02:00 UTC', async () => {
    const windowStart = '2026-12-06T02:00:00.000Z';
    const moved = plantedScenarios({ windowStart });
    expect(moved.window).toEqual({ from: windowStart, to: '2026-12-06T04:00:00.000Z' });
    expect(moved['off-hours-change'].operations.map((op) => op.at)).toEqual([
      '2026-12-06T02:45:00.000Z',
      '2026-12-06T02:55:00.000Z',
    ]);
    const now = Date.parse('2026-12-06T05:00:00Z');
    const emulator = await startEmulator({ now: () => now, scenarios: { windowStart } });
    try {
      const range = { from: new Date(windowStart), to: new Date(now) };
      expect(
        emulator.data.configLog('demo', range).filter((row) => row.AdminMachineIP === '10.99.7.13'),
      ).toHaveLength(1);
    } finally {
      await emulator.close();
    }
    await expect(startEmulator({ scenarios: { windowStart: '2026-12-07T02:00:00Z' } })).rejects.toThrow(
      /Sunday at 02:00 UTC/,
    );
    expect(() => plantedScenarios({ windowStart: '2026-12-06T03:00:00Z' })).toThrow(/Sunday at 02:00 UTC/);
    // The latest window that has ended: this Sunday's once it is over, else the Sunday before.
    expect(latestScenarioWindowStart(Date.parse('2026-12-06T04:00:00Z'))).toBe(windowStart);
    expect(latestScenarioWindowStart(Date.parse('2026-12-07T19:00:00Z'))).toBe(windowStart);
    expect(latestScenarioWindowStart(Date.parse('2026-12-13T01:00:00Z'))).toBe(windowStart);
    expect(latestScenarioWindowStart(Date.parse('2026-12-06T03:59:59Z'))).toBe('2026-11-29T02:00:00.000Z');
    expect(latestScenarioWindowStart(Date.parse('2026-12-13T04:00:00Z'))).toBe('2026-12-13T02:00:00.000Z');
  });
});
