/**
 * Admin audit trails of a customer, as two Citrix APIs serve them:
 *
 * - the Citrix Cloud **System Log** (`GET /systemlog/records?StartDateTime&EndDateTime&Limit&
 *   ContinuationToken`): the documented platform events — administrators, secure clients, Workspace
 *   settings — as the live API answers them, in camelCase (`items`, `continuationToken`, `recordId`,
 *   `utcTimestamp` with seven fractional digits, `message` in the sample's five locales), or in the
 *   documentation's PascalCase (`systemLogCasing`), newest first, `Limit` 50 by default and at most 200,
 *   both bounds inclusive; parameter names in any case; its 400s and 404 as its troubleshooting page;
 * - the **DaaS configuration log** (`GET /cvad/manage/me`, then `POST /cvad/manage/ConfigLog/Operations/
 *   $search?limit&continuationToken` with `Citrix-InstanceId`): operations of the site in PascalCase,
 *   `StartTime` as display text and `FormattedStartTime` in ISO, an operation still running without its
 *   end; `SearchFilters` on `StartTime` (`GreaterThanOrEquals`, `LessThan`, …), newest first, `limit` 250
 *   by default and at most 1000.
 *
 * Everything is a pure function of the seed, the customer and the time, a few events an hour. Under the
 * `lateArrivals` fault a share of the records appear up to that long after their time. A continuation
 * token names the query it belongs to: presented with another query it is refused (400).
 */
import { ApiError } from './api-error.ts';
import type { LateArrivals } from './late-arrivals.ts';
import type { PlantedAuditRecord, PlantedOperation, ScenarioPlan } from './planted-scenarios.ts';
import { createRng, hashOf } from './random.ts';
import { HOUR_MS, MINUTE_MS } from './time.ts';

/** The permissions the emulator names on 403 (inferred: Citrix documents none for these APIs). */
export const SYSTEM_LOG_PERMISSION = 'SystemLog.Read';
export const CONFIG_LOG_PERMISSION = 'ConfigLog.Read';

/** How far back either log reaches (the DaaS configuration log keeps 180 days). */
export const AUDIT_RETENTION_MS = 180 * 24 * HOUR_MS;
export const SYSTEM_LOG_LIMITS = { default: 50, max: 200 } as const;
export const CONFIG_LOG_LIMITS = { default: 250, max: 1000 } as const;

export const uuid = (...parts: (string | number)[]) => {
  const hex = Array.from({ length: 4 }, (_, i) =>
    hashOf(...parts, i)
      .toString(16)
      .padStart(8, '0'),
  ).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

/** An ISO instant with the seven fractional digits System Log writes (100 ns ticks). */
function ticks(ms: number, extra: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, `.$1${String(extra % 10000).padStart(4, '0')}Z`);
}

const ADMINS = [
  'ana.silva@example.com',
  'raj.patel@example.com',
  'li.wei@example.com',
  'sam.okafor@example.com',
];

/**
 * The five locales of every System Log message: Citrix's sample record has exactly these
 * (developer-docs.citrix.com/en-us/citrix-cloud/citrix-cloud-systemlog/gettingstarted, "Response"; the same
 * sample on the "Troubleshooting SystemLog APIs" page).
 */
export const SYSTEM_LOG_LOCALES = ['en-US', 'de-DE', 'es-ES', 'fr-FR', 'ja-JP'] as const;
type Locale = (typeof SYSTEM_LOG_LOCALES)[number];

/** A System Log event type as Citrix documents it, and what its records carry. */
interface SystemEvent {
  eventType: string;
  /** `administrator` (a person, email filled in), `service` (a secure client), `subscriber` (Workspace). */
  targetType: 'administrator' | 'service' | 'subscriber';
  actorType: 'system' | 'administrator';
  /** Whether the record carries the object before / after the event (the tables' last two columns). */
  before: boolean;
  after: boolean;
  /** The message in each locale, given the record's `targetId`. */
  message: Record<Locale, (targetId: string) => string>;
}

const fixed = (texts: Record<Locale, string>): SystemEvent['message'] => ({
  'en-US': () => texts['en-US'],
  'de-DE': () => texts['de-DE'],
  'es-ES': () => texts['es-ES'],
  'fr-FR': () => texts['fr-FR'],
  'ja-JP': () => texts['ja-JP'],
});

