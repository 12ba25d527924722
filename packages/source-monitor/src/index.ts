/**
 * The Citrix Monitor Service OData source: one pull stream per entity set, windowed on its cursor
 * column, records delivered raw (as Citrix returns them) and tagged with the tenant.
 */
import { CitrixCloudClient, type CitrixCloudConfigInput } from '@ctxsiem/citrix-cloud';
import {
  type CheckResult,
  type ConnectorDeps,
  type OfferedStream,
  parseConfig,
  type Source,
} from '@ctxsiem/core';
import type { Dispatcher } from 'undici';
import { type MonitorOptions, type MonitorOptionsInput, MonitorOptionsSchema } from './config.ts';
import { cursorColumn, defaultLagMinutes } from './entities.ts';
import { parseMetadata } from './odata-model.ts';
import { monitorStream } from './stream.ts';

export interface MonitorSourceConfig {
  options: MonitorOptionsInput;
  connection: CitrixCloudConfigInput;
}

export interface MonitorSourceDeps extends ConnectorDeps {
  dispatcher?: Dispatcher | undefined;
}

export const TENANT_FIELD = 'citrix_customer_id';

export interface MonitorSource extends Source {
  readonly client: CitrixCloudClient;
  readonly options: MonitorOptions;
  listStreams(signal?: AbortSignal): Promise<OfferedStream[]>;
}

/** The service's model: `GET monitorodata/$metadata` (EDMX XML). */
export const METADATA_PATH = 'monitorodata/$metadata';

export function monitorSource(config: MonitorSourceConfig, deps: MonitorSourceDeps): MonitorSource {
  const options = parseConfig('source-monitor', MonitorOptionsSchema, config.options);
  const client = new CitrixCloudClient(config.connection, deps);
  const logger = deps.logger.child({ source: 'monitor' });
  const streams = options.entities.map((entitySet) => monitorStream(entitySet, options, client, logger));

  return {
    type: 'monitor',
    tenant: client.customerId,
    tenantField: TENANT_FIELD,
    streams,
    client,
    options,
    async check(): Promise<CheckResult[]> {
      const results: CheckResult[] = [];
      for (const entitySet of options.entities) {
        try {
          const body = await client.getJson<{ value?: unknown[] }>(`monitorodata/${entitySet}?$top=1`, {});
          results.push({
            name: entitySet,
            ok: true,
            detail: `reachable (${body.value?.length ?? 0} record in a 1-row probe)`,
          });
        } catch (error) {
          results.push({ name: entitySet, ok: false, detail: (error as Error).message });
        }
      }
      return results;
    },
    /**
     * Every entity set the service's `$metadata` describes, with the cursor column it would be windowed
     * on (the known table, else `ModifiedDate`; undefined when the set has no such property) and its lag.
     */
    async listStreams(signal?: AbortSignal): Promise<OfferedStream[]> {
      const sets = parseMetadata(await client.getText(METADATA_PATH, signal ? { signal } : {}));
      return [...sets.values()]
        .map((set) => {
          const cursor = cursorColumn(set.name, options.cursorColumns);
          const usable = set.properties.some((property) => property.name === cursor);
          return {
            name: set.name,
            cursorField: usable ? cursor : undefined,
            lagMinutes: usable
              ? (options.lagMinutes ?? defaultLagMinutes(cursor, options.summaryGranularity))
              : undefined,
            collected: options.entities.includes(set.name),
            fields: set.properties.length,
            key: set.keys.join(', '),
          };
        })
        .sort((a, b) => a.name.localeCompare(b.name));
    },
    metrics: () => ({ ...client.stats }),
    async close() {
      await client.close();
    },
  };
}

export { type MonitorOptions, MonitorOptionsSchema } from './config.ts';
export { cursorColumn, DEFAULT_ENTITIES } from './entities.ts';
export default monitorSource;
export {
  columnType,
  monitorModel,
  type ODataEntitySet,
  type ODataProperty,
  parseMetadata,
  recordColumns,
} from './odata-model.ts';
export { edmZodType, entityRecordSchema, entityZodSchema } from './record-schema.ts';
