/**
 * What ctxsiem knows about Monitor entity sets: the cursor column each one is windowed on, how long
 * after its cursor time a row can still appear (the lag), and which `Granularity` a summary set is read
 * at. One table per question; a set not listed is windowed on `ModifiedDate`.
 */

export const DEFAULT_ENTITIES = ['Machines', 'Sessions', 'Connections', 'Applications', 'Users'] as const;

/**
 * Sets not windowed on `ModifiedDate`, and why. Summaries hold one row per time slot, published once
 * the slot is complete, and Citrix filters and indexes them on the slot's start (`SummaryDate`, with
 * `Granularity`); raw samples and events on their own time. See docs/research/monitor-entity-sets.md.
 */
const CURSOR_COLUMNS: Record<string, string> = {
  // Samples, taken on the machines and uploaded later.
  MachineMetric: 'CollectedDate',
  SessionMetrics: 'CollectedDate',
  ResourceUtilization: 'CollectedDate',
  // Insert-only events without a ModifiedDate (Citrix's OpenAPI filters and indexes these columns).
  SessionAutoReconnects: 'EventTimestamp',
  LogOnMetrics: 'UserInitStartDate',
  // Per-interval aggregates.
  ApplicationActivitySummaries: 'SummaryDate',
  DesktopOSDesktopSummaries: 'SummaryDate',
  FailureLogSummaries: 'SummaryDate',
  LogOnSummaries: 'SummaryDate',
  MachineCostSavingsSummaries: 'SummaryDate',
  ReconnectSummaries: 'SummaryDate',
  ResourceUtilizationSummary: 'SummaryDate',
  ServerOSDesktopSummaries: 'SummaryDate',
  SessionActivitySummaries: 'SummaryDate',
};

/** The cursor column of an entity set; `overrides` (from config) win. */
export function cursorColumn(entitySet: string, overrides: Record<string, string> = {}): string {
  return overrides[entitySet] ?? CURSOR_COLUMNS[entitySet] ?? 'ModifiedDate';
}

/**
 * How long after its cursor time a row can still appear, by what the cursor column means:
 * `ModifiedDate` and `CreatedDate` are written by the Monitor service as it records a change (minutes
 * behind at most), while `CollectedDate`, `UserInitStartDate` and `EventTimestamp` are event times on the
 * machines, uploaded in batches and so often much later. The reconcile pass catches what is later still.
 */
const LAG_MINUTES_BY_CURSOR: Record<string, number> = {
  ModifiedDate: 10,
  CreatedDate: 10,
  CollectedDate: 30,
  UserInitStartDate: 30,
  EventTimestamp: 30,
};

export const DEFAULT_LAG_MINUTES = 10;

/** A summary slot's row is published this long after the slot ends, at most (then reconcile). */
const SUMMARY_PUBLISHING_MINUTES = 30;

/**
 * The default safety lag of a stream windowed on `cursor`. A summary row carries its slot's start, and
 * exists only once the slot is over: its lag is the slot's length and then some.
 */
export function defaultLagMinutes(cursor: string, granularityMinutes = 60): number {
  if (cursor === 'SummaryDate') return granularityMinutes + SUMMARY_PUBLISHING_MINUTES;
  return LAG_MINUTES_BY_CURSOR[cursor] ?? DEFAULT_LAG_MINUTES;
}

/** Whether a row's cursor value changes as the row changes (a modification time): rows move on. */
export function rowsMoveBetweenWindows(cursor: string): boolean {
  return cursor === 'ModifiedDate';
}

/** The slot lengths, in minutes, a summary can be read at: minute, hour, day. */
export const GRANULARITIES = [1, 60, 1440] as const;
export type Granularity = (typeof GRANULARITIES)[number];

/**
 * How a set writes a granularity in its `Granularity` column: minutes, except in
 * MachineCostSavingsSummaries, where it is the `CostSavingsSummaryGranularity` enum (0 hour, 1 day;
 * it has no minute rows). Undefined when the set has no rows at that granularity.
 */
export function granularityValue(entitySet: string, minutes: Granularity): number | undefined {
  if (entitySet !== 'MachineCostSavingsSummaries') return minutes;
  return minutes === 60 ? 0 : minutes === 1440 ? 1 : undefined;
}
