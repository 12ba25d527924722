/**
 * The licensing source: the Citrix Cloud licensing API's CVAD user/device license usage — a daily
 * snapshot (`usage`) and the monthly history (`history`) — through the Citrix Cloud client (one request
 * in flight per tenant, retries honouring Retry-After, token refresh, the origin guard), and the
 * licensing telemetry documents at a folder or bucket prefix (`telemetry`), each content once; records
 * tagged with the tenant.
 */
import { CitrixCloudClient, type CitrixCloudConfigInput } from '@ctxsiem/citrix-cloud';
import {
  type CheckResult,
  ConfigError,
  type ConnectorDeps,
  checkpointKey,
  DAY_MS,
  floorTo,
  MINUTE_MS,
  type PullStream,
  parseConfig,
  type Source,
  SourceError,
} from '@ctxsiem/core';
import type { Dispatcher } from 'undici';
import {
  type LicensingOptions,
  type LicensingOptionsInput,
  LicensingOptionsSchema,
  type LicensingStreamName,
  parseDocumentLocation,
  selectedStreams,
  type TelemetryOptions,
} from './config.ts';
import { type DocumentFolder, openDocumentFolder } from './document-folders.ts';
import { concurrentUsageStream, historyStream, LICENSING_PATHS, usageStream } from './stream.ts';
import { documentKind } from './telemetry-documents.ts';
import { emptyTelemetryCounters, telemetryStream } from './telemetry-stream.ts';

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
  const counters = emptyTelemetryCounters();
  let folder: Promise<DocumentFolder> | undefined;
  const streams = selectedStreams(options);
  const build: Record<LicensingStreamName, () => PullStream> = {
    usage: () => usageStream(options, client, deps.clock),
    history: () => historyStream(options, client, deps.clock),
    concurrentUsage: () => concurrentUsageStream(options, client, deps.clock),
    telemetry: () => {
      const telemetry = options.telemetry as TelemetryOptions; // the schema requires it with this stream
      const location = parseDocumentLocation(telemetry.location);
      if ('error' in location)
        throw new ConfigError('source-licensing', [{ path: 'telemetry.location', reason: location.error }]);
      return telemetryStream(telemetry, {
        folder: () => {
          folder ??= openDocumentFolder(telemetry, location);
          return folder;
        },
        documents: deps.documents,
        streamKey: checkpointKey(client.customerId, 'licensing', 'telemetry'),
        logger: deps.logger.child({ stream: 'telemetry' }),
        now: () => deps.clock.now(),
        counters,
      });
    },
  };
  // The last whole day due now: a first run collects it, while "now" still stands for it.
  const start = new Date(floorTo(deps.clock.now() - options.lagMinutes * MINUTE_MS, DAY_MS) - DAY_MS);
  return {
    type: 'licensing',
    tenant: client.customerId,
    tenantField: TENANT_FIELD,
    streams: streams.map((name) => build[name]()),
    start,
    client,
    options,
    async check(): Promise<CheckResult[]> {
      const results: CheckResult[] = [];
      const models: LicenseModel[] =
        options.licenseModel === 'both' ? ['User/Device', 'Concurrent'] : [modelOf(options.licenseModel)];
      for (const model of models)
        results.push(await checkModel(client, model, options.licenseModel !== 'both'));
      if (options.telemetry) results.push(await checkDocuments(options.telemetry, deps.signal));
      return results;
    },
    metrics: () => ({ ...client.stats, ...(streams.includes('telemetry') ? counters : {}) }),
    async close() {
      await client.close();
      await (await folder)?.close();
    },
  };
}

type LicenseModel = 'User/Device' | 'Concurrent';
const modelOf = (name: 'user-device' | 'concurrent'): LicenseModel =>
  name === 'concurrent' ? 'Concurrent' : 'User/Device';

/** What a model's endpoint answers now, as a check named after its stream. */
async function probe(client: CitrixCloudClient, model: LicenseModel): Promise<string> {
  if (model === 'User/Device') {
    const body = await client.getJsonOrNoContent<{ totalUsageCount?: number }>(LICENSING_PATHS.current, {});
    return body === undefined
      ? 'reachable (nothing to report)'
      : `reachable (${body.totalUsageCount ?? '?'} User/Device licenses in use)`;
  }
  const body = await client.getJsonOrNoContent<{
    currentCcu?: { assignedLicenseCount?: number; totalLicenseCount?: number; reportTime?: string };
  }>(LICENSING_PATHS.concurrentSummary, {});
  const now = body?.currentCcu;
  return now === undefined
    ? 'reachable (nothing to report)'
    : `reachable (${now.assignedLicenseCount ?? '?'} of ${now.totalLicenseCount ?? '?'} Concurrent licenses in use at ${now.reportTime ?? '?'})`;
}

/**
 * Checks the model's endpoint. A 404 (not licensed under it) tries the other model when `detect`: the
 * check then says which model the tenant answers for (Citrix documents no way to ask it).
 */
async function checkModel(
  client: CitrixCloudClient,
  model: LicenseModel,
  detect: boolean,
): Promise<CheckResult> {
  const name = model === 'User/Device' ? 'usage' : 'concurrentUsage';
  try {
    return { name, ok: true, detail: await probe(client, model) };
  } catch (error) {
    if (!(detect && error instanceof SourceError && error.status === 404))
      return { name, ok: false, detail: (error as Error).message };
    const other: LicenseModel = model === 'Concurrent' ? 'User/Device' : 'Concurrent';
    const answers = await probe(client, other).then(
      () => true,
      () => false,
    );
    const setting = other === 'Concurrent' ? 'concurrent' : 'user-device';
    return {
      name,
      ok: false,
      detail: answers
        ? `the tenant has no ${model} licenses (404) but is licensed ${other}: set licenseModel to ${setting}, or both (LICENSING_MODEL)`
        : `the tenant has no ${model} licenses (404), nor ${other} ones`,
    };
  }
}

/** Lists the telemetry location: reachable, and how many documents it holds. */
async function checkDocuments(
  telemetry: TelemetryOptions,
  signal: AbortSignal | undefined,
): Promise<CheckResult> {
  const location = parseDocumentLocation(telemetry.location);
  if ('error' in location) return { name: 'telemetry', ok: false, detail: location.error };
  let folder: DocumentFolder | undefined;
  try {
    folder = await openDocumentFolder(telemetry, location);
    let documents = 0;
    for await (const listed of folder.list(signal ?? new AbortController().signal))
      if (documentKind(listed.name)) documents++;
    return { name: 'telemetry', ok: true, detail: `${folder.description}: ${documents} telemetry documents` };
  } catch (error) {
    return { name: 'telemetry', ok: false, detail: `${telemetry.location}: ${(error as Error).message}` };
  } finally {
    await folder?.close();
  }
}

export {
  LICENSE_MODELS,
  LICENSING_STREAMS,
  type LicensingOptions,
  type LicensingOptionsInput,
  LicensingOptionsSchema,
  parseDocumentLocation,
  selectedStreams,
  type TelemetryOptions,
} from './config.ts';
export { type DocumentFolder, folderDocuments, gcsDocuments, s3Documents } from './document-folders.ts';
export { DocumentLedger, type LedgerEntry } from './document-ledger.ts';
export {
  ConcurrentSummarySchema,
  ConcurrentUsageRecordSchema,
  CurrentUsageSchema,
  concurrentUsageStream,
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
export { documentKind, readTelemetryDocument } from './telemetry-documents.ts';
export { TELEMETRY_COLUMNS, type TelemetryCounters, telemetryStream } from './telemetry-stream.ts';
export default licensingSource;
