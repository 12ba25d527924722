/**
 * How ctxsiem collects each Monitor entity set, from the model Citrix publishes
 * (`@ctxsiem/monitor-model`: its OpenAPI facts and the collection decided per set): the cursor column a
 * set is windowed on (or none: a snapshot set, read whole), how long after its cursor time a row can
 * still appear (the lag), whether its rows move between windows, and which `Granularity` a summary set
 * is read at. A set the model does not know (configured by name) is windowed on `ModifiedDate`.
 */
import { type CursorKind, monitorEntitySet } from '@ctxsiem/monitor-model';

export const DEFAULT_ENTITIES = ['Machines', 'Sessions', 'Connections', 'Applications', 'Users'] as const;

/**
 * The cursor column of an entity set — `overrides` (from config) win — or undefined for a set the
 * model reads whole (no time column that follows a row's changes: a snapshot set).
 */
export function cursorColumn(entitySet: string, overrides: Record<string, string> = {}): string | undefined {
  const override = overrides[entitySet];
  if (override) return override;
  const collection = monitorEntitySet(entitySet)?.collection;
  if (!collection) return 'ModifiedDate';
  return collection.mode === 'window' ? collection.cursor : undefined;
}

/** What the cursor column of a set means (an override is read as the kind of column its name says). */
export function cursorKind(entitySet: string, cursor: string): CursorKind {
  const collection = monitorEntitySet(entitySet)?.collection;
  if (collection?.mode === 'window' && collection.cursor === cursor) return collection.kind;
  if (cursor === 'SummaryDate') return 'summary';
  if (cursor === 'CollectedDate') return 'sample';
  return /Modified|LastActive|Updated/.test(cursor) ? 'modified' : 'event';
}

/**
 * How long after its cursor time a row can still appear, by what the cursor means: a modification time
 * (and a row's creation time: `CreatedDate` of insert-only sets) is written by the Monitor service as it
 * records a change, minutes behind at most; event and sample times are the machines' own, uploaded in
 * batches and so often much later. The reconcile pass catches what is later still.
 */
const LAG_MINUTES: Record<Exclude<CursorKind, 'summary'>, number> = { modified: 10, event: 30, sample: 30 };
const RECORDED_BY_THE_SERVICE = new Set(['CreatedDate']);

/** A summary slot's row is published this long after the slot ends, at most (then reconcile). */
const SUMMARY_PUBLISHING_MINUTES = 30;

/**
 * The default safety lag of a stream windowed on `cursor` of `kind`. A summary row carries its slot's
 * start, and exists only once the slot is over: its lag is the slot's length and then some.
 */
export function defaultLagMinutes(kind: CursorKind, cursor: string, slotMinutes = 60): number {
  if (kind === 'summary') return slotMinutes + SUMMARY_PUBLISHING_MINUTES;
  if (RECORDED_BY_THE_SERVICE.has(cursor)) return LAG_MINUTES.modified;
  return LAG_MINUTES[kind];
}

/** Whether a row's cursor value changes as the row changes (a modification time): rows move on. */
export function rowsMoveBetweenWindows(kind: CursorKind): boolean {
  return kind === 'modified';
}

/** The slot lengths, in minutes, a summary can be read at: minute, hour, day. */
export const GRANULARITIES = [1, 60, 1440] as const;
export type Granularity = (typeof GRANULARITIES)[number];

/**
 * The slot length of a summary set: its own, when the set summarises one length only (its name or
 * Citrix's schema page says which), else the configured one.
 */
export function slotMinutes(entitySet: string, configured: Granularity): number {
  const collection = monitorEntitySet(entitySet)?.collection;
  return (collection?.mode === 'window' && collection.slotMinutes) || configured;
}

/**
 * How a set writes a granularity in its `Granularity` column: minutes, except in
 * MachineCostSavingsSummaries, where it is the `CostSavingsSummaryGranularity` enum (0 hour, 1 day;
 * it has no minute rows). Undefined when the set has no rows at that granularity.
 */
export function granularityValue(entitySet: string, minutes: Granularity): number | undefined {
  if (entitySet !== 'MachineCostSavingsSummaries') return minutes;
  return minutes === 60 ? 0 : minutes === 1440 ? 1 : undefined;
}
