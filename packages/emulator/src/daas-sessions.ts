/**
 * The DaaS Manage API's sessions: `POST /cvad/manage/Sessions/$search?limit&continuationToken&skip` with
 * `Citrix-InstanceId` (the site) and a `MachineAndSessionSearchRequestModel` body (`SearchFilters` of
 * `{Property, Value, Operator}`), answering a `SessionResponseModelCollection` (`Items`,
 * `ContinuationToken`, `TotalItems`).
 *
 * Sources:
 * - the operation, its parameters and models: Citrix's generated SDK `citrix/citrix-daas-rest-go`
 *   @ 1ec0933fb0fed11b41dda4095d25f853ef8af548, `citrixorchestration/docs/SessionsAPIsDAAS.md`
 *   (`SessionsDoSessionSearch`: `limit` — "the server might use a default limit of 250 items. If the
 *   specified value is larger than 1000, the server might reject the call" —, `continuationToken`, `skip`),
 *   `MachineAndSessionSearchRequestModel.md`, `MachineAndSessionSearchProperty.md` (`SessionStateChangeTime`,
 *   `StartTime`, `SessionState`, `CurrentUser` among its values), `SearchOperator.md`,
 *   `SessionResponseModelCollection.md`, `SessionResponseModel.md`, `SessionClientResponseModel.md`,
 *   `SessionConnectionResponseModel.md`, `SessionBrokeringResponseModel.md`, and the enums `SessionState`
 *   (Unknown, Connected, Active, Disconnected), `SessionType`, `AppState`, `ProtocolType`, `ConnectionMode`;
 * - Citrix's "How to perform an advanced search for sessions" (developer-docs.citrix.com/en-us/
 *   citrix-daas-service-apis/citrix-daas-rest-apis/how-to-perform-an-advanced-search-for-sessions): the
 *   request headers and body, and a sample whose display times read `11/16/2020 2:01:04 PM`;
 * - Microsoft's Citrix DaaS connector (`Azure/Azure-Sentinel` `Solutions/Citrix DaaS/Data Connectors/
 *   CitrixDaaS_CCF/CitrixDaaS_PollingConfig.json` @ 5694e62307694e7f06372aec41e319483170d43e): the window
 *   filter `SessionStateChangeTime` `GreaterThanOrEquals` start, `LessThan` end, paging by
 *   `ContinuationToken` in the query string.
 *
 * The API lists the sessions the site has **now** (a session logged off is gone), each as it stands now.
 * What the emulator adds, INFERRED: a few sessions start per hour (a pure function of seed, customer and
 * hour), each lives up to eight hours, is `Connected` while it logs on, then `Active`, possibly
 * `Disconnected` and `Active` again; the subset of the models' fields it fills; the order of items (newest
 * start first, as the configuration log search answers); the 400s for what it does not model (other
 * search properties, filter groups, `async`).
 */
import {
  type AuditView,
  COMPARE,
  invalid,
  limitParameter,
  page,
  parameter,
  resume,
  uuid,
} from './admin-audit.ts';
import { createRng, hashOf } from './random.ts';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from './time.ts';

/** `limit`'s default and largest value (citrix-daas-rest-go `SessionsDoSessionSearch`). */
export const SESSION_SEARCH_LIMITS = { default: 250, max: 1000 } as const;
/** INFERRED: how long a DaaS session lives at most in the emulator. */
export const DAAS_SESSION_MAX_LIFETIME_MS = 8 * HOUR_MS;
/** The permission the emulator names on 403 (INFERRED: Citrix documents none for this API). */
export const SESSIONS_PERMISSION = 'Sessions.Read';

/** The search properties the emulator filters on (a subset of `MachineAndSessionSearchProperty`). */
export const SESSION_SEARCH_PROPERTIES = [
  'SessionStateChangeTime',
  'StartTime',
  'SessionState',
  'CurrentUser',
];

const USERS = ['ana.silva', 'raj.patel', 'li.wei', 'sam.okafor', 'mia.novak', 'tom.berg', 'ida.lund'];
const APPLICATIONS = ['Excel', 'Word', 'Outlook', 'SAP GUI', 'Notepad++'];
const PLATFORMS = [
  { Platform: 'Windows', ProductId: 1, Version: '24.11.0.97' },
  { Platform: 'Mac', ProductId: 82, Version: '24.08.0.62' },
  { Platform: 'HTML5', ProductId: 257, Version: '24.9.0.28' },
];

