/**
 * The Azure Monitor sink: each part's records go to the Logs Ingestion API as the DCR stream of their
 * stream (what Microsoft Sentinel reads), gzipped, in requests of at most 1 MB after gzip, through
 * core's `ingestionSink`: the delivery ledger beside the checkpoints records each accepted request, a
 * retry or a killed run's successor sends only what was not accepted, and the part is acknowledged to
 * the runner only when every request of it was. A record too large for any request is refused
 * (`refuse`) and dead-lettered with its size. Each record is sent as its DCR stream declares it
 * (`rows.ts`): a field the declaration lacks goes into `AdditionalFields` and is reported as drift;
 * every row carries its record id (`recordIdColumn`, the runner's digest of the record, `Batch.digests`),
 * the same on every sending, so a row a resent request stored twice can be de-duplicated in KQL.
 *
 * Requests go through `fetch` rather than `@azure/monitor-ingestion`: its `upload` cuts at 1 MB of
 * uncompressed JSON (the limit is on the gzipped body: a tenth as full), sends chunks concurrently and
 * retries inside, and reports failed chunks only at the end, so a ledger could not record each accepted
 * request before the next.
 */
import {
  type AttemptHooks,
  type Batch,
  type ConnectorDeps,
  ingestionSink,
  type JsonRecord,
  parseConfig,
  partPath,
  type Sink,
  sendIngestionRequest,
} from '@ctxsiem/core';
import { tokenSource } from './auth.ts';
import { type AzureMonitorSinkConfig, AzureMonitorSinkConfigSchema } from './config.ts';
import { streamNameOf } from './dcr-streams.ts';
import { cutByCompressedSize, encodeRequest, singleRecordBytes } from './requests.ts';
import { type Rows, rowsOf } from './rows.ts';

export const API_VERSION = '2023-01-01';
const ID_PLACEHOLDER = 'x'.repeat(12);

export function azureMonitorSink(input: unknown, deps?: ConnectorDeps): Sink {
  const config: AzureMonitorSinkConfig = parseConfig(
    'sink-azure-monitor',
    AzureMonitorSinkConfigSchema,
    input,
  );
  const tokens = tokenSource(config, deps);
  const urlOf = (stream: string) =>
    `${config.endpoint.replace(/\/+$/, '')}/dataCollectionRules/${config.ruleId}/streams/${stream}?api-version=${API_VERSION}`;
  const advice = {
    401: 'check the app registration (tenant, client id, secret) or the managed identity',
    403: 'the identity needs the Monitoring Metrics Publisher role on the data collection rule',
    413: `lower maxRequestBytes (now ${config.maxRequestBytes})`,
  };
  const post = (
    url: string,
    body: Buffer,
    what: string,
    maxAttempts = config.maxAttempts,
    hooks: AttemptHooks = {},
  ) =>
    sendIngestionRequest({
      service: 'Azure Monitor',
      url,
      body,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      token: (refresh) => tokens.token(refresh),
      what,
      maxAttempts,
      timeoutMs: config.requestTimeoutSeconds * 1000,
      signal: deps?.signal,
      logger: deps?.logger,
      advice,
      ...hooks,
    });

  const sentinelTables = config.sentinelTables ?? 'ccf';
  const streamOf = (batch: Pick<Batch, 'source' | 'stream'>) =>
    streamNameOf(batch, config.streams, sentinelTables);
  // Each batch's rows, shaped once for its cut and its requests.
  const shaped = new WeakMap<readonly unknown[], Rows>();
  const rows = (batch: Batch): Rows => {
    let known = shaped.get(batch.records);
    if (!known) {
      known = rowsOf(batch, streamOf(batch), sentinelTables, config.recordIdColumn);
      shaped.set(batch.records, known);
    }
    return known;
  };

  const sink = ingestionSink({
    type: 'azure-monitor',
    service: 'Azure Monitor',
    deps,
    locationOf: (batch) => `azure-monitor://${config.ruleId}/${streamOf(batch)}/${partPath(batch)}`,
    cut: (batch) => cutByCompressedSize(rows(batch).rows, config.maxRequestBytes),
    build(batch: Batch, request) {
      const body = encodeRequest(rows(batch).rows.slice(request.start, request.end));
      return { url: urlOf(streamOf(batch)), body };
    },
    post: (request, what, hooks) => post(request.url, request.body, what, config.maxAttempts, hooks),
    refuse(input: JsonRecord) {
      // Measured as sent: with its record id (a digest's 12 characters).
      const record = { ...input, [config.recordIdColumn]: ID_PLACEHOLDER };
      const bytes = singleRecordBytes(record, config.maxRequestBytes);
      return bytes > config.maxRequestBytes
        ? `the record takes ${bytes} bytes gzipped; a Logs Ingestion call holds at most ${config.maxRequestBytes} (maxRequestBytes)`
        : undefined;
    },
    async check() {
      // An empty array: the API authenticates and authorises the call, then ingests nothing.
      const stream = streamOf({ source: 'monitor', stream: 'Machines' });
      await post(urlOf(stream), encodeRequest([]), `check of ${stream}`, 2);
      return `authenticated to Azure Monitor (${new URL(config.endpoint).host}) and allowed to send to ${config.ruleId}/${stream}`;
    },
  });
  return {
    ...sink,
    async write(batch) {
      const receipt = await sink.write(batch);
      // Fields the stream's declaration lacks, kept in AdditionalFields: reported with the delivery.
      const drift = batch.kind === 'records' && receipt.created ? rows(batch).drift : [];
      return drift.length > 0 ? { ...receipt, drift } : receipt;
    },
  };
}
