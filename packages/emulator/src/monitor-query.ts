/**
 * Executes a parsed Monitor query against the lazy row sources and produces one page.
 *
 * Window: the cursor range the $filter allows, clipped to [now - RETENTION_MS, now]; with no lower bound on
 * the cursor column, only the last DEFAULT_HORIZON_MS are searched.
 * Default order (cursor, key) streams slice by slice (an hour, or 10 minutes for SessionMetrics), the key of a
 * composite-key set being entityKey's string, which orders like the tuple of its key properties: each slice's
 * candidates are generated and sorted compactly, only consumed rows are materialised and filtered, and
 * generation stops once the page is full. Any other $orderby materialises the whole window, then sorts.
 * Paging is keyset-based: the nextLink's $skiptoken carries the sort key of the last row returned.
 * Under the unordered fault, a read without $orderby returns the window's rows in an order drawn for that read
 * (materialising the window, as $orderby does) and pages by offset; its page size is drawn too.
 */

import type { UnorderedRead } from './faults.ts';
import { type EntitySetDef, entityKey } from './monitor-schema.ts';
import { type CursorWindow, cursorWindow, matchesFilter } from './odata-filter.ts';
import type { MonitorQuery, OrderTerm } from './odata-query.ts';
import { hashOf } from './random.ts';
import { CandidateBuffer, type Row, type RowSource, TIMELESS_CURSOR } from './row-source.ts';
import { createScanBudget, type ScanBudget } from './scan-budget.ts';
import type { PagePosition } from './skiptoken.ts';
import { compareSortValues, compareTuples } from './sort-order.ts';
import { DAY_MS, formatMonitorDate } from './time.ts';

/** Searched window when a query has no lower bound on the cursor column. */
export const DEFAULT_HORIZON_MS = 7 * DAY_MS;
/** Data older than this (by cursor column) has been groomed and is never returned. */
export const RETENTION_MS = 90 * DAY_MS;

export interface MonitorContext {
  def: EntitySetDef;
  source: RowSource;
  /** Other entity sets, for $expand. */
  resolve(entitySet: string): { def: EntitySetDef; source: RowSource } | undefined;
  now: number;
  budget: ScanBudget;
}

export interface MonitorPage {
  /** Wire-format rows (timestamps as strings, $select/$expand applied). */
  rows: Record<string, unknown>[];
  count?: number;
  next?: PagePosition;
}

/** The cursor window a query searches at `now` (the whole set for a set without a cursor). */
export function queryWindow(
  cursor: string | undefined,
  query: Pick<MonitorQuery, 'filter'>,
  now: number,
): CursorWindow {
  if (cursor === undefined) return { lo: TIMELESS_CURSOR, hi: TIMELESS_CURSOR + 1 };
  const bounds = cursorWindow(query.filter, cursor);
  const lo = Number.isFinite(bounds.lo) ? bounds.lo : now - DEFAULT_HORIZON_MS;
  return { lo: Math.max(lo, now - RETENTION_MS), hi: Math.min(bounds.hi, now + 1) };
}

/**
 * $orderby terms completed with every key property (ascending), so the order is total and paging is stable.
 * Without $orderby: (cursor, then the full key).
 */
export function effectiveOrder(def: EntitySetDef, orderBy: readonly OrderTerm[]): OrderTerm[] {
  const terms: OrderTerm[] =
    orderBy.length > 0 ? [...orderBy] : def.cursor ? [{ property: def.cursor, descending: false }] : [];
  for (const key of def.keys) {
    if (!terms.some((t) => t.property === key)) terms.push({ property: key, descending: false });
  }
  return terms;
}

/**
 * Whether `terms` is the default order, which the row sources produce by streaming: (cursor, key), where
 * the key of a composite-key set is entityKey's string (ordered like the key tuple).
 */
function isDefaultOrder(def: EntitySetDef, terms: readonly OrderTerm[]): boolean {
  const standard = effectiveOrder(def, []);
  return (
    terms.length === standard.length &&
    terms.every((t, i) => t.property === standard[i]?.property && !t.descending)
  );
}

/** One generated slice, in (cursor, key) order, and what generating it cost. */
interface SortedSlice {
  source: RowSource;
  lo: number;
  hi: number;
  /** `now` the slice was generated at, or null once the slice had settled (valid for any later now). */
  now: number | null;
  scanned: number;
  buffer: CandidateBuffer;
  order: number[];
  keys: Map<number, string | number>;
}

