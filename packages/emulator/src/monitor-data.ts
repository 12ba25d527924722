/**
 * Lazily generated Monitor data: one RowSource per entity set. For a cursor window [lo, hi) at time `now`, a
 * source yields the records whose CURRENT version (the latest with cursor ≤ now) falls in the window.
 *
 * - session-tables.ts: Sessions, Connections, ApplicationInstances, SessionMetrics, ConnectionFailureLogs,
 *   SessionAutoReconnects,
 *   generated from the session timelines of the creation hours that can reach the window.
 * - session-tables.ts also: LogOnMetrics and SessionMetricsLatest (one row per session that logged on).
 * - hourly-tables.ts: MachineMetric, MachineFailureLogs, generated per hour.
 * - summary-tables.ts: LogOnSummaries, SessionActivitySummaries, DesktopOSDesktopSummaries,
 *   ServerOSDesktopSummaries, ApplicationActivitySummaries, FailureLogSummaries, ReconnectSummaries: per
 *   slot (hour and day) from the site's activity (site-activity.ts, memoised per hour and day).
 * - resource-tables.ts: ResourceUtilization (5-minute machine samples), ResourceUtilizationSummary,
 *   MachineCostSavingsSummaries.
 * - pool-tables.ts: Machines, Users, Applications, Catalogs, DesktopGroups, Hypervisors, MachineCosts: small
 *   fixed inventories changing at seeded times.
 *
 * Rows use an internal representation (timestamps as millisecond numbers); monitor-query.ts serialises them.
 */
import { machineFailureLogsSource, machineMetricSource } from './hourly-tables.ts';
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
  sessionMetricsLatestSource,
  sessionMetricsSource,
  sessionsSource,
} from './session-tables.ts';
import { createSiteActivity } from './site-activity.ts';
import {
  applicationActivitySummariesSource,
  desktopOSDesktopSummariesSource,
  failureLogSummariesSource,
  logOnSummariesSource,
  reconnectSummariesSource,
  serverOSDesktopSummariesSource,
  sessionActivitySummariesSource,
} from './summary-tables.ts';

/** All Monitor row sources of a world, by entity set name. */
export function createMonitorSources(world: World): ReadonlyMap<string, RowSource> {
  const activity = createSiteActivity(world);
  const usage = createResourceUsage(world, activity);
  return new Map<string, RowSource>([
    ['Sessions', sessionsSource(world)],
    ['Connections', connectionsSource(world)],
    ['ApplicationInstances', applicationInstancesSource(world)],
    ['SessionMetrics', sessionMetricsSource(world)],
    ['SessionAutoReconnects', sessionAutoReconnectsSource(world)],
    ['ConnectionFailureLogs', connectionFailureLogsSource(world)],
    ['MachineMetric', machineMetricSource(world)],
    ['MachineFailureLogs', machineFailureLogsSource(world)],
    ['LogOnMetrics', logOnMetricsSource(world)],
    ['SessionMetricsLatest', sessionMetricsLatestSource(world)],
    ['LogOnSummaries', logOnSummariesSource(world, activity)],
    ['SessionActivitySummaries', sessionActivitySummariesSource(world, activity)],
    ['DesktopOSDesktopSummaries', desktopOSDesktopSummariesSource(world, activity)],
    ['ServerOSDesktopSummaries', serverOSDesktopSummariesSource(world, activity)],
    ['ApplicationActivitySummaries', applicationActivitySummariesSource(world, activity)],
    ['FailureLogSummaries', failureLogSummariesSource(world, activity)],
    ['ReconnectSummaries', reconnectSummariesSource(world, activity)],
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
}
