/**
 * Lazily generated Monitor data: one RowSource per entity set. For a cursor window [lo, hi) at time `now`, a
 * source yields the records whose CURRENT version (the latest with cursor ≤ now) falls in the window.
 *
 * - session-tables.ts: Sessions, Connections, ApplicationInstances, SessionMetrics, ConnectionFailureLogs,
 *   SessionAutoReconnects,
 *   generated from the session timelines of the creation hours that can reach the window.
 * - hourly-tables.ts: MachineMetric, MachineFailureLogs, LogOnSummaries, generated per hour.
 * - pool-tables.ts: Machines, Users, Applications, Catalogs, DesktopGroups, Hypervisors: small fixed
 *   inventories changing at seeded times.
 *
 * Rows use an internal representation (timestamps as millisecond numbers); monitor-query.ts serialises them.
 */
import { logOnSummariesSource, machineFailureLogsSource, machineMetricSource } from './hourly-tables.ts';
import {
  applicationsSource,
  catalogsSource,
  desktopGroupsSource,
  hypervisorsSource,
  machinesSource,
  usersSource,
} from './pool-tables.ts';
import type { RowSource } from './row-source.ts';
import type { World } from './session-model.ts';
import {
  applicationInstancesSource,
  connectionFailureLogsSource,
  connectionsSource,
  sessionAutoReconnectsSource,
  sessionMetricsSource,
  sessionsSource,
} from './session-tables.ts';

/** All Monitor row sources of a world, by entity set name. */
export function createMonitorSources(world: World): ReadonlyMap<string, RowSource> {
  return new Map<string, RowSource>([
    ['Sessions', sessionsSource(world)],
    ['Connections', connectionsSource(world)],
    ['ApplicationInstances', applicationInstancesSource(world)],
    ['SessionMetrics', sessionMetricsSource(world)],
    ['SessionAutoReconnects', sessionAutoReconnectsSource(world)],
    ['ConnectionFailureLogs', connectionFailureLogsSource(world)],
    ['MachineMetric', machineMetricSource(world)],
    ['MachineFailureLogs', machineFailureLogsSource(world)],
    ['LogOnSummaries', logOnSummariesSource(world)],
    ['Machines', machinesSource(world)],
    ['Users', usersSource(world)],
    ['Applications', applicationsSource(world)],
    ['Catalogs', catalogsSource(world)],
    ['DesktopGroups', desktopGroupsSource(world)],
    ['Hypervisors', hypervisorsSource(world)],
  ]);
}
