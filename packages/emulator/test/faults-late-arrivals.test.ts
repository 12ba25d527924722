import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, type EmulatorOptions, MONITOR_ENTITY_SETS, startEmulator } from '../src/index.ts';
import { getJson, login, monitorPath, readAllPages, type Session, windowFilter } from './emulator-client.ts';

const NOW = Date.UTC(2024, 7, 6, 12, 30);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const MAX_MINUTES = 30;

type Row = Record<string, unknown>;

describe('lateArrivals fault', () => {
  const started: Emulator[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((e) => e.close()));
  });

  const start = async (options: EmulatorOptions): Promise<{ emu: Emulator; session: Session }> => {
    const emu = await startEmulator(options);
    started.push(emu);
    return { emu, session: await login(emu) };
  };

  const keyed = (rows: Iterable<Row>, key: string) =>
    new Map([...rows].map((row) => [row[key], row] as const));
  /** Records by their unique identity (the whole key of a composite-key set). */
  const byRecordKey = (emu: Emulator, entitySet: string, rows: Iterable<Row>) =>
    new Map([...rows].map((row) => [emu.data.recordKey(entitySet, row), row] as const));

  it('shows every Monitor record as it was its delay before now, and the ground truth agrees', async () => {
    const options = { sessionsPerHour: 60, pageSize: 50 };
    const { emu: late, session } = await start({
      ...options,
      now: () => NOW,
      faults: { lateArrivals: { maxMinutes: MAX_MINUTES } },
    });
    // The same data without the fault, on a clock the test moves to `now - delay`.
    let plainNow = NOW;
    const { emu: plain } = await start({ ...options, now: () => plainNow });
    // Ends in the past, so that records which have since moved on to a later version must still show here.
    const from = new Date(NOW - 3 * HOUR);
    const to = new Date(NOW - 10 * MINUTE);

    let delayedRecords = 0;
    let changedByDelay = 0;
    for (const def of MONITOR_ENTITY_SETS) {
      if (late.data.isSnapshot(def.name)) continue;
      const cursor = late.data.cursorColumn(def.name);
      const { rows } = await readAllPages(
        late,
        session,
        monitorPath(def.name, { $filter: windowFilter(cursor, from, to) }),
      );
      expect(rows, def.name).toEqual([...late.data.monitor(def.name, { from, to })]);
      const shown = byRecordKey(late, def.name, rows);

      plainNow = NOW;
      const current = byRecordKey(plain, def.name, plain.data.monitor(def.name, { from, to }));
      // Versions only move forward: every record that can show in the window has its cursor in
      // [from, NOW] today.
      const candidates = [
        ...byRecordKey(plain, def.name, plain.data.monitor(def.name, { from, to: new Date(NOW + 1) })).keys(),
      ];
      const delayed = candidates.filter((key) => late.data.arrivalDelayMs(def.name, key) > 0);
      const isDelayed = new Set(delayed);
      delayedRecords += delayed.length;
      if (candidates.length >= 20) {
        expect(delayed.length / candidates.length, def.name).toBeGreaterThan(0.15);
        expect(delayed.length / candidates.length, def.name).toBeLessThan(0.45);
      }
      for (const key of candidates) {
        if (isDelayed.has(key)) continue;
        expect(shown.get(key), `${def.name} ${String(key)}`).toEqual(current.get(key));
      }
      // Every delayed record of a sample equals the fault-free data at `now - delay`.
      const step = Math.max(1, Math.floor(delayed.length / 12));
      for (let i = 0; i < delayed.length; i += step) {
        const key = delayed[i] ?? '';
        const delay = late.data.arrivalDelayMs(def.name, key);
        expect(delay).toBeLessThanOrEqual(MAX_MINUTES * MINUTE);
        plainNow = NOW - delay;
        const then = byRecordKey(plain, def.name, plain.data.monitor(def.name, { from, to })).get(key);
        expect(shown.get(key), `${def.name} ${String(key)} delayed ${delay} ms`).toEqual(then);
        if (JSON.stringify(then) !== JSON.stringify(current.get(key))) changedByDelay++;
      }
      // And none of them shows a version newer than its delay allows.
      for (const key of delayed) {
        const row = shown.get(key);
        if (!row) continue;
        const delay = late.data.arrivalDelayMs(def.name, key);
        expect(Date.parse(String(row[cursor]))).toBeLessThanOrEqual(NOW - delay);
      }
    }
    expect(delayedRecords).toBeGreaterThan(100);
    expect(changedByDelay).toBeGreaterThan(5);
  });

  it('keeps $count in agreement with the rows paging returns', async () => {
    const { emu, session } = await start({
      now: () => NOW,
      pageSize: 25,
      faults: { lateArrivals: { maxMinutes: MAX_MINUTES } },
    });
    const filter = windowFilter('ModifiedDate', new Date(NOW - 2 * HOUR), new Date(NOW + MINUTE));
    const { rows, pages } = await readAllPages(
      emu,
      session,
      monitorPath('Sessions', { $filter: filter, $count: 'true' }),
    );
    expect(pages.length).toBeGreaterThan(3);
    for (const page of pages) expect(page['@odata.count']).toBe(rows.length);
    expect(new Set(rows.map((r) => r.SessionKey)).size).toBe(rows.length);
    expect(rows).toEqual([
      ...emu.data.monitor('Sessions', { from: new Date(NOW - 2 * HOUR), to: new Date(NOW + MINUTE) }),
    ]);
  });

  it('lets late records arrive as the clock moves on, and can be switched at runtime', async () => {
    let now = NOW;
    const { emu, session } = await start({ now: () => now, pageSize: 1000 });
    const from = new Date(NOW - HOUR);
    const read = async () => {
      const filter = windowFilter('ModifiedDate', from, new Date(now + 1));
      const { rows } = await readAllPages(emu, session, monitorPath('Sessions', { $filter: filter }));
      expect(rows).toEqual([...emu.data.monitor('Sessions', { from, to: new Date(now + 1) })]);
      return keyed(rows, 'SessionKey');
    };

    const before = await read();
    emu.setFaults({ lateArrivals: { maxMinutes: 20 } });
    const lateNow = await read();
    const missing = [...before.keys()].filter((key) => !lateNow.has(key));
    // Sessions created within the last 20 minutes with a delay beyond their age are not visible yet.
    expect(missing.length).toBeGreaterThan(3);
    for (const key of missing) expect(emu.data.arrivalDelayMs('Sessions', key as string)).toBeGreaterThan(0);

    now += 20 * MINUTE;
    const later = await read();
    for (const key of before.keys()) expect(later.has(key), String(key)).toBe(true);

    emu.setFaults({});
    expect(emu.data.arrivalDelayMs('Sessions', missing[0] as string)).toBe(0);
    now = NOW;
    expect(await read()).toEqual(before);
  });

  it('embeds $expand records as their own entity set shows them', async () => {
    const { emu, session } = await start({
      now: () => NOW,
      faults: { lateArrivals: { maxMinutes: 24 * 60 } },
    });
    const filter = windowFilter('ModifiedDate', new Date(NOW - 2 * HOUR), new Date(NOW + 1));
    const { rows } = await readAllPages(
      emu,
      session,
      monitorPath('Sessions', { $filter: filter, $expand: 'User' }),
    );
    expect(rows.length).toBeGreaterThan(50);
    // Every user changes at least daily, so two days of Users hold every user once.
    const usersFilter = windowFilter('ModifiedDate', new Date(NOW - 48 * HOUR), new Date(NOW + 1));
    const users = keyed(
      (await readAllPages(emu, session, monitorPath('Users', { $filter: usersFilter }))).rows,
      'Id',
    );
    const expanded = rows.map((row) => row.User as Row);
    for (const user of expanded) {
      expect(user).toEqual(users.get(user.Id));
      expect(user).toEqual(emu.data.monitorRecord('Users', user.Id as number));
    }
    // Without the fault, the users whose delay hid their latest change look different.
    emu.setFaults({});
    const changed = expanded.filter(
      (user) => emu.data.monitorRecord('Users', user.Id as number)?.ModifiedDate !== user.ModifiedDate,
    );
    expect(changed.length).toBeGreaterThan(3);
  });

  it('publishes delayed casodata rows of an hour after it ends; a later re-read returns more', async () => {
    let now = NOW;
    const { emu, session } = await start({
      now: () => now,
      faults: { lateArrivals: { maxMinutes: MAX_MINUTES } },
    });
    let hour = Date.UTC(2024, 7, 6, 8);
    while (emu.data.isEmptyCasodataHour('sessions', new Date(hour))) hour += HOUR;
    const d = new Date(hour);
    const query = `year=${d.getUTCFullYear()}&month=${d.getUTCMonth() + 1}&day=${d.getUTCDate()}&hour=${d.getUTCHours()}`;
    const read = async () => {
      const { status, body } = await getJson<{ value: Row[] }>(emu, session, `/casodata/sessions?${query}`);
      expect(status).toBe(200);
      expect(body.value).toEqual(emu.data.casodata('sessions', d));
      return body.value.map((row) => row.sessionKey);
    };

    now = hour + HOUR + MINUTE;
    const early = await read();
    now = hour + HOUR + (MAX_MINUTES + 1) * MINUTE;
    const complete = await read();
    expect(complete.length).toBeGreaterThan(100);
    const share = (complete.length - early.length) / complete.length;
    expect(share).toBeGreaterThan(0.15);
    expect(share).toBeLessThan(0.45);
    expect(complete).toEqual(expect.arrayContaining(early));

    // Without the fault the whole hour is there at once.
    now = hour + HOUR + MINUTE;
    emu.setFaults({});
    expect(await read()).toEqual(complete);
  });

  it('rejects an invalid maxMinutes without changing the faults', async () => {
    const { emu } = await start({ now: () => NOW, faults: { lateArrivals: { maxMinutes: MAX_MINUTES } } });
    const delayedUser = [...emu.data.monitor('Users', { from: new Date(NOW - 48 * HOUR), to: new Date(NOW) })]
      .map((row) => row.Id as number)
      .find((id) => emu.data.arrivalDelayMs('Users', id) > 0);
    expect(delayedUser).toBeDefined();
    expect(() => emu.setFaults({ lateArrivals: { maxMinutes: -1 } })).toThrow(/maxMinutes/);
    expect(emu.data.arrivalDelayMs('Users', delayedUser ?? 0)).toBeGreaterThan(0);
    await expect(startEmulator({ faults: { lateArrivals: { maxMinutes: Number.NaN } } })).rejects.toThrow(
      /maxMinutes/,
    );
  });
});
