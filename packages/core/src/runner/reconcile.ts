/**
 * When the reconcile pass checks a closed window again for records that became visible in the API
 * after the window was read (late data). Each closed window within the horizon has an entry in the
 * stream's checkpoint; checks come `firstCheckMs` after the window's end (or at twice its age when it
 * was read later than that), then each at twice the window's age at the previous check, and a last one
 * at the horizon: with the defaults at 30 min, 1 h, 2 h, 4 h, 8 h, 16 h and 24 h — seven checks a day
 * per window, each a `$count` where that can tell, else a re-read. A check that cannot finish is tried
 * again with a backoff and reported until it does (`retryCheck`); after the last check a count-only audit
 * counts the rows later than the horizon (`auditEntry`).
 */

import { HOUR_MS, MINUTE_MS } from '../clock/durations.ts';
import type { ReconcileEntry } from '../contracts/checkpoint-store.ts';
import type { Window } from '../contracts/records.ts';

export interface ReconcilePolicy {
  /** Closed windows are checked for late records until their end is this old. */
  horizonMs: number;
  /** The first check comes this long after a window's end. */
  firstCheckMs: number;
}

export const DEFAULT_RECONCILE: ReconcilePolicy = { horizonMs: 24 * HOUR_MS, firstCheckMs: 30 * MINUTE_MS };

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The entry of a window read completely at `now`. A window read late (a catch-up) has seen every row
 * that was `now − end` late; its first check comes at twice that age, like every later one. Every window
 * gets at least one check — the one that finds the rows a read stepped over (see below), for a stream
 * that cannot count (rows leave its windows) re-reading it.
 *
 * Two kinds of window are checked `firstCheckMs` after they were read, whatever their age:
 * - a window read at an age at or beyond the horizon (a catch-up after an outage, a start in the past,
 *   a backfill): rows can still reach it while it is read, and a stream whose rows leave windows may
 *   have stepped over some. One check, then the count-only audit.
 * - a window whose read was **continued from a stored resume token** (after a kill, a stop or a
 *   takeover): an API that pages by offset shifts its rows when some leave the window between pages, so
 *   the continued read can step over rows that stayed. Its check re-reads the window whatever the API's
 *   count says (`reread`).
 * Not at once: a run that stopped on its budget would spend the next one re-reading what it just read.
 */
export function firstCheck(
  window: Window,
  now: number,
  policy: ReconcilePolicy,
  { continued = false }: { continued?: boolean } = {},
): ReconcileEntry {
  const to = window.to.getTime();
  const age = now - to;
  const entry = {
    from: window.from.toISOString(),
    to: iso(to),
    checks: 0,
    ...(continued ? { reread: true } : {}),
  };
  if (continued || age >= policy.horizonMs) return { ...entry, at: iso(now + policy.firstCheckMs) };
  return { ...entry, at: iso(to + Math.min(policy.horizonMs, Math.max(policy.firstCheckMs, 2 * age))) };
}

/** The entry after a check done at `now`, or undefined when that was the last one. */
export function nextCheck(
  entry: ReconcileEntry,
  now: number,
  policy: ReconcilePolicy,
): ReconcileEntry | undefined {
  const to = Date.parse(entry.to);
  const age = Math.max(now, Date.parse(entry.at)) - to;
  if (age >= policy.horizonMs) return undefined;
  const { reread: _reread, unverified: _unverified, ...rest } = entry;
  return { ...rest, checks: entry.checks + 1, at: iso(to + Math.min(policy.horizonMs, 2 * age)) };
}

/** The longest wait between two tries of a check that could not finish. */
export const MAX_RETRY_MS = 6 * HOUR_MS;

/**
 * The entry of a check that could not finish at `now` (a re-read timing out on the smallest window, a
 * count the API would not give): the window stays unverified, due again after a backoff — `firstCheckMs`,
 * doubling with every failed try up to six hours — and is never dropped: `unverifiedWindows` reports it
 * in every run's summary, in `ctxsiem status` and in `/metrics` until a check finishes.
 */
export function retryCheck(entry: ReconcileEntry, now: number, policy: ReconcilePolicy): ReconcileEntry {
  const tries = (entry.unverified ?? 0) + 1;
  const wait = Math.min(MAX_RETRY_MS, policy.firstCheckMs * 2 ** (tries - 1));
  return { ...entry, unverified: tries, at: iso(now + wait) };
}

/** The windows whose last check could not finish (`retryCheck`): not verified yet. */
export function unverifiedWindows(entries: readonly ReconcileEntry[] | undefined): number {
  return (entries ?? []).filter((entry) => (entry.unverified ?? 0) > 0).length;
}

/**
 * The count-only audit of a window last looked at `now` (its last check, or a catch-up read past the
 * horizon) that had delivered `delivered` records: at twice the window's age then, the API's count is
 * compared with it once, so rows later than the horizon are counted instead of vanishing unseen.
 */
export function auditEntry(
  window: { from: string; to: string; checks: number },
  now: number,
  policy: ReconcilePolicy,
  delivered: number,
): ReconcileEntry {
  const to = Date.parse(window.to);
  const age = Math.max(policy.horizonMs, now - to);
  return { from: window.from, to: window.to, checks: window.checks, at: iso(to + 2 * age), audit: delivered };
}

/** The entries due at `now`, oldest due first. */
export function dueChecks(entries: readonly ReconcileEntry[] | undefined, now: number): ReconcileEntry[] {
  return (entries ?? [])
    .filter((entry) => Date.parse(entry.at) <= now)
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}