/**
 * The most recent slice of each source. Consecutive pages of a query usually read the same slice; keeping
 * one slice per entity set bounds memory while avoiding regenerating it for every page.
 */
const lastSlice = new WeakMap<RowSource, SortedSlice>();

function sortedSlice(
  source: RowSource,
  lo: number,
  hi: number,
  now: number,
  budget: ScanBudget,
): SortedSlice {
  const settled = now >= hi + source.settlesAfterMs;
  const cached = lastSlice.get(source);
  if (
    cached &&
    cached.lo === lo &&
    cached.hi === hi &&
    (cached.now === now || (settled && cached.now === null))
  ) {
    budget.consume(cached.scanned);
    return cached;
  }
  const buffer = new CandidateBuffer();
  // Generating candidates is the emulator's own work; the real service seeks on its cursor index, so a
  // query costs the rows in its cursor range: halving the window halves the cost, as on Citrix.
  source.scan(lo, hi, now, createScanBudget(null), buffer);
  budget.consume(buffer.length);
  const keys = new Map<number, string | number>();
  const keyOf = (i: number): string | number => {
    let key = keys.get(i);
    if (key === undefined) {
      key = source.key(buffer.a[i] ?? 0, buffer.b[i] ?? 0, buffer.c[i] ?? 0);
      keys.set(i, key);
    }
    return key;
  };
  const cursors = buffer.cursors;
  const order = Array.from({ length: buffer.length }, (_, i) => i);
  order.sort((x, y) => (cursors[x] ?? 0) - (cursors[y] ?? 0) || compareSortValues(keyOf(x), keyOf(y)));
  const slice: SortedSlice = {
    source,
    lo,
    hi,
    now: settled ? null : now,
    scanned: buffer.length,
    buffer,
    order,
    keys,
  };
  lastSlice.set(source, slice);
  return slice;
}

/**
 * Rows whose current cursor value is in `window`, in (cursor, key) order, starting strictly after the
 * (cursor, key) pair `after` when given (the key as `source.key` returns it: entityKey of the row).
 * Generates one slice (source.sliceMs) at a time; only the rows actually consumed are materialised.
 */
export function* rowsInCursorOrder(
  source: RowSource,
  window: CursorWindow,
  now: number,
  budget: ScanBudget,
  after?: readonly [number, unknown],
): Generator<Row> {
  if (window.lo >= window.hi) return;
  const width = source.sliceMs;
  const first = after ? Math.max(window.lo, after[0]) : window.lo;
  for (let slice = Math.floor(first / width) * width; slice < window.hi; slice += width) {
    const { buffer, order, keys } = sortedSlice(
      source,
      Math.max(window.lo, slice),
      Math.min(window.hi, slice + width),
      now,
      budget,
    );
    for (const i of order) {
      const cursor = buffer.cursors[i] ?? 0;
      const a = buffer.a[i] ?? 0;
      const b = buffer.b[i] ?? 0;
      const c = buffer.c[i] ?? 0;
      if (after && cursor <= after[0]) {
        if (cursor < after[0]) continue;
        const key = keys.get(i) ?? source.key(a, b, c);
        if (compareSortValues(key, after[1]) <= 0) continue;
      }
      yield source.build(a, b, c, now);
    }
  }
}

/** Converts an internal row to the wire: DateTimeOffset numbers become Monitor-formatted strings. */
export function toWire(def: EntitySetDef, row: Row, select?: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const property of def.properties) {
    if (select && !select.includes(property.name)) continue;
    const value = row[property.name] ?? null;
    out[property.name] =
      property.type === 'Edm.DateTimeOffset' && typeof value === 'number' ? formatMonitorDate(value) : value;
  }
  return out;
}

function render(ctx: MonitorContext, query: MonitorQuery, row: Row): Record<string, unknown> {
  const out = toWire(ctx.def, row, query.select);
  for (const term of query.expand) {
    const target = ctx.resolve(term.navigation.target);
    const related = target?.source.lookup?.(row[term.navigation.foreignKey], ctx.now);
    out[term.navigation.name] = target && related ? toWire(target.def, related, term.select) : null;
  }
  return out;
}

