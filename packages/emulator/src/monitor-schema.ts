/**
 * The Monitor OData model served by the emulator: entity sets, their properties (EDM types), keys, cursor
 * columns and navigation properties. Used to validate queries, to build $metadata and to serialise rows.
 */

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
  key: string;
  /** Column incremental readers filter on; the default order is (cursor, key). */
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
  key: string,
  cursor: string,
  specs: string,
  navigation: NavigationDef[] = [],
): EntitySetDef {
  const props = properties(specs);
  const byName = new Map(props.map((p) => [p.name, p]));
  return { name, typeName, key, cursor, properties: props, navigation, property: (n) => byName.get(n) };
}

const user: NavigationDef = { name: 'User', target: 'Users', foreignKey: 'UserId' };
const machine: NavigationDef = { name: 'Machine', target: 'Machines', foreignKey: 'MachineId' };
const application: NavigationDef = {
  name: 'Application',
  target: 'Applications',
  foreignKey: 'ApplicationId',
};

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
    'ModifiedDate',
    `Id:long! SummaryDate:date! DesktopGroupId:guid Granularity:int! TotalLogOnDuration:long TotalLogOnCount:int
     CreatedDate:date! ModifiedDate:date!`,
  ),
  entitySet(
    'ConnectionFailureLogs',
    'ConnectionFailureLog',
    'Id',
    'ModifiedDate',
    `Id:long! SessionKey:guid FailureDate:date UserId:int MachineId:guid ConnectionFailureEnumValue:int!
     CreatedDate:date! ModifiedDate:date!`,
    [user, machine],
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
    // The real set navigates to its Session; the emulator cannot look a session up by key: not declared.
  ),
  entitySet(
    'SessionMetrics',
    'SessionMetrics',
    'Id',
    'CollectedDate',
    'Id:long! SessionId:guid CollectedDate:date! IcaRttMS:int CreatedDate:date! ModifiedDate:date!',
  ),
  entitySet(
    'MachineMetric',
    'MachineMetric',
    'Id',
    'CollectedDate',
    'Id:long! MachineId:guid CollectedDate:date! Iops:dbl Latency:dbl CreatedDate:date! ModifiedDate:date!',
    [machine],
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
