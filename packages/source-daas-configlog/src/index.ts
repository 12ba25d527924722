/**
 * The DaaS configuration log source: every operation administrators ran on the Citrix DaaS site —
 * Studio, PowerShell, the API — with its low-level operations, hour by hour, and the site's sessions
 * quarter by quarter, from the Manage API, through the Citrix Cloud client (one request in flight per
 * tenant, retries honouring Retry-After, token refresh, no retry on 403, the origin guard), records
 * tagged with the tenant.
 */
import { CitrixCloudClient, type CitrixCloudConfigInput } from '@ctxsiem/citrix-cloud';
import { type CheckResult, type ConnectorDeps, HOUR_MS, parseConfig, type Source } from '@ctxsiem/core';
import type { Dispatcher } from 'undici';
import {
  type DaasConfigLogOptions,
  type DaasConfigLogOptionsInput,
  DaasConfigLogOptionsSchema,
  selectedStreams,
} from './config.ts';
import { SESSIONS_SEARCH_PATH, sessionsStream, sessionWindowSearch } from './sessions.ts';
import { discoverSite } from './site.ts';
import { CONFIG_LOG_SEARCH_PATH, operationsStream, windowSearch } from './stream.ts';

export const TENANT_FIELD = 'citrix_customer_id';

export interface DaasConfigLogSourceConfig {
  options: DaasConfigLogOptionsInput;
  connection: CitrixCloudConfigInput;
}

export interface DaasConfigLogSourceDeps extends ConnectorDeps {
  dispatcher?: Dispatcher | undefined;
}

export interface DaasConfigLogSource extends Source {
  readonly client: CitrixCloudClient;
  readonly options: DaasConfigLogOptions;
  /** The site collected (`Citrix-InstanceId`), found on first use. */
  site(signal?: AbortSignal): Promise<string>;
  check(): Promise<CheckResult[]>;
  metrics(): Record<string, number>;
  close(): Promise<void>;
}

export function daasConfigLogSource(
  config: DaasConfigLogSourceConfig,
  deps: DaasConfigLogSourceDeps,
): DaasConfigLogSource {
  const options = parseConfig('source-daasconfiglog', DaasConfigLogOptionsSchema, config.options);
  const client = new CitrixCloudClient(config.connection, deps);
  let found: Promise<string> | undefined;
  const site = (signal: AbortSignal = new AbortController().signal) => {
    // A failed discovery is asked again next time (a site may be thawed, a permission granted).
    found ??= discoverSite(client, options.siteId, signal).catch((error) => {
      found = undefined;
      throw error;
    });
    return found;
  };
  return {
    type: 'daasconfiglog',
    tenant: client.customerId,
    tenantField: TENANT_FIELD,
    streams: selectedStreams(options).map((name) =>
      name === 'operations'
        ? operationsStream(options, client, site, TENANT_FIELD)
        : sessionsStream(options, client, site, TENANT_FIELD),
    ),
    client,
    options,
    site,
    /** Per stream: the site, then one search of a single item over the last hour (its permission). */
    async check(): Promise<CheckResult[]> {
      const signal = deps.signal ?? new AbortController().signal;
      const to = new Date(Math.floor(deps.clock.now() / 1000) * 1000);
      const window = { from: new Date(to.getTime() - HOUR_MS), to };
      const results: CheckResult[] = [];
      for (const name of selectedStreams(options)) {
        try {
          const headers = { 'Citrix-InstanceId': await site(signal) };
          const [path, body] =
            name === 'operations'
              ? [CONFIG_LOG_SEARCH_PATH, windowSearch(window)]
              : [SESSIONS_SEARCH_PATH, sessionWindowSearch(window)];
          const answer = (await client.searchJson(`${path}?limit=1`, body, { headers, signal })) as {
            TotalItems?: unknown;
          };
          const total =
            typeof answer?.TotalItems === 'number' ? `, ${answer.TotalItems} in the last hour` : '';
          results.push({ name, ok: true, detail: `site ${headers['Citrix-InstanceId']}${total}` });
        } catch (error) {
          results.push({ name, ok: false, detail: (error as Error).message });
        }
      }
      return results;
    },
    metrics: () => ({ ...client.stats }),
    async close() {
      await client.close();
    },
  };
}

export {
  DAAS_STREAMS,
  type DaasConfigLogOptions,
  type DaasConfigLogOptionsInput,
  DaasConfigLogOptionsSchema,
  type DaasStreamName,
  selectedStreams,
} from './config.ts';
export {
  decodeResume,
  encodeResume,
  LOW_LEVEL_LIMIT,
  type LowLevelStatus,
  lowLevelPath,
  operationIdentity,
} from './low-level.ts';
export {
  SESSION_COLUMNS,
  SESSION_WINDOW_MS,
  SESSIONS_SEARCH_PATH,
  SessionSchema,
  sessionsStream,
  sessionsTable,
  sessionWindowSearch,
} from './sessions.ts';
export { discoverSite, ME_PATH, SiteDiscoveryError } from './site.ts';
export {
  CONFIG_LOG_SEARCH_PATH,
  configOpsTable,
  OPERATION_COLUMNS,
  OperationSchema,
  operationsStream,
  windowSearch,
} from './stream.ts';
export default daasConfigLogSource;
