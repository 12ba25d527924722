/**
 * The two ASIM schemas ctxsiem's parsers produce — Authentication and Audit Event — as Microsoft's own
 * ASIM schema tester declares them: each field's type, class (Mandatory, Recommended, Optional,
 * Conditional, Alias), the values an enumerated field may take, and what a conditional field or an alias
 * depends on.
 *
 * Source: Azure/Azure-Sentinel, `ASIM/dev/ASimTester.csv`, commit 3b47fdfd147cda86acf82f70c55f6d9b76145466
 * (columns ColumnName, ColumnType, Class, Schema, LogicalType, ListOfValues, Aliased), the table the ASIM
 * schema tester (`ASIM/dev/ASimTester/`) checks every parser against; the schema references at
 * https://learn.microsoft.com/azure/sentinel/normalization-schema-authentication and
 * https://learn.microsoft.com/azure/sentinel/normalization-schema-audit say the same in prose.
 * `EventProduct` and `EventVendor` are enumerated there too, as the products of the parsers Microsoft
 * ships (Citrix is among `EventVendor` for WebSession only); a parser Microsoft has not merged names its
 * own, so those two are checked as strings, not against the lists.
 */

export type AsimType = 'string' | 'int' | 'long' | 'real' | 'datetime' | 'bool' | 'dynamic';
export type AsimClass = 'Mandatory' | 'Recommended' | 'Optional' | 'Conditional' | 'Alias';

export interface AsimField {
  name: string;
  type: AsimType;
  class: AsimClass;
  /** The values an enumerated field may take. */
  values?: readonly string[];
  /** A conditional field's or an alias's field. */
  of?: string;
}

export interface AsimSchema {
  name: 'Authentication' | 'AuditEvent';
  /** `EventSchemaVersion` of the schema reference this table matches (learn.microsoft.com, 2026). */
  version: string;
  fields: readonly AsimField[];
}

const USER_ID_TYPES = 'SID|UID|AADID|OktaId|AWSId|PUID|SalesforceId|VectraUserId|MD4IoTid|Other';
const USERNAME_TYPES = 'UPN|Windows|DN|Simple';
const USER_TYPES = 'Regular|Guest|Machine|Admin|System|Application|Service|Other';
const APP_TYPES = 'Process|Service|Resource|URL|SaaS application|Other';
const DEVICE_TYPES = 'Computer|Mobile Device|IOT Device|Other';
const DVC_ID_TYPES = 'AzureResourceId|MDEid|MD4IoTid|VMConnectionId|AwsVpcId|VectraId|AppGateId|Other';

/** `name:type:class[:values][>of]`, one field per line, as the tester's CSV rows read. */
function fields(table: string): AsimField[] {
  return table
    .trim()
    .split('\n')
    .map((line) => {
      const [spec, of] = line.trim().split('>') as [string, string | undefined];
      const [name, type, fieldClass, values] = spec.split(':') as [string, AsimType, AsimClass, string?];
      return {
        name,
        type,
        class: fieldClass,
        ...(values ? { values: values.split('|') } : {}),
        ...(of ? { of } : {}),
      };
    });
}