/**
 * The event types the emulator writes, each documented by Citrix:
 *
 * - `delegatedadministration:administrator/create` is the record of the API's own sample (gettingstarted
 *   page above): target `administrator` with the email as display name and `TargetEmail`, actor `system`
 *   (`CwcSystem`), no `BeforeChanges`, `AfterChanges` with exactly the sample's keys, and its message in the
 *   five locales verbatim.
 * - `platform/administrator/{create,invite,update,delete}` and `platform/clientadministrator/{create,delete}`
 *   (secure clients, target type `service`): "System Log events for the Citrix Cloud platform",
 *   docs.citrix.com/en-us/citrix-cloud/citrix-cloud-management/system-log/platform-events.html (read in its
 *   ja-jp copy, which keeps the types in English, and its zh-cn copy): event, target and actor types, and
 *   for `administrator/create` no object before and one after. The English message wording of these rows
 *   and the before/after columns of the other rows are INFERRED.
 * - `wxp/url/update`, `wxp/identityprovider/update`, `wxp/fas/enable` (target `subscriber`, before and
 *   after as the table says): "System Log events for Citrix Workspace",
 *   docs.citrix.com/en-us/citrix-cloud/citrix-cloud-management/system-log/workspace-events.html, English
 *   messages verbatim.
 *
 * The Japanese messages of `platform/administrator/create`, `…/invite` and `wxp/url/update` are the ja-jp
 * tables'; every other non-English message is INFERRED (our translation of the table's message).
 */
export const SYSTEM_LOG_EVENTS: readonly SystemEvent[] = [
  {
    eventType: 'delegatedadministration:administrator/create',
    targetType: 'administrator',
    actorType: 'system',
    before: false,
    after: true,
    message: {
      'en-US': (id) => `Created new administrator user '${id}'.`,
      'de-DE': (id) => `Der neue Administratorbenutzer '${id}' wurde erstellt.`,
      'es-ES': (id) => `Se ha creado el usuario administrador "${id}".`,
      'fr-FR': (id) => `L'utilisateur administrateur '${id}' a été créé.`,
      'ja-JP': (id) => `新しい管理者ユーザー '${id}' を作成しました。`,
    },
  },
  {
    eventType: 'platform/administrator/create',
    targetType: 'administrator',
    actorType: 'system',
    before: false,
    after: true,
    message: fixed({
      'en-US': 'Administrator created',
      'de-DE': 'Administrator erstellt',
      'es-ES': 'Administrador creado',
      'fr-FR': 'Administrateur créé',
      'ja-JP': '管理者が作成されました',
    }),
  },
  {
    eventType: 'platform/administrator/invite',
    targetType: 'administrator',
    actorType: 'administrator',
    before: false,
    after: true,
    message: fixed({
      'en-US': 'Administrator invitation sent',
      'de-DE': 'Administratoreinladung gesendet',
      'es-ES': 'Invitación de administrador enviada',
      'fr-FR': "Invitation d'administrateur envoyée",
      'ja-JP': '管理者への招待状が送信されました',
    }),
  },
  {
    eventType: 'platform/administrator/update',
    targetType: 'administrator',
    actorType: 'administrator',
    before: true,
    after: true,
    message: fixed({
      'en-US': 'Administrator role or permissions updated',
      'de-DE': 'Administratorrolle oder -berechtigungen aktualisiert',
      'es-ES': 'Rol o permisos de administrador actualizados',
      'fr-FR': "Rôle ou autorisations d'administrateur mis à jour",
      'ja-JP': '管理者の役割または権限が更新されました',
    }),
  },
  {
    eventType: 'platform/administrator/delete',
    targetType: 'administrator',
    actorType: 'administrator',
    before: true,
    after: false,
    message: fixed({
      'en-US': 'Administrator deleted',
      'de-DE': 'Administrator gelöscht',
      'es-ES': 'Administrador eliminado',
      'fr-FR': 'Administrateur supprimé',
      'ja-JP': '管理者が削除されました',
    }),
  },
  {
    eventType: 'platform/clientadministrator/create',
    targetType: 'service',
    actorType: 'system',
    before: false,
    after: true,
    message: fixed({
      'en-US': 'Secure client created',
      'de-DE': 'Sicherer Client erstellt',
      'es-ES': 'Cliente seguro creado',
      'fr-FR': 'Client sécurisé créé',
      'ja-JP': 'セキュアクライアントが作成されました',
    }),
  },
  {
    eventType: 'platform/clientadministrator/delete',
    targetType: 'service',
    actorType: 'administrator',
    before: true,
    after: false,
    message: fixed({
      'en-US': 'Secure client deleted',
      'de-DE': 'Sicherer Client gelöscht',
      'es-ES': 'Cliente seguro eliminado',
      'fr-FR': 'Client sécurisé supprimé',
      'ja-JP': 'セキュアクライアントが削除されました',
    }),
  },
  {
    eventType: 'wxp/url/update',
    targetType: 'subscriber',
    actorType: 'administrator',
    before: true,
    after: true,
    message: fixed({
      'en-US': 'Workspace URL updated',
      'de-DE': 'Workspace-URL aktualisiert',
      'es-ES': 'URL de Workspace actualizada',
      'fr-FR': 'URL de Workspace mise à jour',
      'ja-JP': 'ワークスペースURLが更新されました',
    }),
  },
  {
    eventType: 'wxp/identityprovider/update',
    targetType: 'subscriber',
    actorType: 'administrator',
    before: true,
    after: true,
    message: fixed({
      'en-US': 'Workspace identity provider updated',
      'de-DE': 'Workspace-Identitätsanbieter aktualisiert',
      'es-ES': 'Proveedor de identidades de Workspace actualizado',
      'fr-FR': "Fournisseur d'identité de Workspace mis à jour",
      'ja-JP': 'ワークスペースのIDプロバイダーが更新されました',
    }),
  },
  {
    eventType: 'wxp/fas/enable',
    targetType: 'subscriber',
    actorType: 'administrator',
    before: false,
    after: true,
    message: fixed({
      'en-US': 'Workspace Federated Authentication Service (FAS) enabled',
      'de-DE': 'Workspace Federated Authentication Service (FAS) aktiviert',
      'es-ES': 'Federated Authentication Service (FAS) de Workspace habilitado',
      'fr-FR': 'Federated Authentication Service (FAS) de Workspace activé',
      'ja-JP': 'ワークスペースのFederated Authentication Service (FAS) が有効になりました',
    }),
  },
];

