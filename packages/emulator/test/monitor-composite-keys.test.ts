import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, type EmulatorOptions, MONITOR_ENTITY_SETS, startEmulator } from '../src/index.ts';
import { apiGet, login, monitorPath, readAllPages, type Session, windowFilter } from './emulator-client.ts';

type Row = Record<string, unknown>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const NOW = Date.UTC(2024, 7, 7, 1, 30);
/** Around midnight: hour and day rows share SummaryDate 2024-08-07T00:00 and tie on the cursor. */
const FROM = new Date(Date.UTC(2024, 7, 6, 22));
const TO = new Date(Date.UTC(2024, 7, 7, 1));

const ms = (value: unknown) => Date.parse(String(value));

describe('composite keys', () => {
  const started: Emulator[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((e) => e.close()));
  });
  const start = async (options: EmulatorOptions = {}): Promise<{ emu: Emulator; session: Session }> => {
    const emu = await startEmulator({ now: () => NOW, sessionsPerHour: 60, ...options });
    started.push(emu);
    return { emu, session: await login(emu) };
  };

  it('declares every key property in $metadata and in the entity-set definitions', async () => {
    const { emu, session } = await start();
    const xml = await (await apiGet(emu, session, '/monitorodata/$metadata')).text();
    const keyOf = (type: string) =>
      new RegExp(`<EntityType Name="${type}">\\s*<Key>(.*?)</Key>`).exec(xml)?.[1];
    expect(keyOf('ResourceUtilization')).toBe(
      '<PropertyRef Name="MachineId"/><PropertyRef Name="CollectedDate"/>',
    );
    expect(keyOf('ResourceUtilizationSummary')).toBe(
      '<PropertyRef Name="MachineId"/><PropertyRef Name="Granularity"/><PropertyRef Name="SummaryDate"/>',
    );
    expect(keyOf('MachineCostSavingsSummary')).toBe(
      '<PropertyRef Name="DesktopGroupId"/><PropertyRef Name="HypervisorType"/><PropertyRef Name="TagId"/>' +
        '<PropertyRef Name="SummaryDate"/><PropertyRef Name="Granularity"/>',
    );
    expect(keyOf('Session')).toBe('<PropertyRef Name="SessionKey"/>');
    expect(keyOf('MachineCost')).toBe('<PropertyRef Name="MachineId"/>');
    expect(keyOf('MachineMetric')).toBe('<PropertyRef Name="MachineId"/><PropertyRef Name="CollectedDate"/>');
    expect(xml).toContain('<Property Name="Granularity" Type="Edm.Int32" Nullable="false"/>');
    for (const def of MONITOR_ENTITY_SETS) {
      expect(def.keys[0], def.name).toBe(def.key);
      expect(emu.data.keyColumns(def.name)).toEqual(def.keys);
      expect(emu.data.keyColumn(def.name)).toBe(def.key);
    }
    expect(
      emu.data.recordKey('ResourceUtilization', { MachineId: 'm', CollectedDate: '2024-08-06T07:05:00.5Z' }),
    ).toBe('m|2024-08-06T07:05:00.500Z');
    expect(
      emu.data.recordKey('ResourceUtilizationSummary', {
        MachineId: 'm',
        Granularity: 60,
        SummaryDate: '2024-08-06T07:00:00Z',
      }),
    ).toBe('m|0000000060|2024-08-06T07:00:00.000Z');
    expect(emu.data.recordKey('Sessions', { SessionKey: 'k' })).toBe('k');
  });

  it('pages with a tiny page size through ties on the cursor without skipping or repeating a row', async () => {
    const { emu, session } = await start({ pageSize: 7 });
    for (const entitySet of [
      'ResourceUtilizationSummary',
      'MachineCostSavingsSummaries',
      'ResourceUtilization',
    ]) {
      const cursor = emu.data.cursorColumn(entitySet);
      const from = entitySet === 'ResourceUtilization' ? new Date(NOW - 40 * MINUTE) : FROM;
      const to = entitySet === 'ResourceUtilization' ? new Date(NOW) : TO;
      const truth = [...emu.data.monitor(entitySet, { from, to })];
      const { rows, pages } = await readAllPages(
        emu,
        session,
        monitorPath(entitySet, { $filter: windowFilter(cursor, from, to) }),
      );
      expect(rows, entitySet).toEqual(truth);
      expect(pages.length, entitySet).toBe(Math.ceil(truth.length / 7));
      const keys = rows.map((row) => emu.data.recordKey(entitySet, row));
      expect(new Set(keys).size, entitySet).toBe(rows.length);
      // Many rows share a cursor value; the default order is (cursor, then the key properties).
      expect(new Set(rows.map((row) => row[cursor])).size, entitySet).toBeLessThan(rows.length);
      const order = emu.data.keyColumns(entitySet);
      for (let i = 1; i < rows.length; i++) {
        const [a, b] = [rows[i - 1] as Row, rows[i] as Row];
        const c = ms(a[cursor]) - ms(b[cursor]);
        expect(c, `${entitySet} ${i}`).toBeLessThanOrEqual(0);
        if (c === 0) expect(String(keys[i - 1]) < String(keys[i]), `${entitySet} ${i}`).toBe(true);
        for (const column of order) expect(b[column], `${entitySet} ${column}`).not.toBeNull();
      }
    }
  });

  it('pages a composite-key set by an explicit $orderby and under the unordered fault, row for row', async () => {
    const { emu, session } = await start({ pageSize: 9 });
    const filter = windowFilter('SummaryDate', FROM, TO);
    const truth = [...emu.data.monitor('ResourceUtilizationSummary', { from: FROM, to: TO })];
    const keysOf = (rows: readonly Row[]) =>
      rows.map((row) => emu.data.recordKey('ResourceUtilizationSummary', row));
    const sorted = (keys: readonly (string | number)[]) => [...keys].map(String).sort();

    const byMachine = await readAllPages(
      emu,
      session,
      monitorPath('ResourceUtilizationSummary', { $filter: filter, $orderby: 'MachineId desc' }),
    );
    expect(byMachine.rows.length).toBe(truth.length);
    expect(sorted(keysOf(byMachine.rows))).toEqual(sorted(keysOf(truth)));
    // MachineId descending, then the rest of the key (Granularity, SummaryDate) ascending.
    const expected = [...truth].sort(
      (a, b) =>
        String(b.MachineId).localeCompare(String(a.MachineId)) ||
        Number(a.Granularity) - Number(b.Granularity) ||
        ms(a.SummaryDate) - ms(b.SummaryDate),
    );
    expect(byMachine.rows).toEqual(expected);

    emu.setFaults({ unordered: true });
    const reads = [];
    for (let i = 0; i < 2; i++) {
      const { rows } = await readAllPages(
        emu,
        session,
        monitorPath('ResourceUtilizationSummary', { $filter: filter }),
      );
      expect(new Set(keysOf(rows)).size).toBe(rows.length);
      expect(sorted(keysOf(rows))).toEqual(sorted(keysOf(truth)));
      reads.push(keysOf(rows));
    }
    expect(reads[0]).not.toEqual(reads[1]);
  });

  it('ResourceUtilizationSummary: Avg and Peak of the machine’s ResourceUtilization samples of the slot', async () => {
    const { emu } = await start();
    const hour = Date.UTC(2024, 7, 6, 14);
    const day = Date.UTC(2024, 7, 6);
    const samples = [
      ...emu.data.monitor('ResourceUtilization', { from: new Date(day), to: new Date(day + 24 * HOUR) }),
    ];
    const summaries = [
      ...emu.data.monitor('ResourceUtilizationSummary', { from: new Date(day), to: new Date(hour + 1) }),
    ];
    const check = (summary: Row, lo: number, hi: number) => {
      const own = samples.filter(
        (s) => s.MachineId === summary.MachineId && ms(s.CollectedDate) >= lo && ms(s.CollectedDate) < hi,
      );
      const cpu = own.map((s) => Number(s.PercentCpu));
      const used = own.map((s) => Number(s.UsedMemory));
      const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
      expect(own.length).toBeGreaterThan(0);
      expect(summary.UptimeInMinutes).toBe(own.length * 5);
      expect(summary.PeakPercentCpu).toBe(Math.max(...cpu));
      // Rounded to 2 decimals.
      expect(Math.abs(Number(summary.AvgPercentCpu) - mean(cpu))).toBeLessThanOrEqual(0.0051);
      expect(summary.PeakUsedMemory).toBe(Math.max(...used));
      expect(summary.AvgUsedMemory).toBe(Math.round(mean(used)));
      expect(summary.AvgTotalMemory).toBe(own[0]?.TotalMemory);
      expect(summary.UpTimeWithoutSessionInMinutes).toBe(own.filter((s) => s.SessionCount === 0).length * 5);
      expect(summary.DesktopGroupId).toBe(own[0]?.DesktopGroupId);
    };
    const hourly = summaries.filter((s) => s.Granularity === 60 && ms(s.SummaryDate) === hour);
    const daily = summaries.filter((s) => s.Granularity === 1440);
    expect(hourly).toHaveLength(50);
    expect(daily).toHaveLength(50);
    for (const summary of hourly) check(summary, hour, hour + HOUR);
    for (const summary of daily.slice(0, 10)) check(summary, day, day + 24 * HOUR);
  });

  it('MachineCostSavingsSummaries: Granularity is the 0 Hour / 1 Day enum; powered-off time is saved compute', async () => {
    // Few sessions: single-session desktops without a session power off outside business hours.
    const { emu, session } = await start({ sessionsPerHour: 3 });
    const night = Date.UTC(2024, 7, 6, 2);
    const filterOf = (granularity: number) =>
      `Granularity eq ${granularity} and ${windowFilter('SummaryDate', new Date(night), new Date(night + 1))}`;
    const path = (granularity: number) =>
      monitorPath('MachineCostSavingsSummaries', { $filter: filterOf(granularity) });
    expect((await readAllPages(emu, session, path(60))).rows).toEqual([]);
    const { rows } = await readAllPages(emu, session, path(0));
    expect(rows).toHaveLength(4);

    const samples = [
      ...emu.data.monitor('ResourceUtilization', { from: new Date(night), to: new Date(night + HOUR) }),
    ];
    let saved = 0;
    for (const row of rows) {
      const own = samples.filter((s) => s.DesktopGroupId === row.DesktopGroupId);
      const machines = Number(row.TotalMachinesCount);
      const offMinutes = (machines * 12 - own.length) * 5;
      expect(row.PowerManagedMachineMinutesTurnedOff).toBe(offMinutes);
      const compute = Number(row.AverageComputeCostPerHour);
      const storage = Number(row.AverageStorageCostPerHour);
      expect(row.TotalComputeCost).toBeCloseTo(((own.length * 5) / 60) * compute, 3);
      expect(row.TotalStorageCost).toBeCloseTo(machines * storage, 3);
      expect(row.TotalAmountSaved).toBeCloseTo((offMinutes / 60) * compute, 3);
      expect(row.TotalCostIfNoPowerManagement).toBeCloseTo(machines * (compute + storage), 3);
      expect(
        Number(row.PowerManagedMachinesOff) +
          Number(row.PowerManagedMachinesOnWithSessions) +
          Number(row.PowerManagedMachinesOnWithoutSessions),
      ).toBe(machines);
      expect(row).toMatchObject({
        HypervisorType: 8,
        TagId: 0,
        Granularity: 0,
        CostType: 2,
        CurrencyType: 1,
      });
      saved += Number(row.TotalAmountSaved);
    }
    // 50 machines dealt round-robin to the 4 delivery groups.
    expect(rows.map((r) => Number(r.TotalMachinesCount)).sort()).toEqual([12, 12, 13, 13]);
    expect(saved).toBeGreaterThan(0);
    const days = await readAllPages(
      emu,
      session,
      monitorPath('MachineCostSavingsSummaries', {
        $filter: `Granularity eq 1 and ${windowFilter('SummaryDate', new Date(Date.UTC(2024, 7, 6)), new Date(NOW))}`,
      }),
    );
    expect(days.rows).toHaveLength(4);
    expect(days.rows.every((r) => r.SummaryDate === '2024-08-06T00:00:00Z')).toBe(true);
  });
});