/** Fields every schema shares (the tester's rows of `Common` and the schema's own repeat them). */
const COMMON = `
TimeGenerated:datetime:Mandatory
Type:string:Mandatory
EventCount:int:Mandatory
EventStartTime:datetime:Mandatory
EventEndTime:datetime:Mandatory
EventResult:string:Mandatory:Success|Failure|Partial|NA
EventProduct:string:Mandatory
EventVendor:string:Mandatory
EventSchemaVersion:string:Mandatory
EventSeverity:string:Recommended:Informational|Low|Medium|High
EventUid:string:Recommended
EventMessage:string:Optional
EventOriginalUid:string:Optional
EventOriginalType:string:Optional
EventOriginalSubType:string:Optional
EventOriginalResultDetails:string:Optional
EventOriginalSeverity:string:Optional
EventOwner:string:Optional
EventProductVersion:string:Optional
EventReportUrl:string:Optional
Dvc:string:Mandatory
DvcAction:string:Recommended
DvcHostname:string:Recommended
DvcIpAddr:string:Recommended
DvcDomain:string:Recommended
DvcFQDN:string:Optional
DvcId:string:Optional
DvcDescription:string:Optional
DvcOriginalAction:string:Optional
DvcOs:string:Optional
DvcOsVersion:string:Optional
DvcInterface:string:Optional
DvcMacAddr:string:Optional
DvcScope:string:Optional
DvcScopeId:string:Optional
DvcZone:string:Optional
AdditionalFields:dynamic:Optional
Src:string:Recommended
Dst:string:Recommended
SrcIpAddr:string:Recommended
IpAddr:string:Alias>SrcIpAddr
SrcHostname:string:Optional
SrcDomain:string:Optional
SrcDomainType:string:Conditional:Windows|FQDN|ResourceGroup>SrcDomain
SrcFQDN:string:Optional
SrcDvcId:string:Optional
SrcDeviceType:string:Optional:${DEVICE_TYPES}
SrcDescription:string:Optional
SrcGeoCountry:string:Optional
SrcGeoRegion:string:Optional
SrcGeoCity:string:Optional
SrcGeoLatitude:real:Optional
SrcGeoLongitude:real:Optional
SrcPortNumber:int:Optional
SrcRiskLevel:int:Optional
SrcOriginalRiskLevel:string:Optional
ActingAppId:string:Optional
ActingAppName:string:Optional
ActingAppType:string:Optional:Process|Service|Resource|URL|SaaS application|CSP|Other
ActorSessionId:string:Optional
ActorUserId:string:Optional
ActorUserIdType:string:Conditional:${USER_ID_TYPES}>ActorUserId
ActorUsernameType:string:Conditional:${USERNAME_TYPES}>ActorUsername
ActorUserType:string:Optional:${USER_TYPES}
ActorOriginalUserType:string:Optional
TargetAppId:string:Optional
TargetAppName:string:Optional
TargetAppType:string:Conditional:${APP_TYPES}>TargetAppName
Application:string:Alias>TargetAppName
TargetDescription:string:Optional
TargetDeviceType:string:Optional:${DEVICE_TYPES}
TargetDomain:string:Optional
TargetDvcId:string:Optional
TargetDvcOs:string:Optional
TargetFQDN:string:Optional
TargetGeoCountry:string:Optional
TargetGeoRegion:string:Optional
TargetGeoCity:string:Optional
TargetGeoLatitude:real:Optional
TargetGeoLongitude:real:Optional
TargetPortNumber:int:Optional
TargetRiskLevel:int:Optional
TargetUrl:string:Optional
HttpUserAgent:string:Optional
Rule:string:Optional
RuleName:string:Optional
RuleNumber:int:Optional
ThreatId:string:Optional
ThreatName:string:Optional
ThreatCategory:string:Optional
ThreatRiskLevel:int:Optional
`;

export const ASIM_AUTHENTICATION: AsimSchema = {
  name: 'Authentication',
  version: '0.1.4',
  fields: fields(`${COMMON}
EventSchema:string:Mandatory:Authentication
EventType:string:Mandatory:Logon|Logoff|Elevate
EventSubType:string:Optional:System|Interactive|RemoteInteractive|Service|RemoteService|Remote|AssumeRole
EventResultDetails:string:Recommended:No such user or password|Incorrect password|Account expired|Password expired|User locked|User disabled|Logon violates policy|Session expired|No such user|Incorrect key|MFA not satisfied|Other
ActorUsername:string:Optional
LogonMethod:string:Optional
LogonProtocol:string:Optional
LogonTarget:string:Optional
SrcDvcOs:string:Optional
SrcIsp:string:Optional
TargetHostname:string:Recommended
TargetDomainType:string:Conditional:Windows|FQDN|ResourceGroup>TargetDomain
TargetIpAddr:string:Optional
TargetDvcIdType:string:Conditional:${DVC_ID_TYPES}>TargetDvcId
TargetSessionId:string:Optional
TargetUserId:string:Optional
TargetUserIdType:string:Conditional:${USER_ID_TYPES}|GWorkspaceProfileID>TargetUserId
TargetUsername:string:Optional
TargetUsernameType:string:Conditional:${USERNAME_TYPES}>TargetUsername
TargetUserType:string:Optional:${USER_TYPES}
TargetOriginalUserType:string:Optional
TargetUserScope:string:Optional
User:string:Optional
`),
};

export const ASIM_AUDIT_EVENT: AsimSchema = {
  name: 'AuditEvent',
  version: '0.1.2',
  fields: fields(`${COMMON}
EventSchema:string:Mandatory:AuditEvent
EventType:string:Mandatory:Set|Read|Create|Delete|Execute|Install|Clear|Enable|Disable|Initialize|Start|Stop|Terminate|Other
EventSubType:string:Optional
EventResultDetails:string:Recommended
ActorUsername:string:Recommended
ActorUserAadId:string:Optional
ActorUserSid:string:Optional
User:string:Alias>ActorUsername
Operation:string:Mandatory
Object:string:Recommended
ObjectId:string:Recommended
ObjectType:string:Conditional:Configuration Atom|Policy Rule|Event Log|Scheduled Task|Service|Directory Service Object|Other>Object
OriginalObjectType:string:Optional
OldValue:string:Optional
NewValue:string:Recommended
Value:string:Alias>NewValue
ValueType:string:Optional:Other
TargetHostname:string:Recommended
TargetIpAddr:string:Recommended
TargetDomainType:string:Conditional:Windows|FQDN>TargetDomain
TargetDvcIdType:string:Conditional:AzureResourceId|MDEid|MD4IoTid|VMConnectionId|AwsVpcId|Other>TargetDvcId
`),
};

export const ASIM_SCHEMAS = { Authentication: ASIM_AUTHENTICATION, AuditEvent: ASIM_AUDIT_EVENT } as const;