/** The people administrator events name (the sample's "Rafa Doe" and friends). */
const ADMIN_TARGETS = ['Rafa Doe', 'Mina Ito', 'Jonas Berg', 'Ada Kofi', 'Lucía Pérez', 'Tom Weber'];
const SECURE_CLIENTS = ['siem-collector', 'terraform', 'backup-automation', 'monitoring'];

/** `MM/dd/yyyy HH:mm:ss`, as the sample's `AfterChanges.CreatedDate` and `UpdatedDate`. */
function changeDate(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** A 19-digit decimal id, as the sample's `TargetId` and `AfterChanges.UserId`. */
const decimalId = (...parts: (string | number)[]) =>
  `${(hashOf(...parts, 'high') % 900_000_000) + 100_000_000}${String(hashOf(...parts, 'low')).padStart(10, '0')}`;

/** The target fields of a record, and the object before / after the event. */
interface Target {
  targetId: string;
  targetDisplayName: string;
  targetEmail: string | null;
  targetUserId: string | null;
  state: (after: boolean) => Record<string, string>;
}

/** An administrator target: its ids from its email, the sample's AfterChanges keys in their order. */
function administratorTarget(
  seed: number,
  customerId: string,
  admin: { email: string; name: string },
  values: (after: boolean) => {
    AccessType: string;
    CreatedDate: string;
    UpdatedDate: string;
    Pending: string;
  },
): Target {
  const userId = decimalId(seed, 'admin-user', customerId, admin.email);
  return {
    targetId: userId,
    targetDisplayName: admin.email,
    targetEmail: admin.email,
    targetUserId: uuid(seed, 'admin-oid', customerId, admin.email).replaceAll('-', ''),
    state: (after) => {
      const { AccessType, CreatedDate, UpdatedDate, Pending } = values(after);
      return {
        CustomerId: customerId,
        Principal: admin.email,
        UserId: userId,
        AccessType,
        CreatedDate,
        UpdatedDate,
        DisplayName: admin.name,
        Pending,
      };
    },
  };
}

/** The target fields and the object before / after the event (`null` where the table records none). */
function targetOf(
  seed: number,
  customerId: string,
  kind: SystemEvent,
  random: ReturnType<typeof createRng>,
  at: number,
): Target {
  if (kind.targetType === 'administrator') {
    const name = ADMIN_TARGETS[random.int(0, ADMIN_TARGETS.length)]!;
    const email = `${name
      .toLowerCase()
      .normalize('NFD')
      .replace(/[^a-z ]/g, '')
      .replace(' ', '.')}@example.com`;
    const created = at - random.int(0, 30) * 24 * HOUR_MS;
    // Exactly the sample's AfterChanges keys; the values before an update are INFERRED.
    return administratorTarget(seed, customerId, { email, name }, (after) => ({
      AccessType: after ? 'Full' : 'Custom',
      CreatedDate: changeDate(kind.eventType.endsWith('/create') ? at : created),
      UpdatedDate: changeDate(after ? at : created),
      Pending: kind.eventType.endsWith('/invite') ? 'True' : 'False',
    }));
  }
  if (kind.targetType === 'service') {
    // INFERRED: a secure client named by its id and name, without email or user id.
    const name = SECURE_CLIENTS[random.int(0, SECURE_CLIENTS.length)]!;
    return {
      targetId: uuid(seed, 'secure-client', customerId, name),
      targetDisplayName: name,
      targetEmail: null,
      targetUserId: null,
      state: () => ({ CustomerId: customerId, Name: name, CreatedDate: changeDate(at) }),
    };
  }
  // INFERRED: Workspace events target the customer's subscriber configuration.
  const setting = kind.eventType.split('/')[1]!;
  return {
    targetId: customerId,
    targetDisplayName: customerId,
    targetEmail: null,
    targetUserId: null,
    state: (after): Record<string, string> =>
      setting === 'url'
        ? { Url: `https://${customerId}${after ? '-new' : ''}.cloud.com` }
        : setting === 'fas'
          ? { Enabled: after ? 'True' : 'False' }
          : { IdentityProvider: after ? 'AzureAD' : 'AD' },
  };
}

/** One System Log record, camelCase, fields in the sample's order. */
function systemLogRecord(
  seed: number,
  customerId: string,
  record: { id: string; at: number; ticks: number; kind: SystemEvent; target: Target; admin: string },
): Record<string, unknown> {
  const { kind, target, admin } = record;
  const system = kind.actorType === 'system';
  return {
    recordId: record.id,
    utcTimestamp: ticks(record.at, record.ticks),
    customerId,
    eventType: kind.eventType,
    targetId: target.targetId,
    targetDisplayName: target.targetDisplayName,
    targetEmail: target.targetEmail,
    targetUserId: target.targetUserId,
    targetType: kind.targetType,
    beforeChanges: kind.before ? target.state(false) : null,
    afterChanges: kind.after ? target.state(true) : null,
    // The sample's agent is its event type's service; `platform` and `wxp` for the others: INFERRED.
    agentId: kind.eventType.split(/[:/]/)[0],
    serviceProfileName: null,
    // The sample's system actor; an administrator's id and name: INFERRED.
    actorId: system ? null : uuid(seed, 'actor', admin),
    actorDisplayName: system ? 'CwcSystem' : admin,
    actorType: kind.actorType,
    message: Object.fromEntries(
      SYSTEM_LOG_LOCALES.map((locale) => [locale, kind.message[locale](target.targetId)]),
    ),
  };
}

/**
 * The target of a planted record (planted-scenarios.ts): an administrator with the access it had and
 * has (`AccessType`), or a secure client — built as `targetOf` builds them.
 */
function plantedTarget(
  seed: number,
  customerId: string,
  kind: SystemEvent,
  planted: PlantedAuditRecord,
): Target {
  const { displayName, email, accessBefore, accessAfter } = planted.target;
  if (kind.targetType === 'service')
    return {
      targetId: uuid(seed, 'secure-client', customerId, displayName),
      targetDisplayName: displayName,
      targetEmail: null,
      targetUserId: null,
      state: () => ({ CustomerId: customerId, Name: displayName, CreatedDate: changeDate(planted.at) }),
    };
  const address = email ?? displayName;
  return administratorTarget(seed, customerId, { email: address, name: displayName }, (after) => ({
    AccessType: (after ? accessAfter : accessBefore) ?? accessAfter,
    CreatedDate: changeDate(planted.at),
    UpdatedDate: changeDate(planted.at),
    Pending: 'False',
  }));
}

/**
 * Whole-hour generation: the events of the hour `hour` (hours since the epoch), oldest first, in the
 * camelCase the live API answers (see `SystemLogCasing`), fields in the sample's order — with the
 * planted scenarios' records of the hour among them.
 */
function systemLogHour(
  seed: number,
  customerId: string,
  hour: number,
  planted: ScenarioPlan | null = null,
): Record<string, unknown>[] {
  const random = createRng(hashOf(seed, 'systemlog', customerId, hour));
  const generated = Array.from({ length: random.int(2, 8) }, (_, index) => {
    const at = hour * HOUR_MS + random.int(0, HOUR_MS - 1);
    const kind = SYSTEM_LOG_EVENTS[random.int(0, SYSTEM_LOG_EVENTS.length)]!;
    const admin = ADMINS[random.int(0, ADMINS.length)]!;
    const target = targetOf(seed, customerId, kind, random, at);
    const id = uuid(seed, 'systemlog-record', customerId, hour, index);
    const extra = hashOf(seed, 'ticks', hour, index);
    return { at, record: systemLogRecord(seed, customerId, { id, at, ticks: extra, kind, target, admin }) };
  });
  const plantedRecords = (planted?.systemLog ?? [])
    .filter((record) => Math.floor(record.at / HOUR_MS) === hour)
    .map((record) => {
      const kind = SYSTEM_LOG_EVENTS.find((event) => event.eventType === record.eventType)!;
      const target = plantedTarget(seed, customerId, kind, record);
      const id = uuid(seed, 'systemlog-planted', customerId, record.name);
      const admin = record.actor ?? ADMINS[0]!;
      return {
        at: record.at,
        record: systemLogRecord(seed, customerId, { id, at: record.at, ticks: 0, kind, target, admin }),
      };
    });
  return [...generated, ...plantedRecords].sort((a, b) => a.at - b.at).map(({ record }) => record);
}

const OPERATIONS = [
  { text: 'Create Machine Catalog', type: 'ConfigurationChange', targets: ['Catalog'], minutes: 25 },
  {
    text: 'Add Machines to Delivery Group',
    type: 'ConfigurationChange',
    targets: ['DesktopGroup', 'Machine'],
    minutes: 3,
  },
  { text: 'Remove Application', type: 'ConfigurationChange', targets: ['Application'], minutes: 0 },
  {
    text: 'Set Delivery Group Power Schedule',
    type: 'ConfigurationChange',
    targets: ['DesktopGroup'],
    minutes: 0,
  },
  { text: 'Log off Session', type: 'AdminActivity', targets: ['Session'], minutes: 0 },
  { text: 'Turn On Maintenance Mode', type: 'AdminActivity', targets: ['Machine'], minutes: 0 },
  { text: 'Restart Machine', type: 'AdminActivity', targets: ['Machine'], minutes: 2 },
] as const;

/** `MM/dd/yyyy : h:mm:ss AM` — how the API shows `StartTime` and `EndTime`. */
export function displayTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  const h = d.getUTCHours() % 12 || 12;
  return `${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${d.getUTCFullYear()} : ${h}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${d.getUTCHours() < 12 ? 'AM' : 'PM'}`;
}

