/**
 * The contract between the lazy Monitor data generators and the query engine: a RowSource finds the records
 * whose current cursor value lies in a window (as compact candidates) and materialises them on demand.
 */
import type { ScanBudget } from './scan-budget.ts';
import { hourIndex } from './time.ts';

export type Row = Record<string, unknown>;

/**
 * Where the rows of a set without a time column sit in the engine's (cursor, key) order: all at this
 * one cursor value, so a read of such a set is a read of the whole set, ordered by key.
 */
export const TIMELESS_CURSOR = 0;

/**
 * Records found in a window, stored compactly (parallel number arrays) so that a dense hour costs a few
 * megabytes: a cursor value plus up to three integers (a, b, c) that identify the record to its source,
 * e.g. (creation hour, session index, connection number).
 */
export class CandidateBuffer {
  readonly cursors: number[] = [];
  readonly a: number[] = [];
  readonly b: number[] = [];
  readonly c: number[] = [];

  add(cursor: number, a: number, b = 0, c = 0): void {
    this.cursors.push(cursor);
    this.a.push(a);
    this.b.push(b);
    this.c.push(c);
  }

  get length(): number {
    return this.cursors.length;
  }
}

export interface RowSource {
  /** Width of the cursor slices generated at once when streaming in cursor order. */
  sliceMs: number;
  /** A record's cursor never changes once `now` is this far past it (it is final). */
  settlesAfterMs: number;
  /** Adds the records whose current cursor value is in [lo, hi) at `now`, in no particular order. */
  scan(lo: number, hi: number, now: number, budget: ScanBudget, into: CandidateBuffer): void;
  /**
   * The entity key of a candidate (used to order records with equal cursor values): exactly what
   * monitor-schema.ts entityKey gives for its row — the key value, or a composite key's joined string.
   */
  key(a: number, b: number, c: number): string | number;
  /**
   * The cursor value of a candidate's version at `at`, or undefined when the record does not exist yet at
   * `at`. Defined for any candidate a scan has produced; it lets the lateArrivals fault show a record as it
   * was some time before `now` without rescanning.
   */
  cursorAt(a: number, b: number, c: number, at: number): number | undefined;
  /** Materialises a candidate's current version at `now`. */
  build(a: number, b: number, c: number, now: number): Row;
  /** Pools only: the current version of one member, for $expand. */
  lookup?(key: unknown, now: number): Row | undefined;
}

/** Latest time in `times` that is ≤ now, with its index (-1 when none). */
export function latestIndex(times: readonly number[], now: number): number {
  let found = -1;
  for (let i = 0; i < times.length; i++) if ((times[i] ?? Number.POSITIVE_INFINITY) <= now) found = i;
  return found;
}

export function inWindow(value: number, lo: number, hi: number): boolean {
  return value >= lo && value < hi;
}

/** Creation hours whose records may have a current cursor in [lo, hi). */
export function* creationHours(lo: number, hi: number, now: number, maxSpanMs: number): Generator<number> {
  const last = hourIndex(Math.min(hi, now + 1) - 1);
  for (let hour = hourIndex(lo - maxSpanMs); hour <= last; hour++) yield hour;
}
