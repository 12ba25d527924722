/**
 * Ground truth for tests and benchmarks: the same generators the server uses, without HTTP. Everything is
 * computed at the emulator's current `now` (the clock passed in the options) under the current faults that
 * shape the data (lateArrivals), exactly as a request arriving at that moment would see it.
 */
import { configLogOperations, siteOf, systemLogRecords } from './admin-audit.ts';
import { CASODATA_ENTITY_NAMES, casodataHour, isEmptyHour } from './casodata.ts';
import { configLogLowLevelOperations } from './configlog-low-level.ts';
import { daasSessionsAt } from './daas-sessions.ts';
import type { LateArrivals } from './late-arrivals.ts';
import { queryWindow, RETENTION_MS, rowsInCursorOrder, toWire } from './monitor-query.ts';
import { ENTITY_SETS, entityKey, entitySetOrThrow } from './monitor-schema.ts';
import type { RowSource } from './row-source.ts';
import { createScanBudget } from './scan-budget.ts';
import type { World } from './session-model.ts';
import { hourIndex } from './time.ts';

export interface GroundTruth {
  readonly seed: number;
  readonly sessionsPerHour: number;
  /** The emulator's clock. */
  now(): number;
  /** Monitor entity sets served. */
  entitySets(): string[];
  /**
   * The column the server's default order and `monitor()` window on — the set's cursor in the model
   * (`@ctxsiem/monitor-model`): ModifiedDate for most sets, CollectedDate for the raw samples,
   * SummaryDate for the summaries, an event time for events. Throws for a set without a time column
   * (a snapshot set: see `isSnapshot`).
   */
  cursorColumn(entitySet: string): string;
  /** Whether the set has no time column: read whole, `monitor()` gives every row whatever the range. */
  isSnapshot(entitySet: string): boolean;
  /**
   * The key property, or the FIRST key property of a composite key (ResourceUtilization,
   * ResourceUtilizationSummary, MachineCostSavingsSummaries), which alone is not unique: build a record's
   * identity from `keyColumns` (the full tuple) or take `recordKey`.
   */
  keyColumn(entitySet: string): string;
  /** Every key property, in $metadata order (one for most sets). */
  keyColumns(entitySet: string): string[];
  /**
   * A record's unique identity: its key value, or for a composite key one string of the key properties
   * (`MachineId|2024-08-06T07:05:00.000Z`, see entityKey). This is the key `arrivalDelayMs` takes.
   */
  recordKey(entitySet: string, record: Record<string, unknown>): string | number;
  /**
   * Records whose cursor column is in [from, to) at the current `now`, in the server's default order
   * (cursor, then key), serialised exactly as the API returns them (no $select / $expand). Lazy.
   * Equals paging through `$filter=<cursor> ge <from> and <cursor> lt <to>` with no $orderby.
   */
  monitor(entitySet: string, range: { from: Date; to: Date }): Iterable<Record<string, unknown>>;
  /** Current version of one Users / Machines / Applications record (what $expand embeds), if it exists. */
  monitorRecord(entitySet: string, key: string | number): Record<string, unknown> | undefined;
  /**
   * How long after a change the API shows this Monitor record under the current lateArrivals fault: the
   * API shows it as it was that long before `now`. 0 for an undelayed record or without the fault.
   * `key` as `recordKey` gives it.
   */
  arrivalDelayMs(entitySet: string, key: string | number): number;
  casodataEntities(): string[];
  /** Every casodata record of the hour starting at `hourStart`, at the current `now`, in default order. */
  casodata(entity: string, hourStart: Date): Record<string, unknown>[];
  /** Whether that hour is one of the deterministic empty hours (regardless of `now`). */
  isEmptyCasodataHour(entity: string, hourStart: Date): boolean;
  /** System Log records of the customer with `utcTimestamp` in [from, to), visible now, oldest first. */
  systemLog(customerId: string, range: { from: Date; to: Date }): Record<string, unknown>[];
  /** DaaS configuration log operations started in [from, to), visible now, as they stand now. */
  configLog(customerId: string, range: { from: Date; to: Date }): Record<string, unknown>[];
  /** The customer's DaaS site id (`Citrix-InstanceId`). */
  siteId(customerId: string): string;
  /** The low-level operations of a DaaS configuration log operation now, oldest first; undefined: no such operation. */
  configLogLowLevel(customerId: string, operationId: string): Record<string, unknown>[] | undefined;
  /** The DaaS sessions the site lists now whose last state change is in [from, to), oldest start first. */
  daasSessions(customerId: string, range: { from: Date; to: Date }): Record<string, unknown>[];
}

