import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RECONCILE,
  dueChecks,
  firstCheck,
  HOUR_MS,
  MINUTE_MS,
  nextCheck,
  type ReconcileEntry,
  retryCheck,
  unverifiedWindows,
} from '../src/index.ts';

const window = { from: new Date('2024-08-06T07:00:00Z'), to: new Date('2024-08-06T08:00:00Z') };
const end = window.to.getTime();

describe('reconcile schedule', () => {
  it('checks a closed window 30 min after its end, then at twice its age, up to the horizon', () => {
    let entry: ReconcileEntry | undefined = firstCheck(window, end + MINUTE_MS, DEFAULT_RECONCILE);
    const ages: number[] = [];
    while (entry) {
      ages.push((Date.parse(entry.at) - end) / MINUTE_MS);
      entry = nextCheck(entry, Date.parse(entry.at), DEFAULT_RECONCILE);
    }
    expect(ages).toEqual([30, 60, 120, 240, 480, 960, 1440]);
  });

  it('schedules from when a late check really ran', () => {
    const entry = firstCheck(window, end, DEFAULT_RECONCILE);
    // Runs are hourly: the 30-minute check happened at 3 h.
    expect(nextCheck(entry, end + 3 * HOUR_MS, DEFAULT_RECONCILE)?.at).toBe(
      new Date(end + 6 * HOUR_MS).toISOString(),
    );
  });

  it('checks a window read at or past the horizon (a catch-up, a backfill) once, 30 min after it was read', () => {
    for (const age of [24 * HOUR_MS, 30 * 24 * HOUR_MS]) {
      const once = firstCheck(window, end + age, DEFAULT_RECONCILE);
      expect(once).toEqual({
        from: window.from.toISOString(),
        to: window.to.toISOString(),
        checks: 0,
        at: new Date(end + age + 30 * MINUTE_MS).toISOString(),
      });
      expect(nextCheck(once, Date.parse(once.at), DEFAULT_RECONCILE)).toBeUndefined();
    }
  });

  it('first checks a window read late (a catch-up) at twice its age: it saw every row that late', () => {
    expect(firstCheck(window, end + 5 * HOUR_MS, DEFAULT_RECONCILE)?.at).toBe(
      new Date(end + 10 * HOUR_MS).toISOString(),
    );
    expect(firstCheck(window, end + 20 * HOUR_MS, DEFAULT_RECONCILE)?.at).toBe(
      new Date(end + 24 * HOUR_MS).toISOString(),
    );
  });

  it('checks a window whose read was continued from a stored token 30 min after it closed, even past the horizon', () => {
    const now = end + 2 * HOUR_MS;
    // Its check re-reads the window whatever the count says: a count cannot see a row stepped over.
    expect(firstCheck(window, now, DEFAULT_RECONCILE, { continued: true })).toEqual({
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      checks: 0,
      reread: true,
      at: new Date(now + 30 * MINUTE_MS).toISOString(),
    });
    // Read in one go at that age, its first check would come at twice its age.
    expect(firstCheck(window, now, DEFAULT_RECONCILE)?.at).toBe(new Date(end + 4 * HOUR_MS).toISOString());
    const late = end + 30 * HOUR_MS;
    const once = firstCheck(window, late, DEFAULT_RECONCILE, { continued: true });
    expect(once.at).toBe(new Date(late + 30 * MINUTE_MS).toISOString());
    // That one check is its last.
    expect(nextCheck(once, Date.parse(once.at), DEFAULT_RECONCILE)).toBeUndefined();
  });

  it('tries a check that could not finish again after a backoff, doubling up to 6 h, and counts it unverified until one finishes', () => {
    let entry = firstCheck(window, end + MINUTE_MS, DEFAULT_RECONCILE);
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      const now = Date.parse(entry.at);
      entry = retryCheck(entry, now, DEFAULT_RECONCILE);
      waits.push((Date.parse(entry.at) - now) / MINUTE_MS);
    }
    expect(waits).toEqual([30, 60, 120, 240, 360, 360, 360]);
    expect(entry.unverified).toBe(7);
    const other = firstCheck(window, end, DEFAULT_RECONCILE);
    expect(unverifiedWindows([entry, other])).toBe(1);
    // A check that finishes makes it verified again, and it carries on with its schedule.
    const next = nextCheck(entry, end + 2 * HOUR_MS, DEFAULT_RECONCILE);
    expect(next?.unverified).toBeUndefined();
    expect(unverifiedWindows(next ? [next] : [])).toBe(0);
  });

  it('lists the checks due now, the most overdue first', () => {
    const entries = [
      { from: 'b', to: 'x', checks: 0, at: '2024-08-06T09:00:00.000Z' },
      { from: 'a', to: 'x', checks: 0, at: '2024-08-06T08:30:00.000Z' },
      { from: 'c', to: 'x', checks: 0, at: '2024-08-06T11:00:00.000Z' },
    ];
    expect(dueChecks(entries, Date.parse('2024-08-06T10:00:00Z')).map((e) => e.from)).toEqual(['a', 'b']);
  });
});
