/**
 * What ctxsiem knows about Monitor entity sets: the cursor column each one is windowed on (Citrix
 * documents ModifiedDate for most; metrics use CollectedDate; some use CreatedDate).
 */

export const DEFAULT_ENTITIES = ['Machines', 'Sessions', 'Connections', 'Applications', 'Users'] as const;

const CURSOR_COLUMNS: Record<string, string> = {
  MachineMetric: 'CollectedDate',
  SessionMetrics: 'CollectedDate',
  // Insert-only, no ModifiedDate: the event's time (Citrix's OpenAPI filters and indexes it).
  SessionAutoReconnects: 'EventTimestamp',
  SessionMetricsLatest: 'CreatedDate',
  LogOnMetrics: 'UserInitStartDate',
};

/** The cursor column of an entity set; `overrides` (from config) win. */
export function cursorColumn(entitySet: string, overrides: Record<string, string> = {}): string {
  return overrides[entitySet] ?? CURSOR_COLUMNS[entitySet] ?? 'ModifiedDate';
}

/**
 * How long after its cursor time a row can still appear, by what the cursor column means:
 * `ModifiedDate` and `CreatedDate` are written by the Monitor service as it records a change (minutes
 * behind at most), while `CollectedDate`, `UserInitStartDate` and `EventTimestamp` are event times on the machines,
 * uploaded in batches and so often much later. The reconcile pass catches what is later still.
 */
const LAG_MINUTES_BY_CURSOR: Record<string, number> = {
  ModifiedDate: 10,
  CreatedDate: 10,
  CollectedDate: 30,
  UserInitStartDate: 30,
  EventTimestamp: 30,
};

export const DEFAULT_LAG_MINUTES = 10;

/** The default safety lag of a stream windowed on `cursor`. */
export function defaultLagMinutes(cursor: string): number {
  return LAG_MINUTES_BY_CURSOR[cursor] ?? DEFAULT_LAG_MINUTES;
}

/** Whether a row's cursor value changes as the row changes (a modification time): rows move on. */
export function rowsMoveBetweenWindows(cursor: string): boolean {
  return cursor === 'ModifiedDate';
}