/** The data as the current faults shape it: the Monitor sources and the late-arrival delays. */
export interface VisibleData {
  sources: ReadonlyMap<string, RowSource>;
  late: LateArrivals | null;
}

export function createGroundTruth(world: World, view: () => VisibleData, clock: () => number): GroundTruth {
  const sourceOf = (entitySet: string): RowSource => {
    const source = view().sources.get(entitySet);
    if (!source) throw new Error(`Unknown Monitor entity set '${entitySet}'`);
    return source;
  };
  const audit = () => ({ seed: world.seed, now: clock(), late: view().late, planted: world.planted });
  return {
    seed: world.seed,
    sessionsPerHour: world.sessionsPerHour,
    now: clock,
    entitySets: () => ENTITY_SETS.map((d) => d.name),
    cursorColumn(entitySet) {
      const cursor = entitySetOrThrow(entitySet).cursor;
      if (cursor === undefined)
        throw new Error(`${entitySet} has no time column: it is read whole (a snapshot set)`);
      return cursor;
    },
    isSnapshot: (entitySet) => entitySetOrThrow(entitySet).cursor === undefined,
    keyColumn: (entitySet) => entitySetOrThrow(entitySet).key,
    keyColumns: (entitySet) => [...entitySetOrThrow(entitySet).keys],
    recordKey: (entitySet, record) => entityKey(entitySetOrThrow(entitySet), record),
    monitor(entitySet, range) {
      const def = entitySetOrThrow(entitySet);
      const source = sourceOf(entitySet);
      const now = clock();
      const window =
        def.cursor === undefined
          ? queryWindow(undefined, {}, now)
          : {
              lo: Math.max(range.from.getTime(), now - RETENTION_MS),
              hi: Math.min(range.to.getTime(), now + 1),
            };
      return {
        *[Symbol.iterator]() {
          for (const row of rowsInCursorOrder(source, window, now, createScanBudget(null)))
            yield toWire(def, row);
        },
      };
    },
    monitorRecord(entitySet, key) {
      const def = entitySetOrThrow(entitySet);
      const row = sourceOf(entitySet).lookup?.(key, clock());
      return row ? toWire(def, row) : undefined;
    },
    arrivalDelayMs(entitySet, key) {
      entitySetOrThrow(entitySet);
      return view().late?.monitorDelayMs(entitySet, key) ?? 0;
    },
    casodataEntities: () => [...CASODATA_ENTITY_NAMES],
    casodata: (entity, hourStart) =>
      casodataHour(world, entity, hourStart.getTime(), clock(), createScanBudget(null), view().late),
    isEmptyCasodataHour: (entity, hourStart) =>
      isEmptyHour(world.seed, entity, hourIndex(hourStart.getTime())),
    // The API's bounds are inclusive; times are whole milliseconds: [from, to) is [from, to - 1].
    systemLog: (customerId, range) =>
      systemLogRecords(audit(), customerId, range.from.getTime(), range.to.getTime() - 1),
    configLog: (customerId, range) =>
      configLogOperations(audit(), customerId, range.from.getTime(), range.to.getTime()),
    siteId: (customerId) => siteOf(world.seed, customerId).Id,
    configLogLowLevel: (customerId, operationId) =>
      configLogLowLevelOperations(audit(), customerId, operationId),
    daasSessions: (customerId, range) =>
      daasSessionsAt(audit(), customerId).filter((session) => {
        const at = Date.parse(String(session.FormattedStateChangeTime));
        return at >= range.from.getTime() && at < range.to.getTime();
      }),
  };
}
