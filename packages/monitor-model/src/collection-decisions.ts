/**
 * What ctxsiem decides about each Monitor entity set where Citrix's OpenAPI document ([OA], see
 * `openapi-facts.generated.ts`) is silent: how the set is collected (windowed on which column, or read
 * whole as a snapshot), the key of a set without an `Id`, and the type of a property the document leaves
 * unrendered. Every decision says why; where it rests on our reasoning and not on a publication, it says
 * INFERRED. `docs/research/monitor-entity-sets.md` keeps the evidence; the model test fails when a
 * decision names a property [OA] does not have, or when [OA] has a set with no decision here.
 */

/**
 * How the rows a window holds behave:
 * - `modified`: windowed on a modification time — a row moves to a later window each time it changes,
 *   so a closed window is re-read (a count cannot tell a late row from one that left).
 * - `event`: an event time — a row is written once (insert-only) and stays in its window; a closed
 *   window is checked with `$count`.
 * - `sample`: a measurement time (`CollectedDate`): like events, uploaded in batches, so later.
 * - `summary`: a slot's start (`SummaryDate`): one row per slot, published once the slot is over.
 */
export type CursorKind = 'modified' | 'event' | 'sample' | 'summary';

export interface WindowedCollection {
  mode: 'window';
  cursor: string;
  kind: CursorKind;
  /**
   * Why the window filter is on a column [OA] does not list as indexed, when it is not (the emulator
   * then charges the query as a scan; Citrix's 30 s timeout makes the runner split the window).
   */
  notIndexed?: string;
  /**
   * A summary set without a `Granularity` column summarises one slot length (minutes): its name says
   * which (`ProcessUtilizationHourSummary`), or Citrix's schema page does (MachineMetricSummary: days).
   */
  slotMinutes?: number;
}

export interface SnapshotCollection {
  mode: 'snapshot';
  /** Why the set cannot be windowed: no time column, or none that moves when a row changes. */
  why: string;
}

export type CollectionDecision = WindowedCollection | SnapshotCollection;

const modified = (cursor = 'ModifiedDate', notIndexed?: string): WindowedCollection => ({
  mode: 'window',
  cursor,
  kind: 'modified',
  ...(notIndexed ? { notIndexed } : {}),
});
const event = (cursor: string, notIndexed?: string): WindowedCollection => ({
  mode: 'window',
  cursor,
  kind: 'event',
  ...(notIndexed ? { notIndexed } : {}),
});
const sample = (cursor = 'CollectedDate'): WindowedCollection => ({ mode: 'window', cursor, kind: 'sample' });
const summary = (slotMinutes?: number, notIndexed?: string): WindowedCollection => ({
  mode: 'window',
  cursor: 'SummaryDate',
  kind: 'summary',
  ...(slotMinutes ? { slotMinutes } : {}),
  ...(notIndexed ? { notIndexed } : {}),
});
const snapshot = (why: string): SnapshotCollection => ({ mode: 'snapshot', why });

/** A small table [OA] indexes on nothing (or on lookup columns only): a scan of it is cheap. */
const SMALL_TABLE =
  'a small configuration table (rows per object an administrator defines); [OA] indexes no time column, and its own $filter example uses ModifiedDate';
/** Rows that change after they are written, where only the modification time follows the change. */
const CHANGING_ROWS = (indexed: string) =>
  `rows change after they are written and only ModifiedDate moves with a change; [OA] indexes ${indexed}, and a window on any of them would deliver a row once and never its later versions`;