/** Position of a row in the order the unordered fault drew for one read: a hash of the seed and the key. */
function shuffleRank(shuffleSeed: number, key: unknown): number {
  return hashOf(shuffleSeed, typeof key === 'number' ? key : String(key));
}

/**
 * Runs one page of a query. `position` is the decoded $skiptoken of a follow-up page; `firstRead` is the
 * unordered fault's layout for a first page (follow-up pages take it from `position`).
 */
export function runMonitorQuery(
  ctx: MonitorContext,
  query: MonitorQuery,
  pageSize: number,
  position?: PagePosition,
  firstRead?: UnorderedRead,
): MonitorPage {
  const { def, source, now, budget } = ctx;
  const window = queryWindow(def.cursor, query, now);
  const terms = effectiveOrder(def, query.orderBy);
  const defaultOrder = isDefaultOrder(def, terms);
  // The keyset position of a row: its sort tuple, or (cursor, entity key) in the default order, which is
  // what rowsInCursorOrder resumes from (the same thing for a single-property key).
  const positionOf = (row: Row): unknown[] =>
    defaultOrder
      ? [def.cursor ? (row[def.cursor] ?? null) : TIMELESS_CURSOR, entityKey(def, row)]
      : terms.map((t) => row[t.property] ?? null);
  const read = position ? position.read : firstRead;
  const emitted = position?.emitted ?? 0;
  const size = read?.pageSize ?? pageSize;
  const take = Math.max(0, Math.min(size, (query.top ?? Number.POSITIVE_INFINITY) - emitted));
  const matches = (row: Row) => !query.filter || matchesFilter(query.filter, row);

  let page: Row[] = [];
  let more = false;
  let count: number | undefined;
  if (read && query.orderBy.length === 0) {
    // The unordered fault: no $orderby, so no order is promised. The rank depends only on the read's seed
    // and the key, so the order stays the same across the pages of one read; a record that appears or
    // disappears between pages only shifts the rows ranked after it by one place (one repeat or skip), as
    // offset paging does. The (full) key breaks (unlikely) rank ties.
    const all: { row: Row; key: string | number; rank: number }[] = [];
    for (const row of rowsInCursorOrder(source, window, now, budget)) {
      if (!matches(row)) continue;
      const key = entityKey(def, row);
      all.push({ row, key, rank: shuffleRank(read.shuffleSeed, key) });
    }
    all.sort((x, y) => x.rank - y.rank || compareSortValues(x.key, y.key));
    const start = query.skip + emitted;
    page = all.slice(start, start + take).map((entry) => entry.row);
    more = all.length > start + take;
    if (query.count) count = all.length;
  } else if (defaultOrder) {
    const after = position ? ([Number(position.after[0]), position.after[1]] as const) : undefined;
    let toSkip = position ? 0 : query.skip;
    if (take > 0) {
      for (const row of rowsInCursorOrder(source, window, now, budget, after)) {
        if (!matches(row)) continue;
        if (toSkip > 0) {
          toSkip--;
          continue;
        }
        if (page.length === take) {
          more = true;
          break;
        }
        page.push(row);
      }
    }
    if (query.count) {
      count = 0;
      for (const row of rowsInCursorOrder(source, window, now, budget)) if (matches(row)) count++;
    }
  } else {
    const all: { row: Row; tuple: unknown[] }[] = [];
    for (const row of rowsInCursorOrder(source, window, now, budget)) {
      if (matches(row)) all.push({ row, tuple: positionOf(row) });
    }
    all.sort((a, b) => compareTuples(a.tuple, b.tuple, terms));
    let start = query.skip;
    if (position) {
      start = all.findIndex((entry) => compareTuples(entry.tuple, position.after, terms) > 0);
      if (start < 0) start = all.length;
    }
    page = all.slice(start, start + take).map((entry) => entry.row);
    more = all.length > start + take;
    if (query.count) count = all.length;
  }

  const result: MonitorPage = { rows: page.map((row) => render(ctx, query, row)) };
  if (count !== undefined) result.count = count;
  const last = page[page.length - 1];
  const reachedTop = query.top !== undefined && emitted + page.length >= query.top;
  if (more && last && !reachedTop) {
    result.next = { after: positionOf(last), emitted: emitted + page.length };
    if (read) result.next.read = read;
  }
  return result;
}
