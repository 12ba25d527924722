import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.ts';
import { login, monitorPath, readAllPages, type Session, windowFilter } from './emulator-client.ts';

type Row = Record<string, unknown>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY_START = Date.UTC(2024, 7, 6);
/** The hour whose summaries are checked; its sessions have all ended by NOW. */
const SLOT = Date.UTC(2024, 7, 6, 10);
/** The day of DAY_START is complete (and published) by then. */
const NOW = Date.UTC(2024, 7, 7, 2);

const ms = (value: unknown) => Date.parse(String(value));
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/** Intervals [from, to) seen over the slot [lo, hi), computed like Citrix describes its roll-ups. */
function usage(intervals: readonly (readonly [number, number])[], lo: number, hi: number) {
  const events: [number, number][] = [];
  let usageMs = 0;
  let launches = 0;
  let starting = 0;
  for (const [from, to] of intervals) {
    if (from >= hi || to <= lo) continue;
    if (from >= lo) launches++;
    else starting++;
    usageMs += Math.min(to, hi) - Math.max(from, lo);
    events.push([Math.max(from, lo), 1]);
    if (to < hi) events.push([to, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let running = 0;
  let peak = 0;
  for (const [, delta] of events) {
    running += delta;
    peak = Math.max(peak, running);
  }
  return { peak, usageMs, launches, starting };
}

describe('Monitor summary sets', () => {
  let emulator: Emulator;
  let session: Session;
  /** Sessions that were still running at or after DAY_START - 9 h, in their final version. */
  let sessions: Row[];
  let sessionByKey: Map<unknown, Row>;
  let groupOf: (machineId: unknown) => unknown;
  let groups: unknown[];

  const monitor = (entitySet: string, from: number, to: number) => [
    ...emulator.data.monitor(entitySet, { from: new Date(from), to: new Date(to) }),
  ];
  /** The rows of one slot and granularity of a summary set. */
  const summaryRows = (entitySet: string, slot: number, granularity: number) =>
    monitor(entitySet, slot, slot + 1).filter((row) => row.Granularity === granularity);
  const sessionsOfGroup = (group: unknown) =>
    sessions.filter((s) => s.FailureId === null && groupOf(s.MachineId) === group);
  const interval = (s: Row) => [ms(s.StartDate), s.EndDate === null ? NOW : ms(s.EndDate)] as const;

  beforeAll(async () => {
    emulator = await startEmulator({ now: () => NOW, sessionsPerHour: 80, pageSize: 200 });
    session = await login(emulator);
    sessions = monitor('Sessions', DAY_START - 9 * HOUR, NOW + 1);
    sessionByKey = new Map(sessions.map((s) => [s.SessionKey, s]));
    groupOf = (machineId) => emulator.data.monitorRecord('Machines', String(machineId))?.DesktopGroupId;
    groups = [...new Set(sessions.map((s) => groupOf(s.MachineId)))].sort();
  });
  afterAll(() => emulator.close());

  it('SessionActivitySummaries: session maxima and logons of the hour per delivery group, from Sessions and Connections', () => {
    // A session's first connection closes at its disconnection, up to 8 hours before the session's end.
    const connections = monitor('Connections', DAY_START - 18 * HOUR, NOW + 1);
    const first = new Map(connections.filter((c) => c.IsReconnect === false).map((c) => [c.SessionKey, c]));
    const again = new Map(connections.filter((c) => c.IsReconnect === true).map((c) => [c.SessionKey, c]));
    const rows = summaryRows('SessionActivitySummaries', SLOT, 60);
    expect(rows.map((r) => r.DesktopGroupId).sort()).toEqual(groups);
    for (const row of rows) {
      const own = sessionsOfGroup(row.DesktopGroupId);
      const connected: [number, number][] = [];
      const disconnected: [number, number][] = [];
      for (const s of own) {
        const [start, end] = interval(s);
        const initial = first.get(s.SessionKey);
        const activeAt = ms(initial?.LogOnEndDate);
        const disconnectAt = ms(initial?.DisconnectDate);
        const reconnectAt = again.has(s.SessionKey) ? ms(again.get(s.SessionKey)?.LogOnStartDate) : end;
        if (disconnectAt < end) {
          connected.push([activeAt, disconnectAt]);
          disconnected.push([disconnectAt, reconnectAt]);
          if (reconnectAt < end) connected.push([reconnectAt, end]);
        } else {
          connected.push([activeAt, end]);
        }
        expect(start).toBeLessThanOrEqual(activeAt);
      }
      const loggedOn = own.filter((s) => ms(s.StartDate) >= SLOT && ms(s.StartDate) < SLOT + HOUR);
      expect(row).toMatchObject({
        SummaryDate: new Date(SLOT).toISOString().replace('.000', ''),
        ConcurrentSessionCount: usage(own.map(interval), SLOT, SLOT + HOUR).peak,
        ConnectedSessionCount: usage(connected, SLOT, SLOT + HOUR).peak,
        DisconnectedSessionCount: usage(disconnected, SLOT, SLOT + HOUR).peak,
        TotalLogOnCount: loggedOn.length,
        TotalLogOnDuration: sum(loggedOn.map((s) => Number(s.LogOnDuration))),
      });
      expect(row.ConcurrentSessionCount).toBeGreaterThan(5);
      expect(row.TotalLogOnCount).toBeGreaterThan(5);
    }
    expect(sum(rows.map((r) => Number(r.DisconnectedSessionCount)))).toBeGreaterThan(0);
  });

  it('LogOnSummaries agree with SessionActivitySummaries, for the hour and the day', () => {
    for (const granularity of [60, 1440]) {
      const slot = granularity === 60 ? SLOT : DAY_START;
      const logOns = summaryRows('LogOnSummaries', slot, granularity);
      const activity = summaryRows('SessionActivitySummaries', slot, granularity);
      expect(logOns).toHaveLength(groups.length);
      for (const row of logOns) {
        const same = activity.find((a) => a.DesktopGroupId === row.DesktopGroupId);
        expect(row.TotalCount).toBe(same?.TotalLogOnCount);
        expect(row.TotalDuration).toBe(same?.TotalLogOnDuration);
      }
    }
  });

  it("LogOnSummaries total each logon phase as the Connections rows of the slot's sessions time it", () => {
    const logOns = summaryRows('LogOnSummaries', SLOT, 60);
    const connections = monitor('Connections', SLOT - 9 * HOUR, NOW + 1).filter(
      (c) => c.IsReconnect === false,
    );
    const phase = (c: Row, start: string, end: string) =>
      c[start] === null || c[end] === null ? 0 : ms(c[end]) - ms(c[start]);
    let checked = 0;
    for (const row of logOns) {
      const keys = new Set(
        sessionsOfGroup(row.DesktopGroupId)
          .filter((s) => s.LogOnDuration !== null && ms(s.StartDate) >= SLOT && ms(s.StartDate) < SLOT + HOUR)
          .map((s) => s.SessionKey),
      );
      const own = connections.filter((c) => keys.has(c.SessionKey));
      expect(own).toHaveLength(keys.size);
      expect(row).toMatchObject({
        TotalCount: keys.size,
        GpoCount: keys.size,
        VMStartCount: 0,
        VMStartDuration: 0,
        BrokeringDuration: sum(own.map((c) => Number(c.BrokeringDuration))),
        GpoDuration: sum(own.map((c) => phase(c, 'GpoStartDate', 'GpoEndDate'))),
        LogOnScriptsDuration: sum(own.map((c) => phase(c, 'LogOnScriptsStartDate', 'LogOnScriptsEndDate'))),
        ProfileLoadDuration: sum(own.map((c) => phase(c, 'ProfileLoadStartDate', 'ProfileLoadEndDate'))),
        InteractiveDuration: sum(own.map((c) => phase(c, 'InteractiveStartDate', 'InteractiveEndDate'))),
        HdxDuration: sum(own.map((c) => phase(c, 'HdxStartDate', 'HdxEndDate'))),
      });
      checked += keys.size;
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('a day row rolls up its 24 hours: sums of counts, maxima of peaks, logons of the whole day', () => {
    const hours = monitor('SessionActivitySummaries', DAY_START, DAY_START + 24 * HOUR).filter(
      (r) => r.Granularity === 60,
    );
    expect(hours).toHaveLength(24 * groups.length);
    const days = summaryRows('SessionActivitySummaries', DAY_START, 1440);
    expect(days).toHaveLength(groups.length);
    for (const day of days) {
      const own = hours.filter((h) => h.DesktopGroupId === day.DesktopGroupId);
      const loggedOn = sessionsOfGroup(day.DesktopGroupId).filter(
        (s) => ms(s.StartDate) >= DAY_START && ms(s.StartDate) < DAY_START + 24 * HOUR,
      );
      expect(day).toMatchObject({
        TotalLogOnCount: loggedOn.length,
        TotalLogOnDuration: sum(loggedOn.map((s) => Number(s.LogOnDuration))),
        ConcurrentSessionCount: Math.max(...own.map((h) => Number(h.ConcurrentSessionCount))),
        ConnectedSessionCount: Math.max(...own.map((h) => Number(h.ConnectedSessionCount))),
      });
      // Published 5 minutes after the day, a second apart per delivery group.
      expect(day.CreatedDate).toMatch(/^2024-08-07T00:05:0[0-3]Z$/);
      expect(day.ModifiedDate).toBe(day.CreatedDate);
      expect(day.TotalLogOnCount).toBe(sum(own.map((h) => Number(h.TotalLogOnCount))));
      expect(day.TotalLogOnCount).toBeGreaterThan(200);
    }
  });

  it('DesktopOSDesktopSummaries and ServerOSDesktopSummaries: sessions as desktop instances', () => {
    const desktops = summaryRows('DesktopOSDesktopSummaries', SLOT, 60);
    expect(desktops).toHaveLength(2);
    for (const row of desktops) {
      const stats = usage(sessionsOfGroup(row.DesktopGroupId).map(interval), SLOT, SLOT + HOUR);
      expect(row).toMatchObject({
        PeakConcurrentInstanceCount: stats.peak,
        TotalUsageDuration: stats.usageMs,
        TotalLaunchesCount: stats.launches,
        StartingInstanceCount: stats.starting,
      });
      expect(stats.starting).toBeGreaterThan(0);
    }
    const servers = summaryRows('ServerOSDesktopSummaries', SLOT, 60);
    // The 50 machines alternate between the 4 delivery groups; the 2 application groups (24 machines) are
    // multi-session.
    expect(servers).toHaveLength(24);
    for (const row of servers) {
      const own = sessions.filter((s) => s.FailureId === null && s.MachineId === row.MachineId);
      const stats = usage(own.map(interval), SLOT, SLOT + HOUR);
      expect(row).toMatchObject({
        DesktopGroupId: groupOf(row.MachineId),
        PeakConcurrentInstanceCount: stats.peak,
        TotalUsageDuration: stats.usageMs,
        TotalLaunchesCount: stats.launches,
        StartingInstanceCount: stats.starting,
      });
    }
    expect(sum(servers.map((r) => Number(r.TotalLaunchesCount)))).toBeGreaterThan(10);
    expect(new Set(servers.map((r) => r.DesktopGroupId)).size).toBe(2);
    expect(desktops.some((d) => servers.some((s) => s.DesktopGroupId === d.DesktopGroupId))).toBe(false);
  });

  it('ApplicationActivitySummaries: the ApplicationInstances of each application and delivery group', () => {
    const instances = monitor('ApplicationInstances', DAY_START - 9 * HOUR, NOW + 1);
    const expected = new Map<string, [number, number][]>();
    for (const instance of instances) {
      const owner = sessionByKey.get(instance.SessionKey);
      const key = `${String(instance.ApplicationId)}/${String(groupOf(owner?.MachineId))}`;
      const list = expected.get(key) ?? [];
      list.push([ms(instance.StartDate), instance.EndDate === null ? NOW : ms(instance.EndDate)]);
      expected.set(key, list);
    }
    const active = [...expected]
      .map(([key, intervals]) => [key, usage(intervals, SLOT, SLOT + HOUR)] as const)
      .filter(([, stats]) => stats.usageMs > 0);
    const rows = summaryRows('ApplicationActivitySummaries', SLOT, 60);
    expect(rows.length).toBeGreaterThan(10);
    expect(
      new Map(
        rows.map((r) => [
          `${String(r.ApplicationId)}/${String(r.DesktopGroupId)}`,
          {
            peak: r.PeakConcurrentInstanceCount,
            usageMs: r.TotalUsageDuration,
            launches: r.TotalLaunchesCount,
            starting: r.StartingInstanceCount,
          },
        ]),
      ),
    ).toEqual(new Map(active));
  });

  it('FailureLogSummaries: failed launches by ConnectionFailureEnumValue and machine faults by FaultState', () => {
    const counts = new Map<string, number>();
    const count = (group: unknown, category: number, code: unknown) => {
      const key = `${String(group)}/${category}/${String(code)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    };
    const inDay = (value: unknown) => ms(value) >= DAY_START && ms(value) < DAY_START + 24 * HOUR;
    for (const failure of monitor('ConnectionFailureLogs', DAY_START, NOW + 1)) {
      if (inDay(failure.FailureDate))
        count(groupOf(failure.MachineId), 1, failure.ConnectionFailureEnumValue);
    }
    for (const failure of monitor('MachineFailureLogs', DAY_START, NOW + 1)) {
      if (inDay(failure.FailureStartDate)) count(groupOf(failure.MachineId), 2, failure.FaultState);
    }
    const rows = summaryRows('FailureLogSummaries', DAY_START, 1440);
    const served = new Map(
      rows.map((r) => [
        `${String(r.DesktopGroupId)}/${String(r.FailureCategory)}/${String(r.FailureCode)}`,
        r.FailureCount,
      ]),
    );
    expect(served).toEqual(counts);
    expect([...counts.keys()].some((k) => k.includes('/2/'))).toBe(true);
    expect(sum([...counts.values()])).toBeGreaterThan(30);
    // The hours add up to the day.
    const hours = monitor('FailureLogSummaries', DAY_START, DAY_START + 24 * HOUR).filter(
      (r) => r.Granularity === 60,
    );
    expect(sum(hours.map((r) => Number(r.FailureCount)))).toBe(sum([...counts.values()]));
  });

  it('serves Granularity 60 and 1440 rows, filterable with the SummaryDate window, with unique Ids', async () => {
    const from = new Date(DAY_START - 2 * HOUR);
    const to = new Date(DAY_START + 2 * HOUR);
    for (const entitySet of [
      'SessionActivitySummaries',
      'ApplicationActivitySummaries',
      'FailureLogSummaries',
    ]) {
      const all = monitor(entitySet, from.getTime(), to.getTime());
      expect(new Set(all.map((r) => r.Granularity)), entitySet).toEqual(new Set([60, 1440]));
      expect(new Set(all.map((r) => r.Id)).size, entitySet).toBe(all.length);
      for (const granularity of [60, 1440]) {
        const filter = `Granularity eq ${granularity} and ${windowFilter('SummaryDate', from, to)}`;
        const { rows } = await readAllPages(emulator, session, monitorPath(entitySet, { $filter: filter }));
        expect(rows, `${entitySet} ${granularity}`).toEqual(all.filter((r) => r.Granularity === granularity));
        expect(rows.length).toBeGreaterThan(0);
      }
    }
    // Day rows start at midnight UTC only.
    const days = monitor('LogOnSummaries', DAY_START - 3 * 24 * HOUR, NOW + 1).filter(
      (r) => r.Granularity === 1440,
    );
    expect(days.map((r) => r.SummaryDate)).toEqual(
      ['03', '04', '05', '06'].flatMap((d) => groups.map(() => `2024-08-${d}T00:00:00Z`)),
    );
  });

  it('expands the DesktopGroup of a summary row', async () => {
    const filter = `Granularity eq 60 and ${windowFilter('SummaryDate', new Date(SLOT), new Date(SLOT + HOUR))}`;
    const { rows } = await readAllPages(
      emulator,
      session,
      monitorPath('SessionActivitySummaries', { $filter: filter, $expand: 'DesktopGroup($select=Id,Name)' }),
    );
    expect(rows).toHaveLength(groups.length);
    for (const row of rows) {
      const group = row.DesktopGroup as Row | null;
      expect(group?.Id).toBe(row.DesktopGroupId);
      expect(String(group?.Name)).toMatch(/Desktops|Apps/);
    }
  });
});

describe('summary publication', () => {
  let now = Date.UTC(2024, 7, 6, 11, 4);
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ now: () => now, sessionsPerHour: 40 });
  });
  afterAll(() => emulator.close());

  const slotRows = (entitySet: string, slot: number) =>
    [...emulator.data.monitor(entitySet, { from: new Date(slot), to: new Date(slot + 1) })].map(
      (r) => `${String(r.Granularity)}@${String(r.CreatedDate ?? '')}`,
    );

  it('publishes a slot a few minutes after it ends, and not before', () => {
    const ten = Date.UTC(2024, 7, 6, 10);
    const nine = Date.UTC(2024, 7, 6, 9);
    // 11:04: the 10:00 hour is over but not yet summarised; 09:00 is.
    expect(slotRows('SessionActivitySummaries', ten)).toEqual([]);
    expect(slotRows('ResourceUtilizationSummary', ten)).toEqual([]);
    expect(slotRows('SessionActivitySummaries', nine)).toHaveLength(4);
    now = Date.UTC(2024, 7, 6, 11, 5, 1);
    // Published at 11:05 plus a second per delivery group: the first two are out.
    expect(slotRows('SessionActivitySummaries', ten)).toEqual([
      '60@2024-08-06T11:05:00Z',
      '60@2024-08-06T11:05:01Z',
    ]);
    now = Date.UTC(2024, 7, 6, 11, 10);
    expect(slotRows('SessionActivitySummaries', ten)).toHaveLength(4);
    expect(slotRows('MachineCostSavingsSummaries', ten)).toHaveLength(4);
    expect(slotRows('ResourceUtilizationSummary', ten)).toHaveLength(50);
  });

  it('publishes a day after midnight UTC', () => {
    const day = Date.UTC(2024, 7, 6);
    now = Date.UTC(2024, 7, 6, 23, 59);
    expect(slotRows('LogOnSummaries', day).filter((r) => r.startsWith('1440@'))).toEqual([]);
    now = Date.UTC(2024, 7, 7, 0, 4, 59);
    expect(slotRows('LogOnSummaries', day).filter((r) => r.startsWith('1440@'))).toEqual([]);
    now = Date.UTC(2024, 7, 7, 0, 6);
    expect(slotRows('LogOnSummaries', day).filter((r) => r.startsWith('1440@'))).toHaveLength(4);
    expect(slotRows('LogOnSummaries', day).filter((r) => r.startsWith('60@'))).toHaveLength(4);
  });
});
