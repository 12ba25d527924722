/**
 * What ctxsiem knows about Monitor entity sets: the cursor column each one is windowed on (Citrix
 * documents ModifiedDate for most; metrics use CollectedDate; some use CreatedDate).
 */

export const DEFAULT_ENTITIES = ['Machines', 'Sessions', 'Connections', 'Applications', 'Users'] as const;

const CURSOR_COLUMNS: Record<string, string> = {
  MachineMetric: 'CollectedDate',
  SessionMetrics: 'CollectedDate',
  SessionAutoReconnects: 'CreatedDate',
  SessionMetricsLatest: 'CreatedDate',
  LogOnMetrics: 'UserInitStartDate',
};

/** The cursor column of an entity set; `overrides` (from config) win. */
export function cursorColumn(entitySet: string, overrides: Record<string, string> = {}): string {
  return overrides[entitySet] ?? CURSOR_COLUMNS[entitySet] ?? 'ModifiedDate';
}