interface Operation {
  start: number;
  end: number;
  record: Record<string, unknown>;
}

/**
 * The operations started in hour `hour` of the site, oldest first, as they are once ended — with the
 * planted scenarios' operations of the hour among them.
 */
function configLogHour(
  seed: number,
  customerId: string,
  hour: number,
  planted: ScenarioPlan | null = null,
): Operation[] {
  const random = createRng(hashOf(seed, 'configlog', customerId, hour));
  const generated = Array.from({ length: random.int(1, 6) }, (_, index) => {
    const start = hour * HOUR_MS + random.int(0, HOUR_MS - 1000);
    const kind = OPERATIONS[random.int(0, OPERATIONS.length - 1)]!;
    const end =
      start +
      (kind.minutes > 0
        ? random.int(kind.minutes * MINUTE_MS * 0.5, kind.minutes * MINUTE_MS)
        : random.int(200, 5000));
    const admin = ADMINS[random.int(0, ADMINS.length - 1)]!;
    const studio = random.int(0, 2) > 0;
    const object = `${kind.targets[0]}-${random.int(10, 99)}`;
    return {
      start,
      end,
      record: {
        Id: uuid(seed, 'configlog-operation', customerId, hour, index),
        Text: `${kind.text} '${object}'`,
        User: `${admin.split('@')[0]!.replace('.', ' ')} (${admin})`,
        UserIdentity: `S-1-5-21-${hashOf(seed, 'sid', admin) % 1_000_000_000}`,
        Source: studio ? 'Studio' : 'Broker SDK',
        AdminMachineIP: studio ? '' : `10.0.${random.int(0, 9)}.${random.int(2, 250)}`,
        StartTime: displayTime(start),
        FormattedStartTime: new Date(start).toISOString(),
        EndTime: displayTime(end),
        FormattedEndTime: new Date(end).toISOString(),
        IsSuccessful: random.int(0, 9) > 0,
        TargetTypes: [...kind.targets],
        OperationType: kind.type,
        Labels: [],
        Metadata: [],
        Parameters: [{ Name: 'Name', Value: object }],
      },
    };
  });
  const plantedOperations = (planted?.operations ?? [])
    .filter((operation) => Math.floor(operation.at / HOUR_MS) === hour)
    .map((operation) => plantedOperation(seed, customerId, operation));
  return [...generated, ...plantedOperations].sort((a, b) => a.start - b.start);
}

