/**
 * The sessions of the DaaS site as a pull stream, read as Microsoft's Citrix DaaS connector reads them
 * (`Azure/Azure-Sentinel` `Solutions/Citrix DaaS/Data Connectors/CitrixDaaS_CCF/CitrixDaaS_PollingConfig.json`
 * @ 5694e62307694e7f06372aec41e319483170d43e): `POST {api}/cvad/manage/Sessions/$search?limit&
 * continuationToken` with `Citrix-InstanceId`, windows of 15 minutes (`queryWindowInMin: 15`) filtered on
 * `SessionStateChangeTime` (`GreaterThanOrEquals` the start, `LessThan` the end), the continuation token as
 * the resume token.
 *
 * The API lists the sessions the site has now (citrix-daas-rest-go @ 1ec0933fb0fed11b41dda4095d25f853ef8af548
 * `SessionsDoSessionSearch`, `SessionResponseModel`), each as it stands now: a window holds the sessions
 * whose **last** state change falls in it. So a record is a session in one state (`State`, since
 * `FormattedStateChangeTime`): each state the session is still in when its window is read is delivered
 * once; a state that changed again before then is not listed by the API at all, nor a session that ended
 * (hence the short `sessionsLagMinutes`). Sessions are delivered as the API answers them (PascalCase),
 * tagged with the tenant; a session seen again unchanged is the same record.
 *
 * Named `daasSessions`, not `sessions`: a stream's folder is `{prefix}/{stream}/` (one SecOps feed each),
 * and the Analytics source has a `sessions` stream.
 */
import type { CitrixCloudClient } from '@ctxsiem/citrix-cloud';
import { formatODataInstant } from '@ctxsiem/citrix-cloud';
import {
  type Column,
  MINUTE_MS,
  type Page,
  type PullStream,
  type TableProjection,
  type Window,
} from '@ctxsiem/core';
import { z } from 'zod';
import type { DaasConfigLogOptions } from './config.ts';
import { searchPages } from './search.ts';
import { instant } from './stream.ts';

export const SESSIONS_SEARCH_PATH = 'cvad/manage/Sessions/$search';

/** Microsoft's connector's window: a quarter hour. */
export const SESSION_WINDOW_MS = 15 * MINUTE_MS;

/** What every session must carry to be placed and told apart; other fields are kept as sent. */
export const SessionSchema = z.looseObject({
  Id: z.string().min(1, 'Id must not be empty'),
  FormattedStateChangeTime: instant,
  FormattedStartTime: instant.nullable().optional(),
  State: z.string().nullable().optional(),
});

export const SESSION_COLUMNS: readonly Column[] = [
  { name: 'Id', type: 'string' },
  { name: 'Uid', type: 'int' },
  { name: 'SessionType', type: 'string' },
  { name: 'State', type: 'string' },
  { name: 'StateChangeTime', type: 'string' },
  { name: 'FormattedStateChangeTime', type: 'datetime' },
  { name: 'AppState', type: 'string' },
  { name: 'AppStateLastChangeTime', type: 'string' },
  { name: 'FormattedAppStateLastChangeTime', type: 'datetime' },
  { name: 'UntrustedUserName', type: 'string' },
  { name: 'StartTime', type: 'string' },
  { name: 'FormattedStartTime', type: 'datetime' },
  { name: 'EstablishmentDurationMilliseconds', type: 'int' },
  { name: 'EstablishmentTime', type: 'string' },
  { name: 'FormattedEstablishmentTime', type: 'datetime' },
  { name: 'IsAnonymousUser', type: 'boolean' },
  { name: 'IsHidden', type: 'boolean' },
  { name: 'LogoffInProgress', type: 'boolean' },
  { name: 'LogonInProgress', type: 'boolean' },
  { name: 'ApplicationsInUse', type: 'dynamic' },
  { name: 'Brokering', type: 'dynamic' },
  { name: 'Client', type: 'dynamic' },
  { name: 'Connection', type: 'dynamic' },
  { name: 'Machine', type: 'dynamic' },
  { name: 'User', type: 'dynamic' },
];

