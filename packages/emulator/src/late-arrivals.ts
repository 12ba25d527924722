/**
 * The `lateArrivals` fault: records reach the API after a replication delay, as on the real service, where
 * a change becomes queryable some minutes after its ModifiedDate. A client that moves its high-water mark to
 * the newest cursor it has read, without an overlap, silently loses those records.
 *
 * Each record gets a fixed delay, a pure function of (seed, entity set, key): LATE_ARRIVAL_SHARE of the
 * records are delayed uniformly in (0, maxMinutes], the others not at all. Monitor shows a delayed record at
 * `now` as it was at `now - delay` (every version of it arrives that much later; a record that did not exist
 * yet is absent). casodata hourly rows are aggregates published per hour: a delayed row of an hour appears
 * `delay` after the hour ends, so an hour re-read later returns more rows.
 */
import { hashOf, mix } from './random.ts';
import { CandidateBuffer, inWindow, type RowSource } from './row-source.ts';
import type { ScanBudget } from './scan-budget.ts';
import { HOUR_MS, MINUTE_MS } from './time.ts';

/** Share of the records that arrive late; the others are visible at once. */
export const LATE_ARRIVAL_SHARE = 0.3;

export interface LateArrivals {
  /** The longest delay. */
  readonly maxMs: number;
  /** Delay of a Monitor record (0 for most). */
  monitorDelayMs(entitySet: string, key: string | number): number;
  /** Delay, after its hour ends, of a casodata row of `hour` (hours since the epoch) with key `key`. */
  casodataDelayMs(entity: string, hour: number, key: unknown): number;
  /** Delay of an admin audit record (`systemlog`, `configlog`) after its time. */
  auditDelayMs(log: string, key: string): number;
}

/** The delays of the `lateArrivals` fault, or null when it is off (absent, null or maxMinutes 0). */
export function createLateArrivals(
  seed: number,
  fault: { maxMinutes: number } | null | undefined,
): LateArrivals | null {
  if (!fault) return null;
  const { maxMinutes } = fault;
  if (!Number.isFinite(maxMinutes) || maxMinutes < 0)
    throw new Error(`lateArrivals.maxMinutes must be a finite number ≥ 0, got ${maxMinutes}`);
  const maxMs = Math.floor(maxMinutes * MINUTE_MS);
  if (maxMs === 0) return null;
  const delayOf = (hash: number): number => {
    const draw = hash / 4294967296;
    if (draw >= LATE_ARRIVAL_SHARE) return 0;
    // The remaining part of the draw is uniform in [0, 1): a delay in [1 ms, maxMs].
    const spread = mix(hash, 0x1a7e) / 4294967296;
    return 1 + Math.floor(spread * maxMs);
  };
  const base = hashOf(seed, 'late-arrival');
  return {
    maxMs,
    monitorDelayMs: (entitySet, key) => delayOf(hashOf(base, entitySet, key)),
    casodataDelayMs: (entity, hour, key) => delayOf(hashOf(base, `casodata/${entity}`, hour, String(key))),
    auditDelayMs: (log, key) => delayOf(hashOf(base, `audit/${log}`, key)),
  };
}

/**
 * A source showing each record of `source` as it was `delayOf(key)` before `now`.
 *
 * A record visible with cursor c' in [lo, hi) has, at `now`, a cursor c ≥ c' (versions only move forward).
 * Either c is still in [lo, hi), or the record changed after `now - delay`, so c lies in
 * [max(hi, now - maxMs), now]; a record settled by `now - maxMs` cannot have changed since. Scanning those two
 * ranges at `now` therefore finds every candidate, and each is then placed by its cursor at `now - delay`.
 */
export function withLateArrivals(
  source: RowSource,
  delayOf: (key: string | number) => number,
  maxMs: number,
): RowSource {
  const delayOfCandidate = (a: number, b: number, c: number) => delayOf(source.key(a, b, c));
  const { lookup } = source;
  return {
    sliceMs: source.sliceMs,
    settlesAfterMs: source.settlesAfterMs + maxMs,
    scan(lo: number, hi: number, now: number, budget: ScanBudget, into: CandidateBuffer) {
      const found = new CandidateBuffer();
      source.scan(lo, hi, now, budget, found);
      const recentLo = Math.max(hi, now - maxMs);
      if (now - maxMs < hi + source.settlesAfterMs && recentLo <= now)
        source.scan(recentLo, now + 1, now, budget, found);
      for (let i = 0; i < found.length; i++) {
        const a = found.a[i] ?? 0;
        const b = found.b[i] ?? 0;
        const c = found.c[i] ?? 0;
        const delay = delayOfCandidate(a, b, c);
        const cursor = delay === 0 ? found.cursors[i] : source.cursorAt(a, b, c, now - delay);
        if (cursor !== undefined && inWindow(cursor, lo, hi)) into.add(cursor, a, b, c);
      }
    },
    key: (a, b, c) => source.key(a, b, c),
    cursorAt: (a, b, c, at) => source.cursorAt(a, b, c, at - delayOfCandidate(a, b, c)),
    build: (a, b, c, now) => source.build(a, b, c, now - delayOfCandidate(a, b, c)),
    // $expand embeds the related record as the same delay shows it in its own entity set.
    lookup: lookup && ((key, now) => (isKey(key) ? lookup.call(source, key, now - delayOf(key)) : undefined)),
  };
}

function isKey(value: unknown): value is string | number {
  return typeof value === 'string' || typeof value === 'number';
}

/** The Monitor sources as the `lateArrivals` fault shows them (the sources themselves when it is off). */
export function lateMonitorSources(
  sources: ReadonlyMap<string, RowSource>,
  late: LateArrivals | null,
): ReadonlyMap<string, RowSource> {
  if (!late) return sources;
  return new Map(
    [...sources].map(([entitySet, source]) => [
      entitySet,
      withLateArrivals(source, (key) => late.monitorDelayMs(entitySet, key), late.maxMs),
    ]),
  );
}

/** Is a casodata row of `hour` visible at `now`? Undelayed rows are (as without the fault). */
export function casodataRowArrived(
  late: LateArrivals | null,
  entity: string,
  hour: number,
  key: unknown,
  now: number,
): boolean {
  if (!late) return true;
  const delay = late.casodataDelayMs(entity, hour, key);
  return delay === 0 || now >= (hour + 1) * HOUR_MS + delay;
}