/** A planted operation (planted-scenarios.ts), as `configLogHour` writes a generated one. */
function plantedOperation(seed: number, customerId: string, planted: PlantedOperation): Operation {
  const kind = OPERATIONS.find((operation) => operation.text === planted.kind)!;
  const end = planted.at + (kind.minutes > 0 ? kind.minutes * MINUTE_MS * 0.75 : 1_800);
  return {
    start: planted.at,
    end,
    record: {
      Id: uuid(seed, 'configlog-planted', customerId, planted.name),
      Text: `${kind.text} '${planted.object}'`,
      User: `${planted.admin.split('@')[0]!.replace('.', ' ')} (${planted.admin})`,
      UserIdentity: `S-1-5-21-${hashOf(seed, 'sid', planted.admin) % 1_000_000_000}`,
      Source: planted.adminMachineIp === '' ? 'Studio' : 'Broker SDK',
      AdminMachineIP: planted.adminMachineIp,
      StartTime: displayTime(planted.at),
      FormattedStartTime: new Date(planted.at).toISOString(),
      EndTime: displayTime(end),
      FormattedEndTime: new Date(end).toISOString(),
      IsSuccessful: true,
      TargetTypes: [...kind.targets],
      OperationType: kind.type,
      Labels: [],
      Metadata: [],
      Parameters: [{ Name: 'Name', Value: planted.object }],
    },
  };
}

