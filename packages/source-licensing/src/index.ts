/**
 * The licensing source: the Citrix Cloud licensing API's CVAD user/device license usage — a daily
 * snapshot (`usage`) and the monthly history (`history`) — through the Citrix Cloud client (one request
 * in flight per tenant, retries honouring Retry-After, token refresh, the origin guard), records tagged
 * with the tenant.
 */
import { CitrixCloudClient, type CitrixCloudConfigInput } from '@ctxsiem/citrix-cloud';
import {
  type CheckResult,
  type ConnectorDeps,
  DAY_MS,
  floorTo,
  MINUTE_MS,
  type PullStream,
  parseConfig,
  type Source,
} from '@ctxsiem/core';
import type { Dispatcher } from 'undici';
import { type LicensingOptions, type LicensingOptionsInput, LicensingOptionsSchema } from './config.ts';
import { historyStream, LICENSING_PATHS, usageStream } from './stream.ts';

export const TENANT_FIELD = 'citrix_customer_id';

export interface LicensingSourceConfig {
  options: LicensingOptionsInput;
  connection: CitrixCloudConfigInput;
}

export interface LicensingSourceDeps extends ConnectorDeps {
  dispatcher?: Dispatcher | undefined;
}

export interface LicensingSource extends Source {
  readonly client: CitrixCloudClient;
  readonly options: LicensingOptions;
  /** Where a stream without a checkpoint starts: the day before the one now due (its snapshot is fresh). */
  readonly start: Date;
  check(): Promise<CheckResult[]>;
  metrics(): Record<string, number>;
  close(): Promise<void>;
}

export function licensingSource(config: LicensingSourceConfig, deps: LicensingSourceDeps): LicensingSource {
  const options = parseConfig('source-licensing', LicensingOptionsSchema, config.options);
  const client = new CitrixCloudClient(config.connection, deps);
  const build: Record<(typeof options.streams)[number], () => PullStream> = {
    usage: () => usageStream(options, client, deps.clock),
    history: () => historyStream(options, client, deps.clock),
  };
  // The last whole day due now: a first run collects it, while "now" still stands for it.
  const start = new Date(floorTo(deps.clock.now() - options.lagMinutes * MINUTE_MS, DAY_MS) - DAY_MS);
  return {
    type: 'licensing',
    tenant: client.customerId,
    tenantField: TENANT_FIELD,
    streams: options.streams.map((name) => build[name]()),
    start,
    client,
    options,
    async check(): Promise<CheckResult[]> {
      try {
        const body = await client.getJson<{ totalUsageCount?: number }>(LICENSING_PATHS.current, {});
        return [
          { name: 'usage', ok: true, detail: `reachable (${body.totalUsageCount ?? '?'} licenses in use)` },
        ];
      } catch (error) {
        return [{ name: 'usage', ok: false, detail: (error as Error).message }];
      }
    },
    metrics: () => ({ ...client.stats }),
    async close() {
      await client.close();
    },
  };
}

export {
  LICENSING_STREAMS,
  type LicensingOptions,
  type LicensingOptionsInput,
  LicensingOptionsSchema,
} from './config.ts';
export {
  CurrentUsageSchema,
  dailyWindows,
  HISTORY_MONTHS,
  HistoricalUsageSchema,
  HistoryRecordSchema,
  historyStream,
  LICENSING_PATHS,
  monthOf,
  UsageRecordSchema,
  usageStream,
} from './stream.ts';
export default licensingSource;
