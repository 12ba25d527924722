import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.ts';
import { apiGet, login, monitorPath, readAllPages, type Session, windowFilter } from './emulator-client.ts';

type Row = Record<string, unknown>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SLOT = Date.UTC(2024, 7, 6, 9);

const ms = (value: unknown) => Date.parse(String(value));

describe('LogOnMetrics, SessionMetrics and MachineCosts', () => {
  let now = Date.UTC(2024, 7, 6, 20);
  let emulator: Emulator;
  let session: Session;
  const monitor = (entitySet: string, from: number, to: number) => [
    ...emulator.data.monitor(entitySet, { from: new Date(from), to: new Date(to) }),
  ];

  beforeAll(async () => {
    emulator = await startEmulator({ now: () => now, sessionsPerHour: 80, pageSize: 60 });
    session = await login(emulator);
  });
  afterAll(() => emulator.close());

  it('LogOnMetrics: one userinit phase per session that logged on, inside its interactive logon phase', async () => {
    now = Date.UTC(2024, 7, 6, 20);
    const metrics = monitor('LogOnMetrics', SLOT, SLOT + HOUR);
    const sessions = monitor('Sessions', SLOT, now + 1).filter(
      (s) => ms(s.StartDate) >= SLOT - MINUTE && ms(s.StartDate) < SLOT + HOUR,
    );
    const connections = new Map(
      monitor('Connections', SLOT - 9 * HOUR, now + 1)
        .filter((c) => c.IsReconnect === false)
        .map((c) => [c.SessionKey, c]),
    );
    const loggedOn = new Map(sessions.filter((s) => s.LogOnDuration !== null).map((s) => [s.SessionKey, s]));
    expect(metrics.length).toBeGreaterThan(60);
    expect(new Set(metrics.map((m) => m.SessionKey)).size).toBe(metrics.length);
    for (const metric of metrics) {
      const owner = loggedOn.get(metric.SessionKey);
      const connection = connections.get(metric.SessionKey);
      expect(owner, String(metric.SessionKey)).toBeDefined();
      expect(ms(metric.UserInitStartDate)).toBeGreaterThanOrEqual(ms(connection?.InteractiveStartDate));
      expect(ms(metric.UserInitEndDate)).toBeGreaterThan(ms(metric.UserInitStartDate));
      expect(ms(metric.UserInitEndDate)).toBeLessThanOrEqual(ms(connection?.InteractiveEndDate));
      expect(ms(metric.UserInitEndDate)).toBeLessThanOrEqual(
        ms(owner?.StartDate) + Number(owner?.LogOnDuration),
      );
      expect(Object.keys(metric).sort()).toEqual([
        'Id',
        'SessionKey',
        'UserInitEndDate',
        'UserInitStartDate',
      ]);
    }
    // Every session that logged on well inside the hour has its row; failed launches have none.
    const inside = [...loggedOn.values()].filter(
      (s) => ms(s.StartDate) >= SLOT && ms(s.StartDate) < SLOT + HOUR - MINUTE,
    );
    const keys = new Set(metrics.map((m) => m.SessionKey));
    for (const s of inside) expect(keys.has(s.SessionKey), String(s.SessionKey)).toBe(true);
    for (const s of sessions.filter((x) => x.FailureId !== null)) expect(keys.has(s.SessionKey)).toBe(false);

    const { rows } = await readAllPages(
      emulator,
      session,
      monitorPath('LogOnMetrics', {
        $filter: windowFilter('UserInitStartDate', new Date(SLOT), new Date(SLOT + HOUR)),
      }),
    );
    expect(rows).toEqual(metrics);
  });

  it("$expand=Session embeds each row's session as Sessions shows it now, for the sets that carry one", async () => {
    now = Date.UTC(2024, 7, 6, 20);
    const sessions = new Map(monitor('Sessions', SLOT - 9 * HOUR, now + 1).map((s) => [s.SessionKey, s]));
    for (const [entitySet, cursor] of [
      ['LogOnMetrics', 'UserInitStartDate'],
      ['SessionAutoReconnects', 'EventTimestamp'],
      ['ConnectionFailureLogs', 'ModifiedDate'],
    ] as const) {
      const { rows } = await readAllPages(
        emulator,
        session,
        monitorPath(entitySet, {
          $filter: windowFilter(cursor, new Date(SLOT), new Date(SLOT + 2 * HOUR)),
          $expand: 'Session($select=SessionKey,StartDate,ConnectionState,ModifiedDate)',
        }),
      );
      // Failed launches are rare: a few in two hours.
      expect(rows.length, entitySet).toBeGreaterThan(entitySet === 'ConnectionFailureLogs' ? 1 : 5);
      for (const row of rows) {
        const expected = sessions.get(row.SessionKey);
        expect(expected, `${entitySet}: ${String(row.SessionKey)}`).toBeDefined();
        expect(row.Session, entitySet).toEqual({
          SessionKey: expected?.SessionKey,
          StartDate: expected?.StartDate,
          ConnectionState: expected?.ConnectionState,
          ModifiedDate: expected?.ModifiedDate,
        });
      }
    }
    const metadata = await apiGet(emulator, session, '/monitorodata/$metadata').then((r) => r.text());
    expect(metadata).toContain('<NavigationProperty Name="Session" Type="Citrix.Monitor.Model.Session"');
  });

  it('LogOnMetrics: a row appears only once the userinit phase has ended', () => {
    now = Date.UTC(2024, 7, 6, 20);
    const metric = monitor('LogOnMetrics', SLOT, SLOT + HOUR)[10] as Row;
    const begin = ms(metric.UserInitStartDate);
    const end = ms(metric.UserInitEndDate);
    const find = () =>
      monitor('LogOnMetrics', begin, begin + 1).find((m) => m.SessionKey === metric.SessionKey);
    now = end - 1;
    expect(find()).toBeUndefined();
    now = end;
    expect(find()).toEqual(metric);
  });

  it('MachineCosts: one row per machine, re-priced daily at its own time, with its delivery group’s cost', async () => {
    now = Date.UTC(2024, 7, 6, 20);
    const before = monitor('MachineCosts', now - 2 * DAY, now + 1);
    expect(before).toHaveLength(50);
    for (const cost of before) {
      expect(ms(cost.ModifiedDate)).toBeGreaterThan(now - DAY);
      const machine = emulator.data.monitorRecord('Machines', String(cost.MachineId));
      const group = monitor('DesktopGroups', 0, now + 1).find((g) => g.Id === machine?.DesktopGroupId);
      expect(cost.CostPerHour).toBe(group?.MachineCost);
      expect(cost).toMatchObject({ Currency: 'USD', CostSource: 2 });
      expect(Number(cost.PowerOnComputeCostPerHour) + Number(cost.PowerOnStorageCostPerHour)).toBeCloseTo(
        Number(cost.CostPerHour),
        10,
      );
    }
    now += DAY;
    const after = new Map(monitor('MachineCosts', now - 2 * DAY, now + 1).map((c) => [c.MachineId, c]));
    for (const cost of before) {
      const later = after.get(cost.MachineId);
      expect(ms(later?.ModifiedDate) - ms(cost.ModifiedDate)).toBeGreaterThan(23 * HOUR);
      expect(ms(later?.ModifiedDate) - ms(cost.ModifiedDate)).toBeLessThan(25 * HOUR);
      expect(later?.CreatedDate).toBe(cost.CreatedDate);
    }
    // The clock moved on a day: a fresh token.
    session = await login(emulator);
    const { rows } = await readAllPages(
      emulator,
      session,
      monitorPath('MachineCosts', {
        $filter: windowFilter('ModifiedDate', new Date(now - DAY), new Date(now + 1)),
        $expand: 'Machine($select=Name)',
      }),
    );
    expect(rows).toHaveLength(50);
    expect(rows.every((r) => String((r.Machine as Row | null)?.Name).startsWith('CORP\\VDA-'))).toBe(true);
  });
});