/** An operation as the API shows it at `now`: without its end while it runs. */
function operationAt(operation: Operation, now: number): Record<string, unknown> {
  if (operation.end <= now) return operation.record;
  return { ...operation.record, EndTime: null, FormattedEndTime: null, IsSuccessful: null };
}

/** Where the audit records of one customer come from, at `now`, under the lateArrivals fault. */
export interface AuditView {
  seed: number;
  now: number;
  late: LateArrivals | null;
  /** The planted detection scenarios (option `scenarios`), or none. */
  planted?: ScenarioPlan | null;
}

const visible = (view: AuditView, kind: string, key: unknown, at: number) =>
  at + (view.late?.auditDelayMs(kind, String(key)) ?? 0) <= view.now;

/** The hours (since the epoch) from `from`'s to `to`'s, within the retention and not after now. */
function hoursOf(view: AuditView, from: number, to: number): number[] {
  const first = Math.max(Math.floor(from / HOUR_MS), Math.floor((view.now - AUDIT_RETENTION_MS) / HOUR_MS));
  const last = Math.floor(Math.min(to, view.now) / HOUR_MS);
  return Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => first + i);
}

/** System Log records with `utcTimestamp` in `[from, to]` visible at `now`, oldest first. */
export function systemLogRecords(
  view: AuditView,
  customerId: string,
  from: number,
  to: number,
): Record<string, unknown>[] {
  return hoursOf(view, from, to).flatMap((hour) =>
    systemLogHour(view.seed, customerId, hour, view.planted).filter((record) => {
      const at = Date.parse(String(record.utcTimestamp));
      return at >= from && at <= to && visible(view, 'systemlog', record.recordId, at);
    }),
  );
}

/** DaaS operations started in `[from, to)` and visible at `now`, oldest first, as they stand at `now`. */
export function configLogOperations(
  view: AuditView,
  customerId: string,
  from: number,
  to: number,
): Record<string, unknown>[] {
  return hoursOf(view, from, to).flatMap((hour) =>
    configLogHour(view.seed, customerId, hour, view.planted)
      .filter(
        ({ start, record }) => start >= from && start < to && visible(view, 'configlog', record.Id, start),
      )
      .map((operation) => operationAt(operation, view.now)),
  );
}

/** The DaaS site of a customer. */
export function siteOf(seed: number, customerId: string): { Id: string; Name: string } {
  return { Id: uuid(seed, 'site', customerId), Name: `${customerId}-site` };
}

/** A query's continuation: the position after the items served, bound to the query it continues. */
export function continuation(query: string, offset: number): string {
  return `+RID:~${Buffer.from(JSON.stringify({ q: hashOf(query), o: offset })).toString('base64')}`;
}

export function resume(token: string | null, query: string, name: string): number {
  if (!token) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token.replace(/^\+RID:~/, ''), 'base64').toString('utf8')) as {
      q?: number;
      o?: number;
    };
    if (parsed.q === hashOf(query) && Number.isInteger(parsed.o) && (parsed.o ?? -1) >= 0) return parsed.o!;
  } catch {
    // fall through to the refusal
  }
  throw invalid(`${name} is not valid for this query`, { name, value: token });
}

/**
 * A 400 in the shape Citrix Cloud's APIs share ("Common Citrix Cloud API error codes",
 * developer-docs.citrix.com/en-us/citrix-cloud/citrix-cloud-api-overview/common-citrix-cloud-api-error-codes):
 * `…/common/outOfRange` for a number out of range (the System Log's documented answer to a `Limit`
 * outside 1–200), `…/common/invalidString` for a value that does not parse. The DaaS configuration log
 * answering in the same shape is INFERRED.
 */
export function invalid(
  detail: string,
  parameter: { name: string; value: string },
  kind: 'outOfRange' | 'invalidString' = 'invalidString',
): ApiError {
  return new ApiError(
    400,
    { type: `https://errors-api.cloud.com/common/${kind}`, detail, parameters: [parameter] },
    detail,
  );
}