/** `M/d/yyyy h:mm:ss AM` — the sessions sample's display time. */
function sessionTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  const h = d.getUTCHours() % 12 || 12;
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${d.getUTCHours() < 12 ? 'AM' : 'PM'}`;
}

interface DaasSession {
  start: number;
  /** When it became active (logon done). */
  active: number;
  disconnect: number | null;
  reconnect: number | null;
  /** Logoff: from then on the API does not list it. */
  end: number;
  index: number;
  hour: number;
}

/** The sessions started in hour `hour` (since the epoch) of a customer's site, oldest first. */
function sessionsOfHour(seed: number, customerId: string, hour: number): DaasSession[] {
  const random = createRng(hashOf(seed, 'daas-sessions', customerId, hour));
  return Array.from({ length: random.int(4, 13) }, (_, index) => {
    const start = hour * HOUR_MS + random.int(0, HOUR_MS);
    const active = start + random.int(5 * SECOND_MS, 90 * SECOND_MS);
    const end = active + random.int(10 * MINUTE_MS, DAAS_SESSION_MAX_LIFETIME_MS - 2 * MINUTE_MS);
    const disconnect = random.chance(0.4) ? random.int(active + MINUTE_MS, end) : null;
    const reconnect = disconnect !== null && random.chance(0.5) ? random.int(disconnect, end) : null;
    return { start, active, disconnect, reconnect, end, index, hour };
  }).sort((a, b) => a.start - b.start);
}

/** The session's state at `now` and since when; undefined when it has not started or has ended. */
function stateAt(session: DaasSession, now: number): { state: string; since: number } | undefined {
  if (now < session.start || now >= session.end) return undefined;
  if (session.reconnect !== null && now >= session.reconnect)
    return { state: 'Active', since: session.reconnect };
  if (session.disconnect !== null && now >= session.disconnect)
    return { state: 'Disconnected', since: session.disconnect };
  if (now >= session.active) return { state: 'Active', since: session.active };
  return { state: 'Connected', since: session.start };
}

/** A session as `SessionResponseModel`, as it stands at `now`. */
function sessionRecord(
  seed: number,
  customerId: string,
  session: DaasSession,
  state: { state: string; since: number },
): Record<string, unknown> {
  const random = createRng(hashOf(seed, 'daas-session-detail', customerId, session.hour, session.index));
  const user = USERS[random.int(0, USERS.length)]!;
  const application = random.chance(0.6) ? APPLICATIONS[random.int(0, APPLICATIONS.length)]! : null;
  const platform = PLATFORMS[random.int(0, PLATFORMS.length)]!;
  const machine = random.int(1, 41);
  const clientName = `CLIENT-${random.int(100, 1000)}`;
  const clientIp = `203.0.113.${random.int(2, 255)}`;
  const gateway = `10.1.0.${random.int(2, 20)}`;
  const establishment = random.int(800, 9000);
  const brokered = session.start - random.int(500, 4000);
  const sid = `S-1-5-21-${hashOf(seed, 'sid', user) % 1_000_000_000}-${1100 + USERS.indexOf(user)}`;
  const appState =
    state.state === 'Connected'
      ? 'PreLogon'
      : application
        ? state.state === 'Active'
          ? 'Active'
          : 'Lingering'
        : 'Desktop';
  const appSince = state.state === 'Connected' ? session.start : Math.max(session.active, state.since);
  return {
    Id: uuid(seed, 'daas-session', customerId, session.hour, session.index),
    Uid: (session.hour % 20_000) * 100 + session.index,
    ApplicationsInUse: application
      ? [{ Id: uuid(seed, 'daas-application', application), Uid: null, Name: application }]
      : [],
    AppState: appState,
    AppStateLastChangeTime: sessionTime(appSince),
    FormattedAppStateLastChangeTime: new Date(appSince).toISOString(),
    Brokering: {
      AutonomouslyBrokered: false,
      DurationMilliseconds: session.start - brokered,
      Time: sessionTime(brokered),
      FormattedTime: new Date(brokered).toISOString(),
      UserName: `EXAMPLE\\${user}`,
      UserSid: sid,
    },
    Client: {
      DeviceId: uuid(seed, 'daas-device', clientName),
      HardwareId: uuid(seed, 'daas-hardware', clientName),
      IPAddress: clientIp,
      Name: clientName,
      Platform: platform.Platform,
      ProductId: platform.ProductId,
      ReceiverIPAddress: clientIp,
      ReceiverName: clientName,
      Version: platform.Version,
    },
    Connection: {
      ConnectedViaHostName: `gateway-${gateway.split('.').at(-1)}`,
      ConnectedViaIP: gateway,
      ConnectionMode: 'Brokered',
      LaunchedViaHostName: 'workspace.cloud.com',
      LaunchedViaIP: null,
      Protocol: 'Hdx',
      SecureIcaActive: false,
      SmartAccessTags: [],
      LaunchedViaPublishedName: application ?? 'Windows Desktop',
    },
    EstablishmentDurationMilliseconds: establishment,
    EstablishmentTime: sessionTime(session.start + establishment),
    FormattedEstablishmentTime: new Date(session.start + establishment).toISOString(),
    IsAnonymousUser: false,
    IsHidden: false,
    LogoffInProgress: false,
    LogonInProgress: state.state === 'Connected',
    Machine: {
      Id: uuid(seed, 'daas-machine', customerId, machine),
      Name: `EXAMPLE\\VDA-${String(machine).padStart(3, '0')}`,
    },
    SessionType: application ? 'Application' : 'Desktop',
    StartTime: sessionTime(session.start),
    FormattedStartTime: new Date(session.start).toISOString(),
    State: state.state,
    StateChangeTime: sessionTime(state.since),
    FormattedStateChangeTime: new Date(state.since).toISOString(),
    UntrustedUserName: `EXAMPLE\\${user}`,
    User: {
      DisplayName: user
        .split('.')
        .map((part) => part[0]!.toUpperCase() + part.slice(1))
        .join(' '),
      SamName: `EXAMPLE\\${user}`,
      PrincipalName: `${user}@example.com`,
      Sid: sid,
      PropertiesFetched: 0,
    },
  };
}

/** Every session the site lists at `view.now`, oldest start first, as it stands then. */
export function daasSessionsAt(view: AuditView, customerId: string): Record<string, unknown>[] {
  const last = Math.floor(view.now / HOUR_MS);
  const first = Math.floor((view.now - DAAS_SESSION_MAX_LIFETIME_MS) / HOUR_MS);
  const listed: Record<string, unknown>[] = [];
  for (let hour = first; hour <= last; hour++)
    for (const session of sessionsOfHour(view.seed, customerId, hour)) {
      const state = stateAt(session, view.now);
      if (state) listed.push(sessionRecord(view.seed, customerId, session, state));
    }
  return listed;
}

interface Filter {
  Property?: unknown;
  Value?: unknown;
  Operator?: unknown;
}

/** A search filter as a predicate on a session record, or a 400 naming what the emulator cannot do. */
function predicate(filter: Filter): (session: Record<string, unknown>) => boolean {
  const property = String(filter.Property);
  const operator = String(filter.Operator);
  const value = filter.Value === null || filter.Value === undefined ? '' : String(filter.Value);
  if (property === 'SessionStateChangeTime' || property === 'StartTime') {
    const compare = COMPARE[operator];
    const at = Date.parse(value);
    if (!compare || Number.isNaN(at))
      throw invalid(`unsupported ${property} filter ${operator} ${value}`, {
        name: 'Operator',
        value: operator,
      });
    const field = property === 'StartTime' ? 'FormattedStartTime' : 'FormattedStateChangeTime';
    return (session) => compare(Date.parse(String(session[field])), at);
  }
  if (property === 'SessionState' || property === 'CurrentUser') {
    if (operator !== 'Equals' && operator !== 'NotEquals')
      throw invalid(`the emulator compares ${property} with Equals or NotEquals only, not ${operator}`, {
        name: 'Operator',
        value: operator,
      });
    const field = property === 'SessionState' ? 'State' : 'UntrustedUserName';
    const equals = (session: Record<string, unknown>) =>
      String(session[field]).toLowerCase() === value.toLowerCase();
    return operator === 'Equals' ? equals : (session) => !equals(session);
  }
  throw invalid(
    `the emulator filters sessions on ${SESSION_SEARCH_PROPERTIES.join(', ')} only, not ${property}`,
    {
      name: 'Property',
      value: property,
    },
  );
}

/** `POST /cvad/manage/Sessions/$search`. */
export function sessionSearchReply(
  view: AuditView,
  customerId: string,
  params: URLSearchParams,
  body: unknown,
): Record<string, unknown> {
  const request = (body ?? {}) as { SearchFilters?: unknown; SearchFilterGroups?: unknown };
  const filters = request.SearchFilters ?? [];
  if (!Array.isArray(filters))
    throw invalid('SearchFilters must be an array', {
      name: 'SearchFilters',
      value: JSON.stringify(filters),
    });
  if (Array.isArray(request.SearchFilterGroups) && request.SearchFilterGroups.length > 0)
    throw invalid('the emulator does not model SearchFilterGroups', {
      name: 'SearchFilterGroups',
      value: JSON.stringify(request.SearchFilterGroups),
    });
  if (parameter(params, 'async')?.toLowerCase() === 'true')
    throw invalid('the emulator does not run searches as jobs (async)', { name: 'async', value: 'true' });
  const tests = (filters as Filter[]).map(predicate);
  const limit = limitParameter(parameter(params, 'limit'), 'limit', SESSION_SEARCH_LIMITS);
  const skipValue = parameter(params, 'skip');
  const skip = skipValue === null ? 0 : Number(skipValue);
  if (!Number.isInteger(skip) || skip < 0)
    throw invalid(
      'skip must be a whole number from 0',
      { name: 'skip', value: String(skipValue) },
      'outOfRange',
    );
  const query = `sessions ${customerId} ${JSON.stringify(filters)} ${skip}`;
  const token = parameter(params, 'continuationToken');
  const offset = token ? resume(token, query, 'continuationToken') : skip;
  const selected = daasSessionsAt(view, customerId).filter((session) => tests.every((test) => test(session)));
  const { served, next, total } = page(selected, offset, limit, query);
  return { Items: served, ContinuationToken: next, TotalItems: total };
}
