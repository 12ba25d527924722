/**
 * The Citrix Analytics for Performance (casodata) source: one pull stream per entity, one window per
 * complete UTC hour, every due hour collected in order (catching up after missed runs), records in the
 * seed's envelope and tagged with the tenant.
 */
import { CitrixCloudClient, type CitrixCloudConfigInput } from '@ctxsiem/citrix-cloud';
import {
  type CheckResult,
  type ConnectorDeps,
  floorTo,
  HOUR_MS,
  isoSeconds,
  MINUTE_MS,
  parseConfig,
  positionFromLegacyState,
  type Source,
} from '@ctxsiem/core';
import type { Dispatcher } from 'undici';
import { type AnalyticsOptions, type AnalyticsOptionsInput, AnalyticsOptionsSchema } from './config.ts';
import { analyticsStream, analyticsWindowPolicy, casodataPageUrl } from './stream.ts';

export interface AnalyticsSourceConfig {
  options: AnalyticsOptionsInput;
  connection: CitrixCloudConfigInput;
}

export interface AnalyticsSourceDeps extends ConnectorDeps {
  dispatcher?: Dispatcher | undefined;
}

export const TENANT_FIELD = 'citrix_customer_id';

export interface AnalyticsSource extends Source {
  readonly client: CitrixCloudClient;
  readonly options: AnalyticsOptions;
  /** Where a stream without a checkpoint starts: the hour after the legacy state, else the seed's fallback. */
  readonly start: Date;
  check(): Promise<CheckResult[]>;
  /** The client's counters (requests, retries, throttled, reauthentications) for the run summary. */
  metrics(): Record<string, number>;
  close(): Promise<void>;
}

/** The seed's fallback hour for a run without state: the hour containing `now - lookbackMinutes`. */
export function fallbackHour(now: number, lookbackMinutes: number): Date {
  return new Date(floorTo(now - lookbackMinutes * MINUTE_MS, HOUR_MS));
}

/** The latest hour that is due at `now`: it ended at least `lookbackMinutes - 60` minutes ago. */
export function lastCompleteHour(now: number, lookbackMinutes: number): Date {
  const { lagMs } = analyticsWindowPolicy(lookbackMinutes);
  return new Date(floorTo(now - lagMs, HOUR_MS) - HOUR_MS);
}

export function analyticsSource(config: AnalyticsSourceConfig, deps: AnalyticsSourceDeps): AnalyticsSource {
  const options = parseConfig('source-analytics', AnalyticsOptionsSchema, config.options);
  const client = new CitrixCloudClient(config.connection, deps);
  const streams = options.entities.map((entity) => analyticsStream(entity, options, client, deps.clock));
  const start =
    positionFromLegacyState(options.legacyState) ?? fallbackHour(deps.clock.now(), options.lookbackMinutes);

  return {
    type: 'analytics',
    tenant: client.customerId,
    tenantField: TENANT_FIELD,
    streams,
    start,
    client,
    options,
    async check(): Promise<CheckResult[]> {
      const hour = lastCompleteHour(deps.clock.now(), options.lookbackMinutes);
      const results: CheckResult[] = [];
      for (const entity of options.entities) {
        try {
          const body = await client.getJson<{ value?: unknown[] }>(casodataPageUrl(entity, hour, 1, 0), {});
          results.push({
            name: entity,
            ok: true,
            detail: `reachable (${body.value?.length ?? 0} record in a 1-row probe of the hour ${isoSeconds(hour)})`,
          });
        } catch (error) {
          results.push({ name: entity, ok: false, detail: (error as Error).message });
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
  type AnalyticsOptions,
  type AnalyticsOptionsInput,
  AnalyticsOptionsSchema,
  LegacyStateSchema,
  MAX_TOP,
} from './config.ts';
export { ANALYTICS_ENTITIES, ANALYTICS_KEYS, type AnalyticsEntity, DEFAULT_ENTITIES } from './entities.ts';
export {
  analyticsRecordSchema,
  analyticsStream,
  analyticsWindowPolicy,
  CURSOR_FIELD,
  casodataHourPath,
  casodataPageUrl,
} from './stream.ts';
export default analyticsSource;
