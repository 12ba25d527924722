/**
 * Lazily generated Monitor data: one RowSource per entity set. For a cursor window [lo, hi) at time `now`, a
 * source yields the records whose CURRENT version (the latest with cursor ≤ now) falls in the window.
 *
 * - session-tables.ts: Sessions, Connections, ApplicationInstances, SessionMetrics, ConnectionFailureLogs,
 *   SessionAutoReconnects,
 *   generated from the session timelines of the creation hours that can reach the window.
 * - session-tables.ts also: LogOnMetrics (one row per session that logged on).
 * - hourly-tables.ts: MachineMetric, MachineFailureLogs, generated per hour.
 * - summary-tables.ts: LogOnSummaries, SessionActivitySummaries, DesktopOSDesktopSummaries,
 *   ServerOSDesktopSummaries, ApplicationActivitySummaries, FailureLogSummaries: per
 *   slot (hour and day) from the site's activity (site-activity.ts, memoised per hour and day).
 * - resource-tables.ts: ResourceUtilization (5-minute machine samples), ResourceUtilizationSummary,
 *   MachineCostSavingsSummaries.
 * - pool-tables.ts: Machines, Users, Applications, Catalogs, DesktopGroups, Hypervisors, MachineCosts: small
 *   fixed inventories changing at seeded times.
 * - modelled-tables.ts: every other set of Citrix's model, made from the model alone.
 *
 * Rows use an internal representation (timestamps as millisecond numbers); monitor-query.ts serialises them.
 */
import { machineFailureLogsSource, machineMetricSource } from './hourly-tables.ts';
import { modelledSource } from './modelled-tables.ts';
import { ENTITY_SETS } from './monitor-schema.ts';
import {
  applicationsSource,
  catalogsSource,
  desktopGroupsSource,
  hypervisorsSource,
  machineCostsSource,
  machinesSource,
  usersSource,
} from './pool-tables.ts';
import {
  createResourceUsage,
  machineCostSavingsSummariesSource,
  resourceUtilizationSource,
  resourceUtilizationSummarySource,
} from './resource-tables.ts';
import type { RowSource } from './row-source.ts';
import type { World } from './session-model.ts';
import {
  applicationInstancesSource,
  connectionFailureLogsSource,
  connectionsSource,
  logOnMetricsSource,
  sessionAutoReconnectsSource,
  sessionMetricsSource,
  sessionsSource,
} from './session-tables.ts';
import { createSiteActivity } from './site-activity.ts';
import {
  applicationActivitySummariesSource,
  desktopOSDesktopSummariesSource,
  failureLogSummariesSource,
  logOnSummariesSource,
  serverOSDesktopSummariesSource,
  sessionActivitySummariesSource,
} from './summary-tables.ts';

/** All Monitor row sources of a world, by entity set name: every set of the model. */
export function createMonitorSources(world: World): ReadonlyMap<string, RowSource> {
  const activity = createSiteActivity(world);
  const usage = createResourceUsage(world, activity);
  const sources = new Map<string, RowSource>([
    ['Sessions', sessionsSource(world)],
    ['Connections', connectionsSource(world)],
    ['ApplicationInstances', applicationInstancesSource(world)],
    ['SessionMetrics', sessionMetricsSource(world)],
    ['SessionAutoReconnects', sessionAutoReconnectsSource(world)],
    ['ConnectionFailureLogs', connectionFailureLogsSource(world)],
    ['MachineMetric', machineMetricSource(world)],
    ['MachineFailureLogs', machineFailureLogsSource(world)],
    ['LogOnMetrics', logOnMetricsSource(world)],
    ['LogOnSummaries', logOnSummariesSource(world, activity)],
    ['SessionActivitySummaries', sessionActivitySummariesSource(world, activity)],
    ['DesktopOSDesktopSummaries', desktopOSDesktopSummariesSource(world, activity)],
    ['ServerOSDesktopSummaries', serverOSDesktopSummariesSource(world, activity)],
    ['ApplicationActivitySummaries', applicationActivitySummariesSource(world, activity)],
    ['FailureLogSummaries', failureLogSummariesSource(world, activity)],
    ['ResourceUtilization', resourceUtilizationSource(world, usage, activity)],
    ['ResourceUtilizationSummary', resourceUtilizationSummarySource(world, usage)],
    ['MachineCostSavingsSummaries', machineCostSavingsSummariesSource(world, usage)],
    ['MachineCosts', machineCostsSource(world)],
    ['Machines', machinesSource(world)],
    ['Users', usersSource(world)],
    ['Applications', applicationsSource(world)],
    ['Catalogs', catalogsSource(world)],
    ['DesktopGroups', desktopGroupsSource(world)],
    ['Hypervisors', hypervisorsSource(world)],
  ]);
  for (const def of ENTITY_SETS)
    if (!sources.has(def.name)) sources.set(def.name, modelledSource(world, def.name));
  return sources;
}
