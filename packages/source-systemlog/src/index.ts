/**
 * The System Log source: the Citrix Cloud System Log's records — administrators, API clients,
 * connectors, Workspace and Secure Private Access changes — through the Citrix Cloud client (one request
 * in flight per tenant, retries honouring Retry-After, token refresh, no retry on 403, the origin guard),
 * hour by hour, records tagged with the tenant.
 */
import { CitrixCloudClient, type CitrixCloudConfigInput, formatODataInstant } from '@ctxsiem/citrix-cloud';
import {
  type CheckResult,
  type ConnectorDeps,
  floorTo,
  HOUR_MS,
  parseConfig,
  type Source,
} from '@ctxsiem/core';
import type { Dispatcher } from 'undici';
import { type SystemLogOptions, type SystemLogOptionsInput, SystemLogOptionsSchema } from './config.ts';
import { SYSTEM_LOG_PATH, systemLogStream } from './stream.ts';

export const TENANT_FIELD = 'citrix_customer_id';

export interface SystemLogSourceConfig {
  options: SystemLogOptionsInput;
  connection: CitrixCloudConfigInput;
}

export interface SystemLogSourceDeps extends ConnectorDeps {
  dispatcher?: Dispatcher | undefined;
}

export interface SystemLogSource extends Source {
  readonly client: CitrixCloudClient;
  readonly options: SystemLogOptions;
  check(): Promise<CheckResult[]>;
  metrics(): Record<string, number>;
  close(): Promise<void>;
}

export function systemLogSource(config: SystemLogSourceConfig, deps: SystemLogSourceDeps): SystemLogSource {
  const options = parseConfig('source-systemlog', SystemLogOptionsSchema, config.options);
  const client = new CitrixCloudClient(config.connection, deps);
  return {
    type: 'systemlog',
    tenant: client.customerId,
    tenantField: TENANT_FIELD,
    streams: [systemLogStream(options, client)],
    client,
    options,
    async check(): Promise<CheckResult[]> {
      const since = formatODataInstant(new Date(floorTo(deps.clock.now() - HOUR_MS, 1000)));
      try {
        await client.getJson(`${SYSTEM_LOG_PATH}?StartDateTime=${since}&Limit=1`, {
          ...(deps.signal ? { signal: deps.signal } : {}),
        });
        return [{ name: 'records', ok: true, detail: 'reachable' }];
      } catch (error) {
        return [{ name: 'records', ok: false, detail: (error as Error).message }];
      }
    },
    metrics: () => ({ ...client.stats }),
    async close() {
      await client.close();
    },
  };
}

export { type SystemLogOptions, type SystemLogOptionsInput, SystemLogOptionsSchema } from './config.ts';
export {
  camelCaseRecord,
  SYSTEM_LOG_COLUMNS,
  SYSTEM_LOG_PATH,
  SystemLogRecordSchema,
  systemLogStream,
} from './stream.ts';
export default systemLogSource;