/** A query parameter by name in any case (the System Log API reads them so). */
export function parameter(params: URLSearchParams, name: string): string | null {
  for (const [key, value] of params) if (key.toLowerCase() === name.toLowerCase()) return value;
  return null;
}

export function limitParameter(
  value: string | null,
  name: string,
  limits: { default: number; max: number },
): number {
  if (value === null) return limits.default;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > limits.max)
    throw invalid(`${name} must be a whole number from 1 to ${limits.max}`, { name, value }, 'outOfRange');
  return limit;
}

/** One page, newest first, with the token of the next when there is more. */
export function page(items: Record<string, unknown>[], offset: number, limit: number, query: string) {
  const newestFirst = [...items].reverse();
  const served = newestFirst.slice(offset, offset + limit);
  const more = offset + limit < newestFirst.length;
  return { served, next: more ? continuation(query, offset + limit) : null, total: newestFirst.length };
}

/**
 * How the System Log spells its answer. Citrix's documentation shows PascalCase (`Items`, `Count`,
 * `EstimatedTotalItems`, `ContinuationToken`, `RecordId`, … — the gettingstarted and troubleshooting pages'
 * samples); the working clients read camelCase: Google's `chronicle/ingestion-scripts`
 * `citrix_auditlogs/main.py` @ 39837d7edbeab0b655aab9deb3be2fea3b2932c5 (`resp_json["items"]`,
 * `"continuationToken"`), and Cortex's `demisto/content` `Packs/CitrixCloud/Integrations/
 * CitrixCloudEventCollector/CitrixCloudEventCollector.py` @ efb45d110c5b726d4cf9cff9e1d1b68c49c1a8d7
 * (`items`, `continuationToken`, `recordId`, `utcTimestamp`), which an earlier version reading the
 * documentation's `Items`/`ContinuationToken` was changed to. Both collectors run against the live API, so
 * camelCase is the default; PascalCase answers as the documentation shows. Only the top-level names of
 * the answer and of each record change: `beforeChanges`/`afterChanges` keys and the `message` locales are
 * dictionary keys, kept as the sample has them in either casing (INFERRED: a serializer's naming policy
 * does not rename dictionary keys). `count` and `estimatedTotalItems` in camelCase: INFERRED.
 */
export type SystemLogCasing = 'camelCase' | 'PascalCase';
export const SYSTEM_LOG_DEFAULT_CASING: SystemLogCasing = 'camelCase';

const pascal = (record: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(record).map(([key, value]) => [key.charAt(0).toUpperCase() + key.slice(1), value]),
  );

/**
 * A System Log 400 as its troubleshooting page shows them ("Troubleshooting SystemLog APIs",
 * developer-docs.citrix.com/en-us/citrix-cloud/citrix-cloud-api-overview/troubleshooting, "400 Validation
 * Errors"): `type`, `detail`, and `parameters` as an object keyed by the camelCase parameter name.
 */
function systemLogInvalid(type: string, detail: string, parameters: Record<string, string>): ApiError {
  return new ApiError(400, { type: `https://errors-api.cloud.com/${type}`, detail, parameters }, detail);
}

/** `StartDateTime` / `EndDateTime`: a UTC date-time, else the documented `getRecordsDateTimeRangeInvalid`. */
function systemLogInstant(params: URLSearchParams, name: 'startDateTime' | 'endDateTime', fallback: number) {
  const value = parameter(params, name);
  if (value === null) return { at: fallback, text: new Date(fallback).toISOString().replace('.000Z', 'Z') };
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$/.test(value) || Number.isNaN(Date.parse(value)))
    // The documented case is startDateTime's; endDateTime answering alike is INFERRED.
    throw systemLogInvalid(
      'systemlog/getRecordsDateTimeRangeInvalid',
      `Invalid value provided for ${name}.`,
      {
        [name]: value,
      },
    );
  return { at: Date.parse(value), text: value };
}

/** `Limit`: 50 by default; not a whole number: `getRecordsLimitInvalid`; outside 1–200: `outOfRange`. */
function systemLogLimit(params: URLSearchParams): number {
  const value = parameter(params, 'Limit');
  if (value === null) return SYSTEM_LOG_LIMITS.default;
  const limit = Number(value);
  if (!/^\s*[+-]?\d+\s*$/.test(value) || !Number.isSafeInteger(limit))
    throw systemLogInvalid('systemlog/getRecordsLimitInvalid', 'Invalid value provided for limit.', {
      limit: value,
    });
  if (limit < 1 || limit > SYSTEM_LOG_LIMITS.max)
    throw systemLogInvalid(
      'common/outOfRange',
      `Maximum items per page is between 1 and ${SYSTEM_LOG_LIMITS.max}`,
      {
        limit: value,
      },
    );
  return limit;
}