/**
 * Microsoft's `CitrixDaaSSessions_CL` (the Citrix DaaS solution's `CitrixDaaS_table_Sessions.json` and the
 * `Custom-CitrixDaaSSessions_CL` data flow of `CitrixDaaS_DCR.json`; a copy with its source in
 * `test/fixtures/citrix-daas-sessions-table.json`): its columns in its order, then what it leaves out, and
 * its transform, with the customer id from the tenant field.
 */
export function sessionsTable(tenantField: string): TableProjection {
  return {
    columns: [
      { name: 'SessionId', type: 'string' },
      { name: 'SessionType', type: 'string' },
      { name: 'State', type: 'string' },
      { name: 'AppState', type: 'string' },
      { name: 'UserName', type: 'string' },
      { name: 'StartTime', type: 'datetime' },
      { name: 'StateChangeTime', type: 'datetime' },
      { name: 'IsAnonymousUser', type: 'boolean' },
      { name: 'ConnectionProtocol', type: 'string' },
      { name: 'ConnectedViaIp', type: 'string' },
      { name: 'ClientIpAddress', type: 'string' },
      { name: 'ClientName', type: 'string' },
      { name: 'CitrixCustomerId', type: 'string' },
      // Then what Microsoft's table leaves out: the session's parts, as they come.
      ...SESSION_COLUMNS.filter((column) => column.type === 'dynamic'),
    ],
    transformKql:
      'source | extend TimeGenerated = iff(isnotempty(FormattedStartTime), todatetime(FormattedStartTime), now()), ' +
      "SessionId = ['Id'], UserName = ['UntrustedUserName'], StartTime = todatetime(['FormattedStartTime']), " +
      "StateChangeTime = todatetime(['FormattedStateChangeTime']), ConnectionProtocol = tostring(Connection.Protocol), " +
      'ConnectedViaIp = tostring(Connection.ConnectedViaIP), ClientIpAddress = tostring(Client.IPAddress), ' +
      `ClientName = tostring(Client.Name), CitrixCustomerId = ['${tenantField}'] ` +
      '| project TimeGenerated, SessionId, SessionType, State, AppState, UserName, StartTime, StateChangeTime, ' +
      'IsAnonymousUser, ConnectionProtocol, ConnectedViaIp, ClientIpAddress, ClientName, CitrixCustomerId, ' +
      'ApplicationsInUse, Brokering, Client, Connection, Machine, User',
  };
}

/** The `$search` body of a window: sessions whose last state change is in `[from, to)`. */
export function sessionWindowSearch(window: Window): Record<string, unknown> {
  return {
    SearchFilters: [
      {
        Property: 'SessionStateChangeTime',
        Value: formatODataInstant(window.from),
        Operator: 'GreaterThanOrEquals',
      },
      { Property: 'SessionStateChangeTime', Value: formatODataInstant(window.to), Operator: 'LessThan' },
    ],
  };
}

export function sessionsStream(
  options: DaasConfigLogOptions,
  client: CitrixCloudClient,
  site: (signal: AbortSignal) => Promise<string>,
  tenantField: string,
): PullStream {
  return {
    name: 'daasSessions',
    cursorField: 'FormattedStateChangeTime',
    window: {
      alignMs: SESSION_WINDOW_MS,
      maxWindowMs: SESSION_WINDOW_MS,
      lagMs: options.sessionsLagMinutes * MINUTE_MS,
    },
    schema: SessionSchema,
    columns: SESSION_COLUMNS,
    azureTable: sessionsTable(tenantField),
    async *read(window, resume, signal): AsyncIterable<Page> {
      const headers = { 'Citrix-InstanceId': await site(signal) };
      const pages = searchPages(
        client,
        {
          path: SESSIONS_SEARCH_PATH,
          body: sessionWindowSearch(window),
          pageSize: options.pageSize,
          headers,
          token: resume,
        },
        signal,
      );
      for await (const page of pages) yield { records: page.items, next: page.next };
    },
  };
}
