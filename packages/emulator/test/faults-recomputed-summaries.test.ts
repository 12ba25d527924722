import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.ts';
import { login, monitorPath, readAllPages, windowFilter } from './emulator-client.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** The 10:00 slot's rows are published between 11:05 and 11:10. */
const SLOT = Date.UTC(2024, 7, 6, 10);
const PUBLISHED = Date.UTC(2024, 7, 6, 11, 15);

describe('recomputedSummaries fault', () => {
  let emulator: Emulator | undefined;
  afterEach(async () => {
    await emulator?.close();
  });

  it('computes a published summary row again in place: same key and SummaryDate, counts one higher, served and in the ground truth', async () => {
    let now = PUBLISHED;
    emulator = await startEmulator({
      sessionsPerHour: 60,
      tokenTtlSeconds: 86_400,
      now: () => now,
      faults: { recomputedSummaries: { afterMinutes: 60 } },
    });
    const session = await login(emulator);
    const read = async () =>
      (
        await readAllPages(
          emulator!,
          session,
          monitorPath('LogOnSummaries', {
            $filter: windowFilter('SummaryDate', new Date(SLOT), new Date(SLOT + HOUR)),
          }),
        )
      ).rows;
    const before = await read();
    expect(before.length).toBeGreaterThan(0);
    expect(before.map((row) => row.ModifiedDate)).toEqual(before.map((row) => row.CreatedDate));

    now = PUBLISHED + 2 * HOUR;
    const after = await read();
    expect(after.map((row) => [row.Id, row.SummaryDate])).toEqual(
      before.map((row) => [row.Id, row.SummaryDate]),
    );
    expect(after.map((row) => row.TotalCount)).toEqual(before.map((row) => Number(row.TotalCount) + 1));
    expect(after.map((row) => row.TotalDuration)).toEqual(before.map((row) => row.TotalDuration));
    for (const row of after)
      expect(Date.parse(String(row.ModifiedDate))).toBeGreaterThan(Date.parse(String(row.CreatedDate)));
    const truth = [
      ...emulator.data.monitor('LogOnSummaries', { from: new Date(SLOT), to: new Date(SLOT + HOUR) }),
    ];
    expect(truth.map((row) => row.TotalCount).sort()).toEqual(after.map((row) => row.TotalCount).sort());

    // Off again: published rows as they were first computed.
    emulator.setFaults({});
    expect(await read()).toEqual(before);
  });

  it('refuses an afterMinutes that is not a positive number, changing nothing', async () => {
    emulator = await startEmulator({ now: () => PUBLISHED });
    expect(() => emulator!.setFaults({ recomputedSummaries: { afterMinutes: 0 } })).toThrow(
      /recomputedSummaries.afterMinutes must be a finite number > 0/,
    );
  });
});