export const COLLECTION: Readonly<Record<string, CollectionDecision>> = {
  ApplicationActivitySummaries: summary(),
  ApplicationErrors: event('ErrorReportedDate'),
  ApplicationFaults: event('FaultReportedDate'),
  ApplicationInstances: modified(),
  Applications: modified(
    'ModifiedDate',
    'one row per published application (a small table); [OA] indexes Path and BrowserName only',
  ),
  AutoScalePredictions: event('PredictionDate'),
  Catalogs: modified('ModifiedDate', SMALL_TABLE),
  ConnectionFailureCategories: modified('ModifiedDate', SMALL_TABLE),
  ConnectionFailureLogs: modified(
    'ModifiedDate',
    'the broker completes a failure row after writing it (INFERRED: a second version; working collectors such as smitpi/CTXCloudApi window it on ModifiedDate); [OA] indexes FailureDate, on which the later version would be missed',
  ),
  Connections: modified(
    'ModifiedDate',
    CHANGING_ROWS('EstablishmentDate, DisconnectDate, LogOnStartDate, InteractiveEndDate and CreatedDate'),
  ),
  DesktopGroups: modified('ModifiedDate', SMALL_TABLE),
  DesktopOSDesktopSummaries: summary(),
  FailureLogSummaries: summary(),
  Hotfixes: modified('ModifiedDate', SMALL_TABLE),
  Hypervisors: modified('ModifiedDate', SMALL_TABLE),
  LhcReport: snapshot(
    'a local-host-cache episode row gains its EndDate and counts as the episode goes on, and the set has no modification time; episodes are rare, so the whole set is small (INFERRED)',
  ),
  LoadIndexSummaries: summary(),
  LoadIndexes: event('CreatedDate'),
  LogOnMetrics: event(
    'UserInitStartDate',
    'the only time column; [OA] indexes SessionKey only (its $filter example looks a session up)',
  ),
  LogOnSummaries: summary(),
  MachineCostSavingsSummaries: summary(
    undefined,
    '[OA] indexes DesktopGroupId only, yet its own $filter example is on SummaryDate',
  ),
  MachineCosts: modified('ModifiedDate', 'one row per machine; [OA] indexes SpecId only'),
  MachineFailureLogs: modified(
    'ModifiedDate',
    CHANGING_ROWS('FailureStartDate, FailureEndDate and CreatedDate (a failure row gains its end)'),
  ),
  MachineHotfixLogs: modified('ModifiedDate', CHANGING_ROWS('MachineId, CurrentState and HotfixId')),
  MachineMetric: sample(),
  MachineMetricSummary: summary(
    1440,
    '[OA] lists no indexed fields for the set; its $filter example is on SummaryDate',
  ),
  MachineSummaries: summary(),
  Machines: modified(),
  NotificationActionEmails: modified('ModifiedDate', SMALL_TABLE),
  NotificationEmailAddresses: modified('ModifiedDate', SMALL_TABLE),
  NotificationEmailServerConfigurations: modified('ModifiedDate', SMALL_TABLE),
  NotificationRuleActions: modified('ModifiedDate', SMALL_TABLE),
  NotificationRuleGroups: modified('ModifiedDate', SMALL_TABLE),
  NotificationRuleParameterChangeLogs: modified('ModifiedDate', SMALL_TABLE),
  NotificationRuleParameters: modified('ModifiedDate', SMALL_TABLE),
  NotificationRuleTargetValues: modified('ModifiedDate', SMALL_TABLE),
  NotificationRuleTargets: modified('ModifiedDate', SMALL_TABLE),
  NotificationRules: modified('ModifiedDate', SMALL_TABLE),
  NotificationSnmpConfigurations: modified('ModifiedDate', SMALL_TABLE),
  NotificationTargets: modified('ModifiedDate', SMALL_TABLE),
  Notifications: modified(
    'ModifiedDate',
    'alerts change state as their condition holds or clears; [OA] indexes nothing on the set',
  ),
  NotificationsLogs: modified('ModifiedDate', '[OA] indexes nothing on the set'),
  ProbeDesktop: modified(
    'LastModifiedDate',
    'a probed desktop per delivery group (small); [OA] indexes DesktopGroupId only',
  ),
  ProbeEndpoints: modified('ModifiedDate', SMALL_TABLE),
  ProbeLogDesktop: event('ProbeStartTime'),
  ProbeLogs: event('ProbeStartTime'),
  ProbeResultDesktop: event(
    'CreatedDate',
    'the only time column: one row per stage of a probe run, written once; [OA] indexes ProbeLogId, StageId and StageResult',
  ),
  ProbeResults: event(
    'CreatedDate',
    'the only time column: one row per stage of a probe run, written once; [OA] indexes ProbeLogId, StageId and ProbeResult',
  ),
  ProbeRuleApplications: snapshot('a link table (RuleId, ApplicationId) without any time column'),
  ProbeRuleDesktop: snapshot('a link table (RuleId, DesktopId) without any time column'),
  ProbeRuleEndpoints: snapshot('a link table (RuleId, EndPointId) without any time column'),
  ProbeRules: modified('ModifiedDate', SMALL_TABLE),
  ProbeStages: snapshot('the probe stages by name (Id, Name) without any time column'),
  ProcessDataLimitedMachines: modified('LastModifiedDate'),
  ProcessUtilization: sample(),
  ProcessUtilizationDaySummary: summary(1440),
  ProcessUtilizationHourSummary: summary(60),
  ProcessUtilizationMinuteSummary: summary(1),
  Processes: event(
    'ProcessCreationDate',
    'the only time column (a process is written once, when first seen); [OA] indexes nothing on the set',
  ),
  PublishedDesktopNames: snapshot('the published desktop names (Id, PublishedName) without any time column'),
  ResourceUtilization: sample(),
  ResourceUtilizationSummary: summary(),
  ServerOSDesktopSummaries: summary(),
  SessionActivitySummaries: summary(),
  SessionAutoReconnects: event('EventTimestamp'),
  SessionLogonMetrics: modified('ModifiedDate', '[OA] indexes nothing on the set'),
  SessionMetrics: sample(),
  SessionRecordingServers: event(
    'CreatedDate',
    'the only time column: one row per recorded session, written once; [OA] indexes nothing on the set',
  ),
  Sessions: modified(
    'ModifiedDate',
    CHANGING_ROWS('StartDate, EndDate, ConnectionState and LifecycleState among others'),
  ),
  SpaApplications: event('LaunchTime'),
  SpaEnumerations: modified('LastActiveTime'),
  SpaSessions: modified('LastActiveTime'),
  TaskLogs: event('RunDate'),
  Users: modified('ModifiedDate', 'one row per user (a small table beside sessions); [OA] indexes Sid only'),
};

