/**
 * The Monitor OData model served by the emulator: entity sets, their properties (EDM types), keys, cursor
 * columns and navigation properties. Used to validate queries, to build $metadata and to serialise rows.
 * Types follow Citrix's OpenAPI for the cloud service (docs/research/monitor-entity-sets.md); properties it
 * leaves untyped (small integers) are Edm.Int32. Sets without an `Id` have a composite key (see entityKey).
 */
import type { Row } from './row-source.ts';

export type EdmType =
  | 'Edm.Guid'
  | 'Edm.String'
  | 'Edm.Int32'
  | 'Edm.Int64'
  | 'Edm.Double'
  | 'Edm.Boolean'
  | 'Edm.DateTimeOffset';

export interface PropertyDef {
  name: string;
  type: EdmType;
  nullable: boolean;
}

export interface NavigationDef {
  name: string;
  /** Target entity set. */
  target: string;
  /** Property of this entity holding the target's key. */
  foreignKey: string;
}

export interface EntitySetDef {
  name: string;
  /** Entity type name (in MONITOR_NAMESPACE). */
  typeName: string;
  /** The key property, or the first of a composite key's. */
  key: string;
  /** Every key property, in $metadata order: `[key]`, or several for a composite key. */
  keys: readonly string[];
  /** Column incremental readers filter on; the default order is (cursor, then the full key). */
  cursor: string;
  properties: readonly PropertyDef[];
  navigation: readonly NavigationDef[];
  property(name: string): PropertyDef | undefined;
}

export const MONITOR_NAMESPACE = 'Citrix.Monitor.Repository.V2.Model';

const TYPE_CODES: Record<string, EdmType> = {
  guid: 'Edm.Guid',
  str: 'Edm.String',
  int: 'Edm.Int32',
  long: 'Edm.Int64',
  dbl: 'Edm.Double',
  bool: 'Edm.Boolean',
  date: 'Edm.DateTimeOffset',
};

/** `'Name:type'` (nullable) or `'Name:type!'` (not null), type one of guid|str|int|long|dbl|bool|date. */
function properties(specs: string): PropertyDef[] {
  return specs
    .trim()
    .split(/\s+/)
    .map((spec) => {
      const [name, code] = spec.split(':');
      const nullable = !code?.endsWith('!');
      const type = TYPE_CODES[(code ?? '').replace('!', '')];
      if (!name || !type) throw new Error(`bad property spec ${spec}`);
      return { name, type, nullable };
    });
}

function entitySet(
  name: string,
  typeName: string,
  key: string | readonly string[],
  cursor: string,
  specs: string,
  navigation: NavigationDef[] = [],
): EntitySetDef {
  const props = properties(specs);
  const byName = new Map(props.map((p) => [p.name, p]));
  const keys = typeof key === 'string' ? [key] : [...key];
  for (const k of keys) {
    if (byName.get(k)?.nullable !== false) throw new Error(`${name}: key ${k} must be a not-null property`);
  }
  if (!byName.has(cursor)) throw new Error(`${name}: no cursor property ${cursor}`);
  return {
    name,
    typeName,
    key: keys[0] ?? '',
    keys,
    cursor,
    properties: props,
    navigation,
    property: (n) => byName.get(n),
  };
}

const user: NavigationDef = { name: 'User', target: 'Users', foreignKey: 'UserId' };
const machine: NavigationDef = { name: 'Machine', target: 'Machines', foreignKey: 'MachineId' };
const session: NavigationDef = { name: 'Session', target: 'Sessions', foreignKey: 'SessionKey' };
const catalog: NavigationDef = { name: 'Catalog', target: 'Catalogs', foreignKey: 'CatalogId' };
const hypervisor: NavigationDef = { name: 'Hypervisor', target: 'Hypervisors', foreignKey: 'HypervisorId' };
const application: NavigationDef = {
  name: 'Application',
  target: 'Applications',
  foreignKey: 'ApplicationId',
};
const desktopGroup: NavigationDef = {
  name: 'DesktopGroup',
  target: 'DesktopGroups',
  foreignKey: 'DesktopGroupId',
};
/** Columns of the per-slot desktop and application usage summaries. */
const USAGE_COLUMNS =
  'PeakConcurrentInstanceCount:int! TotalUsageDuration:dbl! TotalLaunchesCount:int! StartingInstanceCount:int!';

