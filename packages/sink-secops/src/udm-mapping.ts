/**
 * Citrix records as UDM events (the `udm` format of the SecOps sink), per stream:
 *
 * - Monitor `Connections`, `Sessions`, `ConnectionFailureLogs` → `USER_LOGIN` ("User login" — the
 *   authentication event type, https://cloud.google.com/chronicle/docs/unified-data-model/udm-usage):
 *   the client in `principal` (address, name, platform, Citrix's own geolocation), the session's
 *   machine and user in `target`, the session key in `network.session_id`, ALLOW / BLOCK in
 *   `security_result.action` (a failure log, a session with a failure: BLOCK, its failure category in
 *   `summary` and `category_details`).
 * - System Log records → by event type: an administrator created or invited → `USER_CREATION`; one
 *   updated (its access) → `USER_CHANGE_PERMISSIONS`; deleted → `USER_DELETION`; a secure (API) client
 *   created → `USER_RESOURCE_CREATION` of a `CREDENTIAL` resource, deleted → `USER_RESOURCE_DELETION`;
 *   any other update/enable/disable → `SETTING_MODIFICATION`; else `USER_UNCATEGORIZED`. (As Google's
 *   own Cloud Audit parser maps IAM and account changes: udm-usage's event-type guidance; INFERRED for
 *   Citrix's event names, which Google does not map.)
 * - DaaS ConfigLog operations → `USER_RESOURCE_CREATION` / `_DELETION` / `_UPDATE_PERMISSIONS`
 *   (administrators, roles, scopes) / `_UPDATE_CONTENT` by the operation's text (INFERRED from the
 *   verbs Citrix's operation texts start with: "Create", "Add", "New", "Remove", "Delete", "Set"…), the
 *   administrator in `principal.user`, `AdminMachineIP` in `principal.ip`, the target types in
 *   `target.resource`, success in `security_result.action` (ALLOW / FAIL).
 * - Analytics for Security (sentinel) `riskScoreChange` → `USER_UNCATEGORIZED` with the user's new
 *   score in `security_result.risk_score` (`ENTITY_RISK_CHANGE` is "restricted to events published by
 *   Google Security Operations Risk Analytics", udm.proto).
 *
 * Any other stream has no mapping: its records stay raw logs. Every event names Citrix as vendor, the
 * product and the stream in `metadata.product_event_type`, and carries the tenant (`citrix_customer_id`)
 * and the fields no UDM field holds in `additional`. `udm-fields.ts` checks each against Google's schema.
 */
import type { JsonRecord, PartName } from '@ctxsiem/core';

/** A UDM event as the Chronicle API's JSON carries it (proto field names). */
export type UdmEvent = Record<string, unknown>;
export type UdmMapper = (record: JsonRecord, recordId: string) => UdmEvent;

const VENDOR = 'Citrix';

/** The tenant field every record carries (the runner's tag). */
export const TENANT_FIELD = 'citrix_customer_id';

/**
 * Citrix Monitor's `SessionFailureCode` (Citrix.Monitor.Model.Data.Enums; the value of
 * `ConnectionFailureEnumValue`) by value: 0–25 in order, then 100 and 101 — the table as the community
 * module smitpi/CTXCloudApi `Public/Get-CTXAPI_FailureReport.ps1` @ b866781cda597b8d4b0836a70190ad761ce4b729
 * decodes the Monitor API's values (INFERRED to be Citrix's own names: Citrix's enum page was not
 * read). Another value is named by its number.
 */
const FAILURE_NAMES = [
  'Unknown',
  'None',
  'SessionPreparation',
  'RegistrationTimeout',
  'ConnectionTimeout',
  'Licensing',
  'Ticketing',
  'Other',
  'GeneralFail',
  'MaintenanceMode',
  'ApplicationDisabled',
  'LicenseFeatureRefused',
  'NoDesktopAvailable',
  'SessionLimitReached',
  'DisallowedProtocol',
  'ResourceUnavailable',
  'ActiveSessionReconnectDisabled',
  'NoSessionToReconnect',
  'SpinUpFailed',
  'Refused',
  'ConfigurationSetFailure',
  'MaxTotalInstancesExceeded',
  'MaxPerUserInstancesExceeded',
  'CommunicationError',
  'MaxPerMachineInstancesExceeded',
  'MaxPerEntitlementInstancesExceeded',
] as const;
const FAILURE_CATEGORY: Readonly<Record<number, string>> = {
  ...Object.fromEntries(FAILURE_NAMES.map((name, value) => [value, name])),
  100: 'NoMachineAvailable',
  101: 'MachineNotFunctional',
};