/**
 * Any other path under `/systemlog`: the troubleshooting page's 404, `…/systemlog/notFound` "resource not
 * found" with the path after the service as `entityType` (its example: `"/personalizati"`).
 */
export function systemLogNotFound(segments: readonly string[]): ApiError {
  return new ApiError(
    404,
    {
      type: 'https://errors-api.cloud.com/systemlog/notFound',
      detail: 'resource not found',
      parameters: [{ name: 'entityType', value: `/${segments.join('/')}` }],
    },
    'resource not found',
  );
}

/** `GET /systemlog/records`, in `casing` (see `SystemLogCasing`). */
export function systemLogReply(
  view: AuditView,
  customerId: string,
  params: URLSearchParams,
  casing: SystemLogCasing = SYSTEM_LOG_DEFAULT_CASING,
): Record<string, unknown> {
  // Defaults as documented: StartDateTime DateTime.MinValue, EndDateTime now.
  const start = systemLogInstant(params, 'startDateTime', 0);
  const end = systemLogInstant(params, 'endDateTime', view.now);
  // A range that ends before it starts is refused, not answered empty (troubleshooting page, Case 1).
  if (start.at > end.at)
    throw systemLogInvalid(
      'systemlog/getRecordsDateTimeRangeInvalid',
      'Start DateTime cannot be after the end DateTime.',
      {
        startDateTime: start.text,
        endDateTime: end.text,
      },
    );
  const [from, to] = [start.at, end.at];
  const limit = systemLogLimit(params);
  const query = `systemlog ${customerId} ${from} ${to}`;
  const offset = resume(parameter(params, 'ContinuationToken'), query, 'ContinuationToken');
  const { served, next, total } = page(systemLogRecords(view, customerId, from, to), offset, limit, query);
  const answer = { items: served, count: served.length, estimatedTotalItems: total, continuationToken: next };
  if (casing === 'camelCase') return answer;
  return pascal({ ...answer, items: served.map(pascal) });
}

/** `GET /cvad/manage/me`. */
export function meReply(seed: number, customerId: string): Record<string, unknown> {
  return {
    UserId: uuid(seed, 'api-client', customerId),
    DisplayName: 'ctxsiem API client',
    Customers: [{ Id: customerId, Name: customerId, Sites: [siteOf(seed, customerId)] }],
  };
}

interface SearchFilter {
  Property?: unknown;
  Value?: unknown;
  Operator?: unknown;
}

export const COMPARE: Record<string, (at: number, value: number) => boolean> = {
  GreaterThanOrEquals: (at, value) => at >= value,
  GreaterThan: (at, value) => at > value,
  LessThan: (at, value) => at < value,
  LessThanOrEquals: (at, value) => at <= value,
};

/** `POST /cvad/manage/ConfigLog/Operations/$search`: the operations the `StartTime` filters select. */
export function configLogSearchReply(
  view: AuditView,
  customerId: string,
  params: URLSearchParams,
  body: unknown,
): Record<string, unknown> {
  const filters = (body as { SearchFilters?: unknown } | null)?.SearchFilters ?? [];
  if (!Array.isArray(filters))
    throw invalid('SearchFilters must be an array', {
      name: 'SearchFilters',
      value: JSON.stringify(filters),
    });
  let from = 0;
  let to = view.now + 1;
  const tests: ((at: number) => boolean)[] = [];
  for (const filter of filters as SearchFilter[]) {
    if (filter.Property !== 'StartTime')
      throw invalid(`the emulator filters on StartTime only, not ${String(filter.Property)}`, {
        name: 'Property',
        value: String(filter.Property),
      });
    const compare = COMPARE[String(filter.Operator)];
    const value = Date.parse(String(filter.Value));
    if (!compare || Number.isNaN(value))
      throw invalid(`unsupported StartTime filter ${String(filter.Operator)} ${String(filter.Value)}`, {
        name: 'Operator',
        value: String(filter.Operator),
      });
    tests.push((at) => compare(at, value));
    if (String(filter.Operator).startsWith('GreaterThan')) from = Math.max(from, value);
    else to = Math.min(to, value + 1);
  }
  const limit = limitParameter(parameter(params, 'limit'), 'limit', CONFIG_LOG_LIMITS);
  const query = `configlog ${customerId} ${JSON.stringify(filters)}`;
  const offset = resume(parameter(params, 'continuationToken'), query, 'continuationToken');
  const selected = configLogOperations(view, customerId, from, to).filter((operation) =>
    tests.every((test) => test(Date.parse(String(operation.FormattedStartTime)))),
  );
  const { served, next, total } = page(selected, offset, limit, query);
  return { Items: served, ContinuationToken: next, TotalItems: total };
}
