/**
 * Admin audit trails of a customer, as two Citrix APIs serve them:
 *
 * - the Citrix Cloud **System Log** (`GET /systemlog/records?StartDateTime&EndDateTime&Limit&
 *   ContinuationToken`): platform events — administrators, API clients, connectors, Workspace and
 *   Secure Private Access configuration — as the live API answers them, in camelCase (`items`,
 *   `continuationToken`, `recordId`, `utcTimestamp` with seven fractional digits, `message` keyed by
 *   locale), newest first, `Limit` 50 by default and at most 200, both bounds inclusive; parameter names
 *   in any case;
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
import { createRng, hashOf } from './random.ts';
import { HOUR_MS, MINUTE_MS } from './time.ts';

/** The permissions the emulator names on 403 (inferred: Citrix documents none for these APIs). */
export const SYSTEM_LOG_PERMISSION = 'SystemLog.Read';
export const CONFIG_LOG_PERMISSION = 'ConfigLog.Read';

/** How far back either log reaches (the DaaS configuration log keeps 180 days). */
export const AUDIT_RETENTION_MS = 180 * 24 * HOUR_MS;
export const SYSTEM_LOG_LIMITS = { default: 50, max: 200 } as const;
export const CONFIG_LOG_LIMITS = { default: 250, max: 1000 } as const;

const uuid = (...parts: (string | number)[]) => {
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

/** Event types as `service[:area]/target type/action`: the service is the agent, the target type the target's. */
const SYSTEM_EVENTS = [
  'platform/administrator/create',
  'platform/administrator/update',
  'platform/administrator/delete',
  'delegatedadministration:administrator/create',
  'platform/apiclient/create',
  'connector/connector/update',
  'workspace/configuration/update',
  'secureprivateaccess/application/create',
].map((eventType) => {
  const [agent] = eventType.split(/[:/]/) as [string];
  return { eventType, agent, targetType: eventType.split('/').at(-2)! };
});

/** Whole-hour generation: the events of the hour `hour` (hours since the epoch), oldest first. */
function systemLogHour(seed: number, customerId: string, hour: number): Record<string, unknown>[] {
  const random = createRng(hashOf(seed, 'systemlog', customerId, hour));
  return Array.from({ length: random.int(2, 8) }, (_, index) => {
    const at = hour * HOUR_MS + random.int(0, HOUR_MS - 1);
    const kind = SYSTEM_EVENTS[random.int(0, SYSTEM_EVENTS.length - 1)]!;
    const admin = ADMINS[random.int(0, ADMINS.length - 1)]!;
    const system = random.int(0, 4) === 0;
    const target = `${kind.targetType}-${random.int(100, 999)}`;
    const action = kind.eventType.split('/').at(-1);
    const changes = {
      DisplayName: target,
      AccessType: random.int(0, 1) ? 'Full' : 'Custom',
      Pending: 'False',
    };
    return {
      at,
      record: {
        recordId: uuid(seed, 'systemlog-record', customerId, hour, index),
        utcTimestamp: ticks(at, hashOf(seed, 'ticks', hour, index)),
        customerId,
        eventType: kind.eventType,
        targetId: String(hashOf(seed, 'target', target)),
        targetDisplayName: target,
        targetEmail: kind.targetType === 'administrator' ? `${target}@example.com` : null,
        targetUserId:
          kind.targetType === 'administrator' ? uuid(seed, 'user', target).replaceAll('-', '') : null,
        targetType: kind.targetType,
        beforeChanges: action === 'create' ? null : { ...changes, AccessType: 'Custom' },
        afterChanges: action === 'delete' ? null : changes,
        agentId: kind.agent,
        serviceProfileName: null,
        actorId: system ? null : uuid(seed, 'actor', admin),
        actorDisplayName: system ? 'CwcSystem' : admin,
        actorType: system ? 'system' : 'administrator',
        message: {
          'en-US': `${action === 'create' ? 'Created' : action === 'delete' ? 'Deleted' : 'Updated'} ${kind.targetType} '${target}'.`,
        },
      },
    };
  })
    .sort((a, b) => a.at - b.at)
    .map(({ record }) => record);
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
function displayTime(ms: number): string {
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

/** The operations started in hour `hour` of the site, oldest first, as they are once ended. */
function configLogHour(seed: number, customerId: string, hour: number): Operation[] {
  const random = createRng(hashOf(seed, 'configlog', customerId, hour));
  return Array.from({ length: random.int(1, 6) }, (_, index) => {
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
  }).sort((a, b) => a.start - b.start);
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
    systemLogHour(view.seed, customerId, hour).filter((record) => {
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
    configLogHour(view.seed, customerId, hour)
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
function continuation(query: string, offset: number): string {
  return `+RID:~${Buffer.from(JSON.stringify({ q: hashOf(query), o: offset })).toString('base64')}`;
}

function resume(token: string | null, query: string, name: string): number {
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
function invalid(
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
function parameter(params: URLSearchParams, name: string): string | null {
  for (const [key, value] of params) if (key.toLowerCase() === name.toLowerCase()) return value;
  return null;
}

/** `yyyy-MM-ddTHH:mm:ss[.fff]Z`, or a refusal naming the parameter. */
function instantParameter(params: URLSearchParams, name: string, fallback: number): number {
  const value = parameter(params, name);
  if (value === null) return fallback;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$/.test(value) || Number.isNaN(Date.parse(value)))
    throw invalid(`${name} must be a UTC date-time, yyyy-MM-ddTHH:mm:ssZ`, { name, value });
  return Date.parse(value);
}

function limitParameter(
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
function page(items: Record<string, unknown>[], offset: number, limit: number, query: string) {
  const newestFirst = [...items].reverse();
  const served = newestFirst.slice(offset, offset + limit);
  const more = offset + limit < newestFirst.length;
  return { served, next: more ? continuation(query, offset + limit) : null, total: newestFirst.length };
}

/** `GET /systemlog/records`. */
export function systemLogReply(
  view: AuditView,
  customerId: string,
  params: URLSearchParams,
): Record<string, unknown> {
  const from = instantParameter(params, 'StartDateTime', 0);
  const to = instantParameter(params, 'EndDateTime', view.now);
  // A range that ends before it starts is refused, not answered empty: the System Log documents the
  // error `getRecordsDateTimeRangeInvalid` (its type URI under errors-api.cloud.com is INFERRED).
  if (from > to)
    throw new ApiError(
      400,
      {
        type: 'https://errors-api.cloud.com/systemlog/getRecordsDateTimeRangeInvalid',
        detail: 'StartDateTime must not be after EndDateTime',
        parameters: [
          { name: 'StartDateTime', value: new Date(from).toISOString() },
          { name: 'EndDateTime', value: new Date(to).toISOString() },
        ],
      },
      'StartDateTime must not be after EndDateTime',
    );
  const limit = limitParameter(parameter(params, 'Limit'), 'Limit', SYSTEM_LOG_LIMITS);
  const query = `systemlog ${customerId} ${from} ${to}`;
  const offset = resume(parameter(params, 'ContinuationToken'), query, 'ContinuationToken');
  const { served, next, total } = page(systemLogRecords(view, customerId, from, to), offset, limit, query);
  return { items: served, count: served.length, estimatedTotalItems: total, continuationToken: next };
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

const COMPARE: Record<string, (at: number, value: number) => boolean> = {
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
