/** Planning half-open UTC windows from a checkpoint position up to `now - lag`. */

import type { WindowPolicy } from '../contracts/pull-source.ts';
import type { Window } from '../contracts/records.ts';

/** The start of the aligned slot containing `t` (alignMs divides the epoch: hours, minutes). */
export function floorTo(t: number, alignMs: number): number {
  return Math.floor(t / alignMs) * alignMs;
}

/** The end of the data that may be asked for now: `now - lag`. */
export function horizon(now: number, policy: WindowPolicy): number {
  return now - policy.lagMs;
}

/**
 * The next window starting at `position`, or undefined when nothing is due. A window never crosses an
 * alignment boundary, never exceeds the max size and never ends after `now - lag`. With
 * `wholeWindowsOnly` a window is due only once its whole aligned slot lies before the horizon.
 */
export function nextWindow(position: number, now: number, policy: WindowPolicy): Window | undefined {
  const until = horizon(now, policy);
  if (position >= until) return undefined;
  const slotEnd = floorTo(position, policy.alignMs) + policy.alignMs;
  const end = Math.min(slotEnd, position + policy.maxWindowMs);
  if (policy.wholeWindowsOnly) {
    if (end > until) return undefined;
    return { from: new Date(position), to: new Date(end) };
  }
  return { from: new Date(position), to: new Date(Math.min(end, until)) };
}

/** Halves a window, for a query that timed out. Undefined when it is already as small as allowed. */
export function splitWindow(window: Window, minWindowMs: number): [Window, Window] | undefined {
  const from = window.from.getTime();
  const to = window.to.getTime();
  if (to - from < 2 * minWindowMs) return undefined;
  const mid = from + Math.floor((to - from) / 2 / 1000) * 1000;
  return [
    { from: window.from, to: new Date(mid) },
    { from: new Date(mid), to: window.to },
  ];
}

/** `2024-08-06T07:00:00Z` — ISO without milliseconds when they are zero (what OData filters want). */
export function isoSeconds(date: Date): string {
  const iso = date.toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/** How many windows a stream plans to cover `[from, to)` (a backfill's progress total). */
export function windowsIn(range: { from: Date; to: Date }, policy: WindowPolicy): number {
  const to = range.to.getTime();
  let count = 0;
  for (let position = range.from.getTime(); position < to; count++) {
    const next = nextWindow(position, to + policy.lagMs, { ...policy, wholeWindowsOnly: false });
    if (!next) break;
    position = next.to.getTime();
  }
  return count;
}
