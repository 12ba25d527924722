/**
 * The Citrix Monitor Service OData source: one pull stream per entity set, windowed on its cursor
 * column, records delivered raw (as Citrix returns them) and tagged with the tenant.
 */
import { CitrixCloudClient, type CitrixCloudConfigInput, raceAbort } from '@ctxsiem/citrix-cloud';
import {
  type CheckResult,
  type ConnectorDeps,
  checkpointKey,
  type OfferedStream,
  parseConfig,
  type Source,
  SourceError,
} from '@ctxsiem/core';
import { monitorEntitySet } from '@ctxsiem/monitor-model';
import type { Dispatcher } from 'undici';
import { type MonitorOptions, type MonitorOptionsInput, MonitorOptionsSchema } from './config.ts';
import { cursorColumn, cursorKind, defaultLagMinutes, slotMinutes } from './entities.ts';
import { monitorModel, type ODataEntitySet, servedModel } from './odata-model.ts';
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

/** What backs a set's model in `preview --list-streams`. */
function verifiedBy(name: string): string | undefined {
  const set = monitorEntitySet(name);
  if (!set) return undefined;
  return set.keysInferred ? 'Citrix OpenAPI (key inferred)' : 'Citrix OpenAPI';
}

export function monitorSource(config: MonitorSourceConfig, deps: MonitorSourceDeps): MonitorSource {
  const options = parseConfig('source-monitor', MonitorOptionsSchema, config.options);
  const client = new CitrixCloudClient(config.connection, deps);
  const logger = deps.logger.child({ source: 'monitor' });

  /**
   * The service's own model, read once per run (one source is one run of one tenant): the record
   * schemas follow what the tenant's service says it serves. A service that does not answer it (an
   * older one, a proxy) leaves Citrix's published model in force, said once in the log.
   */
  let served: Promise<ReadonlyMap<string, ODataEntitySet>> | undefined;
  // One request shared by every stream of the run, so no one caller's signal cancels it: a stream whose
  // reading is cancelled (a read-ahead the run did not go on to) gives up its own wait only, and the
  // other streams still get the model.
  const serviceModel = (signal: AbortSignal) => {
    served ??= client.getText(METADATA_PATH).then(
      (xml) => {
        const sets = servedModel(xml);
        if (sets.size > 0) return sets;
        logger.warn("the service's $metadata names no entity set: validating with Citrix's published model");
        return monitorModel();
      },
      (error: unknown) => {
        // Refused for want of permission (which every query of the API client would be too): fail fast.
        if (error instanceof SourceError && error.status === 403) throw error;
        logger.warn(
          { reason: (error as Error).message },
          "the service's $metadata could not be read: validating with Citrix's published model",
        );
        return monitorModel();
      },
    );
    return raceAbort(served, signal);
  };
  const context = {
    options,
    client,
    logger,
    serviceModel,
    documents: deps.documents,
    streamKey: (entitySet: string) => checkpointKey(client.customerId, 'monitor', entitySet),
  };
  const streams = options.entities.map((entitySet) => monitorStream(entitySet, context));

  return {
    type: 'monitor',
    tenant: client.customerId,
    tenantField: TENANT_FIELD,
    streams,
    client,
    options,
    /**
     * A one-row query per stream: reachable, and whether that row differs from the model (schema drift,
     * named with both types) or would be dead-lettered.
     */
    async check(): Promise<CheckResult[]> {
      const results: CheckResult[] = [];
      for (const stream of streams) {
        try {
          const body = await client.getJson<{ value?: unknown[] }>(`monitorodata/${stream.name}?$top=1`, {});
          const [row] = body.value ?? [];
          const verdict = row === undefined ? undefined : stream.schema?.safeParse(row);
          const drift =
            verdict?.success && verdict.drift
              ? `; schema drift: ${verdict.drift.map((d) => `${d.field} is ${d.found}, the model says ${d.expected}`).join('; ')}`
              : '';
          results.push({
            name: stream.name,
            ok: verdict === undefined || verdict.success,
            detail:
              verdict && !verdict.success
                ? `reachable, but its row would be dead-lettered: ${verdict.error.message}`
                : `reachable (${body.value?.length ?? 0} record in a 1-row probe)${drift}`,
          });
        } catch (error) {
          results.push({ name: stream.name, ok: false, detail: (error as Error).message });
        }
      }
      return results;
    },
    /**
     * Every entity set the service's `$metadata` describes, with how it would be collected: the cursor
     * column it would be windowed on and its lag (undefined when the set has no such property), or read
     * whole as a snapshot; its key; and what publication backs its model.
     */
    async listStreams(signal?: AbortSignal): Promise<OfferedStream[]> {
      const sets = servedModel(await client.getText(METADATA_PATH, signal ? { signal } : {}));
      return [...sets.values()]
        .map((set): OfferedStream => {
          const cursor = cursorColumn(set.name, options.cursorColumns);
          const base = {
            name: set.name,
            collected: options.entities.includes(set.name),
            fields: set.properties.length,
            key: set.keys.join(', '),
            verifiedBy: verifiedBy(set.name),
          };
          if (cursor === undefined) return { ...base, cursorField: undefined, lagMinutes: 0, snapshot: true };
          const usable = set.properties.some((property) => property.name === cursor);
          const lag =
            options.lagMinutes ??
            defaultLagMinutes(
              cursorKind(set.name, cursor),
              cursor,
              slotMinutes(set.name, options.summaryGranularity),
            );
          return { ...base, cursorField: usable ? cursor : undefined, lagMinutes: usable ? lag : undefined };
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
  servedModel,
} from './odata-model.ts';
export { edmZodType, entityRecordSchema } from './record-schema.ts';
export { SNAPSHOT_TIME_FIELD } from './stream.ts';