/**
 * What identifies a version of a row in a window's manifest (the record digest the runner keeps per
 * delivered record):
 * - `cursor`: the key and the cursor value. The cursor moves with every change of the row (a
 *   modification time), or the row never changes (an event, a sample): a new cursor value is a new
 *   version, and a row read again with the same cursor is the same version whatever else it carries.
 * - `content`: the key and a digest of the row's content. The row changes in place, its cursor staying
 *   where it was (a summary's slot start; a snapshot set has no cursor at all): a row read again with
 *   other content is a new version, delivered once; one read again unchanged is not delivered again.
 */
export interface IdentityDecision {
  by: 'cursor' | 'content';
  why: string;
}

/** The identity of a set's rows, by how the set is collected (`COLLECTION`). */
export const IDENTITY_BY_KIND: Readonly<Record<CursorKind | 'snapshot', IdentityDecision>> = {
  modified: {
    by: 'cursor',
    why: 'the cursor is a modification time that moves with every change of the row (the decision for the kind above), so key + cursor names one version',
  },
  event: {
    by: 'cursor',
    why: 'an event row is written once and never changes (INFERRED, the decision for the kind above), so key + cursor names it',
  },
  sample: {
    by: 'cursor',
    why: 'a measurement is written once and never changes (INFERRED, the decision for the kind above), so key + cursor names it',
  },
  summary: {
    by: 'content',
    why: 'the cursor is the slot\'s start (SummaryDate), which stays where it is when the slot\'s row is computed again; Citrix aggregates a slot once it is complete (docs.citrix.com, Monitor "Data granularity and retention": "aggregated into the summary table for complete intervals") but does not say a published row is never revised — INFERRED that it may be (a late-uploaded session or logon counted into its slot), so key + content digest: a recomputed row is a new version',
  },
  snapshot: {
    by: 'content',
    why: 'the set has no cursor that follows its rows (the snapshot decision): a row changed in place is a new version only by its content',
  },
};

/** The identity decision of a set collected as `collection`. */
export function identityOf(collection: CollectionDecision): IdentityDecision {
  return IDENTITY_BY_KIND[collection.mode === 'snapshot' ? 'snapshot' : collection.kind];
}

/** The per-slot summaries of one process's utilization. */
const PROCESS_SUMMARY = {
  keys: ['ProcessKey', 'SummaryDate'],
  why: 'one summary per process per slot',
} as const;

/**
 * Keys of the sets whose entity type has no `Id` (INFERRED: [OA] gives no keys; the OData v4 model a
 * service publishes does, but the cloud `$metadata` is not public). Each is the smallest set of
 * properties that identifies a row by what the row means; the required list of [OA] backs most of them.
 */