/** Monitor's `ClientPlatform` names (as the Workspace app reports them; INFERRED) → UDM's `Noun.Platform`. */
const PLATFORMS: readonly [RegExp, string][] = [
  [/windows/i, 'WINDOWS'],
  [/mac|osx/i, 'MAC'],
  [/ios|ipad|iphone/i, 'IOS'],
  [/android/i, 'ANDROID'],
  [/chrome/i, 'CHROME_OS'],
  [/linux|unix/i, 'LINUX'],
];

export function failureCategory(value: unknown): string | undefined {
  if (typeof value !== 'number') return undefined;
  return FAILURE_CATEGORY[value] ?? `SessionFailureCode ${value}`;
}

export function platformOf(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  return PLATFORMS.find(([pattern]) => pattern.test(value))?.[1] ?? 'UNKNOWN_PLATFORM';
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;

/** RFC 3339 of a date the record holds (ISO text or epoch milliseconds), or undefined. */
export function timestampOf(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}

/** Drops undefined, empty objects and empty arrays, so an event carries only what the record had. */
function compact<T>(value: T): T | undefined {
  if (Array.isArray(value)) {
    const items = value.map(compact).filter((item) => item !== undefined);
    return (items.length > 0 ? items : undefined) as T | undefined;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .map(([key, item]) => [key, compact(item)] as const)
      .filter(([, item]) => item !== undefined);
    return (entries.length > 0 ? Object.fromEntries(entries) : undefined) as T | undefined;
  }
  return value === null || value === '' ? undefined : value;
}

/** `additional`: the record's fields no UDM field holds, as a JSON object (a `google.protobuf.Struct`). */
function additional(record: JsonRecord, fields: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(
    fields.filter((f) => record[f] !== undefined && record[f] !== null).map((f) => [f, record[f]]),
  );
}

function metadata(
  recordId: string,
  product: string,
  eventType: string,
  productEventType: string,
  at: unknown,
): Record<string, unknown> {
  return {
    event_type: eventType,
    event_timestamp: timestampOf(at),
    vendor_name: VENDOR,
    product_name: product,
    product_event_type: productEventType,
    product_log_id: recordId || undefined,
  };
}

const distinct = (...values: (string | undefined)[]) => [...new Set(values.filter((v) => v !== undefined))];

const connection: UdmMapper = (r, id) => ({
  metadata: metadata(
    id,
    'Citrix Monitor',
    'USER_LOGIN',
    'Connections',
    r.LogOnStartDate ?? r.EstablishmentDate ?? r.BrokeringDate ?? r.CreatedDate,
  ),
  principal: {
    hostname: text(r.ClientName),
    ip: distinct(text(r.ClientAddress), text(r.ClientPublicIP)),
    platform: platformOf(r.ClientPlatform),
    location: { country_or_region: text(r.ClientLocationCountry), city: text(r.ClientLocationCity) },
    // ClientVersion is the Workspace app's version, not the operating system's: the software it ran.
    asset: { software: [{ name: 'Citrix Workspace app', version: text(r.ClientVersion) }] },
  },
  intermediary: [
    { hostname: text(r.ConnectedViaHostName), ip: distinct(text(r.ConnectedViaIPAddress)) },
    { hostname: text(r.LaunchedViaHostName), ip: distinct(text(r.LaunchedViaIPAddress)) },
  ],
  network: { session_id: text(r.SessionKey) },
  security_result: [{ action: ['ALLOW'] }],
  additional: {
    [TENANT_FIELD]: r[TENANT_FIELD],
    ...additional(r, [
      'Id',
      'ClientPlatform',
      'ClientVersion',
      'ClientISP',
      'Protocol',
      'IsReconnect',
      'WorkspaceType',
      'BrokeringDuration',
      'DisconnectCode',
    ]),
  },
});

const session: UdmMapper = (r, id) => {
  const failed = r.FailureId !== undefined && r.FailureId !== null;
  return {
    metadata: metadata(id, 'Citrix Monitor', 'USER_LOGIN', 'Sessions', r.StartDate ?? r.CreatedDate),
    target: {
      user: {
        userid: text(r.UserName),
        user_display_name: text(r.FullName),
        product_object_id: text(r.UserId),
      },
      asset: { product_object_id: text(r.MachineId) },
    },
    network: { session_id: text(r.SessionKey) },
    security_result: [failed ? { action: ['BLOCK'], summary: 'session failed' } : { action: ['ALLOW'] }],
    additional: {
      [TENANT_FIELD]: r[TENANT_FIELD],
      ...additional(r, [
        'MachineId',
        'UserId',
        'ConnectionState',
        'LogOnDuration',
        'SessionType',
        'ExitCode',
        'FailureId',
        'EndDate',
      ]),
    },
  };
};

const connectionFailure: UdmMapper = (r, id) => {
  const category = failureCategory(r.ConnectionFailureEnumValue);
  return {
    metadata: metadata(
      id,
      'Citrix Monitor',
      'USER_LOGIN',
      'ConnectionFailureLogs',
      r.FailureDate ?? r.CreatedDate,
    ),
    target: {
      user: { userid: text(r.UserName), product_object_id: text(r.UserId) },
      asset: { product_object_id: text(r.MachineId) },
      group: { product_object_id: text(r.DesktopGroupId), group_display_name: text(r.DesktopGroupName) },
    },
    network: { session_id: text(r.SessionKey) },
    security_result: [
      {
        action: ['BLOCK'],
        summary: category,
        category_details: distinct(category),
        description: 'connection failure',
      },
    ],
    additional: {
      [TENANT_FIELD]: r[TENANT_FIELD],
      ...additional(r, ['Id', 'MachineId', 'UserId', 'ConnectionFailureEnumValue', 'DesktopGroupId']),
    },
  };
};

/** A System Log event type → UDM event type, and the resource type of its target (see the header). */
export function systemLogEventType(eventType: string): { eventType: string; resourceType?: string } {
  const [, object = '', verb = ''] = /(?:^|[:/])([a-z]+)\/([a-z]+)$/.exec(eventType.toLowerCase()) ?? [];
  if (object === 'clientadministrator')
    return verb === 'create'
      ? { eventType: 'USER_RESOURCE_CREATION', resourceType: 'CREDENTIAL' }
      : verb === 'delete'
        ? { eventType: 'USER_RESOURCE_DELETION', resourceType: 'CREDENTIAL' }
        : { eventType: 'USER_RESOURCE_UPDATE_CONTENT', resourceType: 'CREDENTIAL' };
  if (object === 'administrator') {
    if (verb === 'create' || verb === 'invite') return { eventType: 'USER_CREATION' };
    if (verb === 'delete') return { eventType: 'USER_DELETION' };
    return { eventType: 'USER_CHANGE_PERMISSIONS' };
  }
  if (['update', 'enable', 'disable', 'set'].includes(verb))
    return { eventType: 'SETTING_MODIFICATION', resourceType: 'SETTING' };
  return { eventType: 'USER_UNCATEGORIZED' };
}

const systemLog: UdmMapper = (r, id) => {
  const kind = systemLogEventType(String(r.eventType ?? ''));
  const after = r.afterChanges as Record<string, unknown> | null | undefined;
  const accessType = text(after?.AccessType);
  const targetType = text(r.targetType);
  return {
    metadata: metadata(
      id,
      'Citrix Cloud System Log',
      kind.eventType,
      String(r.eventType ?? ''),
      r.utcTimestamp,
    ),
    principal: {
      user: {
        userid: text(r.actorDisplayName),
        product_object_id: text(r.actorId),
        user_display_name: text(r.actorDisplayName),
      },
      application: text(r.agentId),
    },
    target: {
      user:
        targetType === 'administrator'
          ? {
              userid: text(r.targetDisplayName),
              product_object_id: text(r.targetId),
              email_addresses: distinct(text(r.targetEmail)),
              // The administrator's access (`Full`, `Custom`) as Citrix's record states it.
              role_name: accessType,
            }
          : undefined,
      resource: {
        name: text(r.targetDisplayName),
        product_object_id: text(r.targetId),
        resource_type: kind.resourceType,
        resource_subtype: targetType,
      },
    },
    security_result: [
      { action: ['ALLOW'], summary: text((r.message as Record<string, unknown> | null)?.['en-US']) },
    ],
    additional: {
      [TENANT_FIELD]: r[TENANT_FIELD],
      ...additional(r, ['recordId', 'eventType', 'actorType', 'targetType', 'beforeChanges', 'afterChanges']),
    },
  };
};

/** A ConfigLog operation → UDM event type, by its text (see the header; INFERRED). */
export function configLogEventType(operationText: string): string {
  const textLower = operationText.toLowerCase();
  if (/administrator|admin |role|scope|permission/.test(textLower)) return 'USER_RESOURCE_UPDATE_PERMISSIONS';
  if (/^(create|add|new)\b/.test(textLower)) return 'USER_RESOURCE_CREATION';
  if (/^(remove|delete)\b/.test(textLower)) return 'USER_RESOURCE_DELETION';
  return 'USER_RESOURCE_UPDATE_CONTENT';
}

/**
 * A ConfigLog `User` as Citrix Cloud writes a cloud administrator — `Name (email)` — split so the
 * administrator is named by email, as the System Log names them; any other form (`DOMAIN\\user`) is kept
 * whole. (The form is the emulator's reading of Citrix's records: INFERRED.)
 */
export function configLogUser(value: unknown): {
  userid?: string;
  user_display_name?: string;
  email_addresses?: string[];
} {
  const user = text(value);
  const parts = user ? /^(.+?) \(([^()\s]+@[^()\s]+)\)$/.exec(user) : null;
  if (!parts) return { userid: user };
  return { userid: parts[2], user_display_name: parts[1], email_addresses: [parts[2]!] };
}

const configLogOperation: UdmMapper = (r, id) => {
  const targetTypes = Array.isArray(r.TargetTypes) ? r.TargetTypes.map(String) : [];
  const successful = r.IsSuccessful;
  return {
    metadata: metadata(
      id,
      'Citrix DaaS Configuration Log',
      configLogEventType(String(r.Text ?? '')),
      text(r.OperationType) ?? 'Operation',
      r.StartTime ?? r.FormattedStartTime,
    ),
    principal: {
      user: { ...configLogUser(r.User), product_object_id: text(r.UserIdentity) },
      ip: distinct(text(r.AdminMachineIP)),
      application: text(r.Source),
    },
    target: {
      resource: {
        name: targetTypes.join(', ') || undefined,
        type: targetTypes[0],
        product_object_id: text(r.Id),
      },
    },
    security_result: [
      {
        action: successful === false ? ['FAIL'] : successful === true ? ['ALLOW'] : undefined,
        summary: text(r.Text),
      },
    ],
    additional: {
      [TENANT_FIELD]: r[TENANT_FIELD],
      ...additional(r, ['Id', 'OperationType', 'TargetTypes', 'Labels', 'EndTime', 'IsSuccessful']),
    },
  };
};

const riskScoreChange: UdmMapper = (r, id) => ({
  metadata: metadata(
    id,
    'Citrix Analytics for Security',
    'USER_UNCATEGORIZED',
    String(r.event_type ?? 'riskScoreChange'),
    r.timestamp,
  ),
  principal: { user: { userid: text(r.entity_id) } },
  security_result: [
    {
      risk_score: typeof r.cur_riskscore === 'number' ? r.cur_riskscore : undefined,
      summary: text(r.alert_message),
      description: text(r.alert_type),
    },
  ],
  additional: {
    [TENANT_FIELD]: r[TENANT_FIELD],
    ...additional(r, ['tenant_id', 'entity_type', 'alert_value', 'cur_riskscore', 'version']),
  },
});

/** The streams with a mapping, as `source/stream`. */
export const UDM_MAPPINGS: Readonly<Record<string, UdmMapper>> = {
  'monitor/Connections': connection,
  'monitor/Sessions': session,
  'monitor/ConnectionFailureLogs': connectionFailure,
  'systemlog/records': systemLog,
  'daasconfiglog/operations': configLogOperation,
  'sentinel/riskScoreChange': riskScoreChange,
};

/** The mapper of a part's stream, or undefined: its records stay raw logs. */
export function udmMapperOf(part: Pick<PartName, 'source' | 'stream'>): UdmMapper | undefined {
  return UDM_MAPPINGS[`${part.source}/${part.stream}`];
}

/** The UDM event of one record of `part`'s stream (its empty fields left out), or undefined without a mapping. */
export function udmEventOf(
  part: Pick<PartName, 'source' | 'stream'>,
  record: JsonRecord,
  recordId: string,
): UdmEvent | undefined {
  const mapper = udmMapperOf(part);
  return mapper ? (compact(mapper(record, recordId)) ?? {}) : undefined;
}