export const ENTITY_SETS: readonly EntitySetDef[] = [
  entitySet(
    'Sessions',
    'Session',
    'SessionKey',
    'ModifiedDate',
    `SessionKey:guid! StartDate:date LogOnDuration:long EndDate:date ExitCode:int FailureId:long FailureDate:date
     ConnectionState:int! SessionIdleTime:date ConnectionStateChangeDate:date LifecycleState:int!
     CurrentConnectionId:long UserId:int MachineId:guid SessionType:int IsAnonymous:bool PublishedDesktopId:int
     CreatedDate:date! ModifiedDate:date!`,
    [user, machine],
  ),
  entitySet(
    'Machines',
    'Machine',
    'Id',
    'ModifiedDate',
    `Id:guid! Sid:str Name:str DnsName:str LifecycleState:int! IPAddress:str HostedMachineId:str
     HostingServerName:str HostedMachineName:str IsAssigned:bool IsInMaintenanceMode:bool IsPendingUpdate:bool
     AgentVersion:str AssociatedUserFullNames:str AssociatedUserNames:str AssociatedUserUPNs:str
     CurrentRegistrationState:int RegistrationStateChangeDate:date LastDeregisteredCode:int LastDeregisteredDate:date
     CurrentPowerState:int CurrentSessionCount:int ControllerDnsName:str PoweredOnDate:date PowerStateChangeDate:date
     FunctionalLevel:int FailureDate:date WindowsConnectionSetting:int IsPreparing:bool FaultState:int OSType:str
     CurrentLoadIndexId:long CatalogId:guid DesktopGroupId:guid HypervisorId:guid Hash:str MachineRole:int
     CreatedDate:date! ModifiedDate:date!`,
    [catalog, desktopGroup, hypervisor],
  ),
  entitySet(
    'Users',
    'User',
    'Id',
    'ModifiedDate',
    'Id:int! Sid:str Upn:str UserName:str FullName:str Domain:str CreatedDate:date! ModifiedDate:date!',
  ),
  entitySet(
    'Connections',
    'Connection',
    'Id',
    'ModifiedDate',
    `Id:long! ClientName:str ClientAddress:str ClientVersion:str ClientPlatform:str ConnectedViaHostName:str
     ConnectedViaIPAddress:str LaunchedViaHostName:str LaunchedViaIPAddress:str IsReconnect:bool IsSecureIca:bool
     Protocol:str LogOnStartDate:date LogOnEndDate:date BrokeringDuration:int BrokeringDate:date DisconnectCode:int
     DisconnectDate:date VMStartStartDate:date VMStartEndDate:date ClientSessionValidateDate:date
     ServerSessionValidateDate:date EstablishmentDate:date HdxStartDate:date HdxEndDate:date
     AuthenticationDuration:int GpoStartDate:date GpoEndDate:date LogOnScriptsStartDate:date
     LogOnScriptsEndDate:date ProfileLoadStartDate:date ProfileLoadEndDate:date InteractiveStartDate:date
     InteractiveEndDate:date SessionKey:guid CreatedDate:date! ModifiedDate:date!`,
    [session],
  ),
  entitySet(
    'Catalogs',
    'Catalog',
    'Id',
    'ModifiedDate',
    `Id:guid! Name:str LifecycleState:int! ProvisioningType:int PersistentUserChanges:int IsMachinePhysical:bool
     AllocationType:int SessionSupport:int ProvisioningSchemeId:guid ZoneUid:guid ZoneName:str CreatedDate:date!
     ModifiedDate:date!`,
  ),
  entitySet(
    'DesktopGroups',
    'DesktopGroup',
    'Id',
    'ModifiedDate',
    `Id:guid! Name:str IsRemotePC:bool DesktopKind:int LifecycleState:int! SessionSupport:int DeliveryType:int
     IsInMaintenanceMode:bool MachineCost:dbl CurrencyType:int AutoscaleTagId:int CreatedDate:date! ModifiedDate:date!`,
  ),
  entitySet(
    'Hypervisors',
    'Hypervisor',
    'Id',
    'ModifiedDate',
    'Id:guid! Name:str Type:str LifecycleState:int! CreatedDate:date! ModifiedDate:date!',
  ),
  entitySet(
    'Applications',
    'Application',
    'Id',
    'ModifiedDate',
    `Id:int! Name:str PublishedName:str ApplicationType:int Enabled:bool AdminFolder:str LifecycleState:int!
     Path:str BrowserName:str Description:str CreatedDate:date! ModifiedDate:date!`,
  ),
  entitySet(
    'ApplicationInstances',
    'ApplicationInstance',
    'Id',
    'ModifiedDate',
    'Id:long! ApplicationId:int SessionKey:guid StartDate:date EndDate:date CreatedDate:date! ModifiedDate:date!',
    [application],
  ),
  entitySet(
    'LogOnSummaries',
    'LogOnSummary',
    'Id',
    'SummaryDate',
    `Id:long! SummaryDate:date! DesktopGroupId:guid Granularity:int! TotalDuration:long TotalCount:int
     BrokeringDuration:long BrokeringCount:int VMStartDuration:long VMStartCount:int VMPowerOnDuration:long
     VMRegistrationDuration:long HdxDuration:long HdxCount:int AuthenticationDuration:long AuthenticationCount:int
     GpoDuration:long GpoCount:int LogOnScriptsDuration:long LogOnScriptsCount:int ProfileLoadDuration:long
     ProfileLoadCount:int InteractiveDuration:long InteractiveCount:int CreatedDate:date! ModifiedDate:date!`,
    [desktopGroup],
  ),
  entitySet(
    'ConnectionFailureLogs',
    'ConnectionFailureLog',
    'Id',
    'ModifiedDate',
    `Id:long! SessionKey:guid FailureDate:date UserId:int MachineId:guid ConnectionFailureEnumValue:int!
     CreatedDate:date! ModifiedDate:date!`,
    [user, machine, session],
  ),
  entitySet(
    'MachineFailureLogs',
    'MachineFailureLog',
    'Id',
    'ModifiedDate',
    `Id:long! MachineId:guid FailureStartDate:date FailureEndDate:date FaultState:int LastDeregisteredCode:int
     CreatedDate:date! ModifiedDate:date!`,
    [machine],
  ),
  entitySet(
    'SessionAutoReconnects',
    'SessionAutoReconnect',
    'Id',
    'EventTimestamp',
    `Id:long! SessionKey:guid! ConnectionId:long! AutoReconnectCount:int! AutoReconnectType:int!
     EventTimestamp:date! CreatedDate:date!`,
    [session],
  ),
  entitySet(
    'SessionMetrics',
    'SessionMetrics',
    'Id',
    'CollectedDate',
    'Id:long! SessionId:guid CollectedDate:date! IcaRttMS:int CreatedDate:date! ModifiedDate:date!',
    [{ name: 'Session', target: 'Sessions', foreignKey: 'SessionId' }],
  ),
  entitySet(
    'MachineMetric',
    'MachineMetric',
    'Id',
    'CollectedDate',
    'Id:long! MachineId:guid CollectedDate:date! Iops:dbl Latency:dbl CreatedDate:date! ModifiedDate:date!',
    [machine],
  ),
  // ApplicationId is an Edm.Guid on Citrix; the emulator's Applications have integer ids (see Applications),
  // so it is Edm.Int32 here and the Application navigation resolves.
  entitySet(
    'ApplicationActivitySummaries',
    'ApplicationInstanceSummary',
    'Id',
    'SummaryDate',
    `Id:long! SummaryDate:date! ApplicationId:int DesktopGroupId:guid ${USAGE_COLUMNS} Granularity:int!
     CreatedDate:date! ModifiedDate:date!`,
    [application, desktopGroup],
  ),
  entitySet(
    'DesktopOSDesktopSummaries',
    'DesktopOSDesktopSummary',
    'Id',
    'SummaryDate',
    `Id:long! SummaryDate:date! DesktopGroupId:guid ${USAGE_COLUMNS} Granularity:int! CreatedDate:date!
     ModifiedDate:date!`,
    [desktopGroup],
  ),
  entitySet(
    'ServerOSDesktopSummaries',
    'ServerOSDesktopSummary',
    'Id',
    'SummaryDate',
    `Id:long! SummaryDate:date! MachineId:guid DesktopGroupId:guid ${USAGE_COLUMNS} Granularity:int!
     CreatedDate:date! ModifiedDate:date!`,
    [machine, desktopGroup],
  ),
  entitySet(
    'SessionActivitySummaries',
    'SessionActivitySummary',
    'Id',
    'SummaryDate',
    `Id:long! SummaryDate:date! DesktopGroupId:guid ConnectedSessionCount:int! DisconnectedSessionCount:int!
     ConcurrentSessionCount:int! TotalLogOnDuration:dbl! TotalLogOnCount:int! Granularity:int! CreatedDate:date!
     ModifiedDate:date!`,
    [desktopGroup],
  ),
  entitySet(
    'FailureLogSummaries',
    'FailureLogSummary',
    'Id',
    'SummaryDate',
    `Id:long! SummaryDate:date! DesktopGroupId:guid FailureCategory:int! FailureCode:int! FailureCount:int!
     Granularity:int! CreatedDate:date! ModifiedDate:date!`,
    [desktopGroup],
  ),
  // INFERRED, low confidence: Citrix publishes no schema for ReconnectSummaries (not in its OpenAPI). The
  // shape is made up by analogy with the other per-delivery-group summaries (research doc §2.7).
  entitySet(
    'ReconnectSummaries',
    'ReconnectSummary',
    'Id',
    'SummaryDate',
    `Id:long! SummaryDate:date! DesktopGroupId:guid Granularity:int! ReconnectCount:int! AutoReconnectCount:int!
     CreatedDate:date! ModifiedDate:date!`,
    [desktopGroup],
  ),
  entitySet(
    'LogOnMetrics',
    'LogOnMetric',
    'Id',
    'UserInitStartDate',
    'Id:long! SessionKey:guid! UserInitStartDate:date UserInitEndDate:date',
    [session],
  ),
  entitySet(
    'SessionMetricsLatest',
    'SessionMetricsLatest',
    'SessionKey',
    'ModifiedDate',
    `SessionKey:guid! ClientL7Latency:int ServerL7Latency:int CloudConnectorName:str GatewayPopName:str EdtMtu:str
     HdxConnectionType:int HdxProtocolName:str CreatedDate:date! ModifiedDate:date!`,
    [session],
  ),
  entitySet(
    'MachineCosts',
    'MachineCost',
    'MachineId',
    'ModifiedDate',
    `MachineId:guid! SpecId:int CostPerHour:dbl Currency:str CostSource:int PowerOnComputeCostPerHour:dbl
     PowerOnStorageCostPerHour:dbl PowerOffStorageCostPerHour:dbl CreatedDate:date! ModifiedDate:date!`,
    [machine],
  ),
  entitySet(
    'ResourceUtilization',
    'ResourceUtilization',
    ['MachineId', 'CollectedDate'],
    'CollectedDate',
    `MachineId:guid! CollectedDate:date! PercentCpu:dbl UsedMemory:dbl TotalMemory:dbl SessionCount:int
     CreatedDate:date! ModifiedDate:date! DesktopGroupId:guid AvgIcaRttInMs:int`,
    [machine, desktopGroup],
  ),
  entitySet(
    'ResourceUtilizationSummary',
    'ResourceUtilizationSummary',
    ['MachineId', 'Granularity', 'SummaryDate'],
    'SummaryDate',
    `MachineId:guid! Granularity:int! SummaryDate:date! DesktopGroupId:guid AvgPercentCpu:dbl PeakPercentCpu:dbl
     AvgUsedMemory:dbl PeakUsedMemory:dbl AvgTotalMemory:dbl TotalSessionCount:int AvgIcaRttInMs:int
     AvgLogOnDurationInMs:int UptimeInMinutes:int UpTimeWithoutSessionInMinutes:int DisconnectTimeInMinutes:int
     IdleTimeInMinutes:int CreatedDate:date! ModifiedDate:date!`,
    [machine, desktopGroup],
  ),
  // Granularity is the CostSavingsSummaryGranularity enum here (0 Hour, 1 Day), not minutes.
  entitySet(
    'MachineCostSavingsSummaries',
    'MachineCostSavingsSummary',
    ['DesktopGroupId', 'HypervisorType', 'TagId', 'SummaryDate', 'Granularity'],
    'SummaryDate',
    `DesktopGroupId:guid! SummaryDate:date! Granularity:int! HypervisorType:int! TagId:int! TotalMachinesCount:int!
     PowerManagedMachinesOff:int! PowerManagedMachinesInHibernate:int! PowerManagedMachinesOnWithSessions:int!
     PowerManagedMachinesOnWithoutSessions:int! PowerManagedMachineMinutesTurnedOff:int! TotalScaleInActions:int!
     TotalHibernateActions:int! TotalScaleOutActions:int! TotalPeakConcurrentSessions:int!
     AverageLogonDurationInSec:int! AveragePowerManagedMachinesCount:int! AverageMachineCostPerHour:dbl!
     CostType:int! CurrencyType:int! TotalAmountSaved:dbl! TotalCostIfNoPowerManagement:dbl!
     TotalAutoscaleComputeSavings:dbl! TotalAutoscaleStorageSavings:dbl! TotalEndUserComputeSavings:dbl!
     TotalEndUserStorageSavings:dbl! AverageComputeCostPerHour:dbl! AverageStorageCostPerHour:dbl!
     TotalComputeCost:dbl! TotalStorageCost:dbl! PowerManagedMachinesFailedWithoutSessions:int
     PowerManagedMachinesUnregisteredWithSessions:int`,
    [desktopGroup],
  ),
];