export const INFERRED_KEYS: Readonly<Record<string, { keys: readonly string[]; why: string }>> = {
  AutoScalePredictions: {
    keys: ['DesktopGroupId', 'PredictionDate'],
    why: 'one prediction per delivery group and hour; both are required in [OA]',
  },
  MachineCostSavingsSummaries: {
    keys: ['DesktopGroupId', 'HypervisorType', 'TagId', 'SummaryDate', 'Granularity'],
    why: 'one row per delivery group, hypervisor type and autoscale tag per slot (how-to-get-cost-optimization groups by them)',
  },
  MachineCosts: { keys: ['MachineId'], why: "one row per machine (the Machine's MachineCost navigation)" },
  MachineMetric: {
    keys: ['MachineId', 'CollectedDate'],
    why: 'one IOPS/latency sample per machine and collection time',
  },
  MachineMetricSummary: { keys: ['MachineId', 'SummaryDate'], why: 'one day summary per machine' },
  ProbeRuleApplications: { keys: ['RuleId', 'ApplicationId'], why: 'a link table' },
  ProbeRuleDesktop: { keys: ['RuleId', 'DesktopId'], why: 'a link table; both required in [OA]' },
  ProbeRuleEndpoints: { keys: ['RuleId', 'EndPointId'], why: 'a link table; both required in [OA]' },
  ProcessUtilization: {
    keys: ['ProcessKey', 'CollectedDate'],
    why: 'ProcessKey identifies a process on its machine (the key of Processes); both required in [OA]',
  },
  ProcessUtilizationDaySummary: PROCESS_SUMMARY,
  ProcessUtilizationHourSummary: PROCESS_SUMMARY,
  ProcessUtilizationMinuteSummary: PROCESS_SUMMARY,
  Processes: { keys: ['ProcessKey'], why: 'the process key the utilization sets refer to' },
  ResourceUtilization: {
    keys: ['MachineId', 'CollectedDate'],
    why: 'one sample per machine and collection time; both required in [OA]',
  },
  ResourceUtilizationSummary: {
    keys: ['MachineId', 'Granularity', 'SummaryDate'],
    why: 'one summary per machine per slot; all three required in [OA]',
  },
  SessionLogonMetrics: {
    keys: ['SessionKey'],
    why: 'one row per session; the only required property in [OA]',
  },
  SessionRecordingServers: {
    keys: ['SessionKey'],
    why: "one recording server per session (the Session's SessionRecordingServer navigation is single)",
  },
  Sessions: { keys: ['SessionKey'], why: 'the session key every other set refers to' },
};

/**
 * EDM types of the properties [OA] leaves unrendered (empty `type` and `format`), INFERRED: Citrix's
 * Postman examples cast the counters to Int32/Int64 before aggregating them, so they are narrower
 * integers (Edm.Int16); the others name Citrix enums (power action, currency type, cost source,
 * interface and workspace type, connection state), served as their integer codes, but for a machine
 * cost's Currency, a code such as `USD`; Tags is a list of strings
 * (docs/research/monitor-entity-sets.md §1.2). A value of another type is delivered and counted as
 * drift, never dead-lettered.
 */
export const INFERRED_TYPES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Connections: { ClientNetworkInterfaceType: 'Edm.Int32', WorkspaceType: 'Edm.Int32' },
  DesktopGroups: { CurrencyType: 'Edm.Int32' },
  MachineCosts: { Currency: 'Edm.String', CostSource: 'Edm.Int32' },
  Machines: {
    LastPowerActionType: 'Edm.Int32',
    LastPowerActionReason: 'Edm.Int32',
    LastPowerActionFailureReason: 'Edm.Int32',
    Tags: 'Collection(Edm.String)',
  },
  ResourceUtilization: { SessionCount: 'Edm.Int16', AvgIcaRttInMs: 'Edm.Int16' },
  ResourceUtilizationSummary: {
    Granularity: 'Edm.Int16',
    TotalSessionCount: 'Edm.Int16',
    AvgIcaRttInMs: 'Edm.Int16',
    UptimeInMinutes: 'Edm.Int16',
    UpTimeWithoutSessionInMinutes: 'Edm.Int16',
    DisconnectTimeInMinutes: 'Edm.Int16',
    IdleTimeInMinutes: 'Edm.Int16',
  },
  SessionMetrics: { ConnectionState: 'Edm.Int32' },
};