const BY_NAME = new Map(ENTITY_SETS.map((d) => [d.name, d]));

export function findEntitySet(name: string): EntitySetDef | undefined {
  return BY_NAME.get(name);
}

export function entitySetOrThrow(name: string): EntitySetDef {
  const def = BY_NAME.get(name);
  if (!def) throw new Error(`Unknown Monitor entity set '${name}'. Known: ${[...BY_NAME.keys()].join(', ')}`);
  return def;
}

/** Width of the zero-padded integers in a composite key (Int32 values are non-negative here). */
const KEY_INTEGER_DIGITS = 10;

function keyPart(type: EdmType | undefined, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (type === 'Edm.DateTimeOffset') {
    const ms = typeof value === 'number' ? value : Date.parse(String(value));
    return new Date(ms).toISOString();
  }
  if (typeof value === 'number') return String(value).padStart(KEY_INTEGER_DIGITS, '0');
  return String(value);
}

/**
 * The identity of a row: the value of its key property, or, for a composite key, one string joining the key
 * properties in $metadata order with `|`: GUIDs as they are, DateTimeOffset as a fixed-width ISO 8601
 * instant (`2024-08-06T07:05:00.000Z`), integers zero-padded to 10 digits. Every part has a fixed width, so
 * comparing two such strings orders rows like their key tuples. Accepts internal rows (timestamps as
 * numbers) and wire rows (timestamp strings) alike; row sources return the same value from `key()`.
 */
export function entityKey(def: EntitySetDef, row: Row): string | number {
  if (def.keys.length === 1) {
    const value = row[def.key];
    if (typeof value !== 'string' && typeof value !== 'number')
      throw new Error(`${def.name}: row without a ${def.key}`);
    return value;
  }
  return def.keys.map((k) => keyPart(def.property(k)?.type, row[k])).join('|');
}
