/**
 * One collection run over every tenant × source of a deployment: resolve secrets, build connectors,
 * run the runner, and merge the per-source summaries into one report.
 */
import {
  type Clock,
  ConfigError,
  type ConsumeSummary,
  consume,
  describeError,
  floorTo,
  HOUR_MS,
  type Logger,
  MINUTE_MS,
  type PageCounts,
  run,
  type SecretRegistry,
  type Source,
  type StreamSummary,
  spreadOrder,
  type Window,
  windowsIn,
} from '@ctxsiem/core';
import { buildCheckpointStore, type DeploymentConfig, isStreamSource } from '@ctxsiem/registry';
import { buildDeploymentSink } from './deployment-sink.ts';
import { eachSource } from './each-source.ts';
import { type CollectSelection, checkSelection } from './selection.ts';

export interface CollectedStream extends StreamSummary {
  tenant: string;
  source: string;
}

export interface CollectedSource {
  tenant: string;
  source: string;
  /** The source client's counters: requests, retries, throttled, reauthentications. */
  metrics: Record<string, number>;
}

export interface CollectSummary {
  startedAt: string;
  durationMs: number;
  sink: string;
  streams: CollectedStream[];
  /** Each consumed source (sentinel): what it delivered, and where each partition stands. */
  logs: ConsumeSummary[];
  sources: CollectedSource[];
  totals: {
    records: number;
    deadLetters: number;
    pages: number;
    bytes: number;
    failed: string[];
    /** Streams another run was working on, left alone (not a failure). */
    busy: string[];
    /**
     * Streams whose lease a run that looks dead holds (`blocked`): nothing delivered until the lease
     * ends. Not a failure of this run; the CLI exits 3.
     */
    blocked: string[];
    /** Records delivered late by the reconcile pass (included in `records`). */
    lateRecords: number;
  };
  /** Where dead-lettered records went, by stream. */
  deadLetters: { stream: string; locations: string[] }[];
  /** Tenants that could not be collected at all (a secret not found, a source that could not be built). */
  tenantFailures: { tenant: string; error: string }[];
  budgetExhausted: boolean;
}

export interface CollectDeps {
  logger: Logger;
  clock: Clock;
  secrets: SecretRegistry;
  signal?: AbortSignal | undefined;
  /**
   * Where a source's streams start without a checkpoint, when it answers a date: before `runner.start`
   * and the source's own start. The demo starts hourly sources six hours back and leaves a source whose
   * windows are whole days to its own start (the last day due).
   */
  startOf?: ((source: Source) => Date | undefined) | undefined;
  /**
   * No stream lease outlives this instant (epoch ms): a function invocation's deadline plus a grace,
   * so an invocation its platform kills blocks the next one at most that long, not `runner.leaseSeconds`.
   */
  leaseUntil?: number | undefined;
  /** After each page a pull stream's sink acknowledged: what it delivered (the daemon's metrics). */
  onPage?:
    | ((stream: { tenant: string; source: string; stream: string }, delivered: PageCounts) => void)
    | undefined;
  /** When a pull stream's run ended: its summary and how long it took. */
  onStream?: ((stream: CollectedStream, durationMs: number) => void) | undefined;
  /**
   * A seed naming the replica and its tick (a daemon's replicas): tenants and streams are attempted in
   * an order of its own (`spreadOrder`) instead of the configuration's, so replicas sharing the
   * checkpoint store start on different work. The summary keeps the configuration's order. Each
   * source is collected under its hold (`RunOptions.holdSource`): one replica at a time per tenant's
   * source, the others finding its streams busy.
   */
  spread?: string | undefined;
}

/** A backfill instead of a live run: the pull streams' windows of a past range (see `RunOptions.backfill`). */
export interface BackfillRange {
  from: Date;
  to: Date;
  /** Only these streams (default all of each selected source). */
  streams?: readonly string[] | undefined;
  /** Before the first window: how many windows each selected stream covers (progress totals). */
  onPlan?: (tenant: string, stream: string, windows: number) => void;
  /** After each window a stream delivered (progress). */
  onWindow?: (tenant: string, stream: string, window: Window, records: number) => void;
}

export async function collect(
  config: DeploymentConfig,
  deps: CollectDeps,
  selection: CollectSelection = {},
  backfill?: BackfillRange,
): Promise<CollectSummary> {
  const { clock, logger } = deps;
  checkSelection(config, selection);
  const startedAt = clock.now();
  const deadline =
    config.runner.budgetSeconds === undefined ? undefined : startedAt + config.runner.budgetSeconds * 1000;
  const connectorDeps = {
    logger,
    clock,
    secrets: deps.secrets,
    ...(deps.signal ? { signal: deps.signal } : {}),
  };
  const checkpoints = await buildCheckpointStore(config.checkpoint, connectorDeps);
  const sink = await buildDeploymentSink(config, connectorDeps, checkpoints);
  // Without a checkpoint: an explicit start wins; otherwise the source's own first hour (Analytics: the
  // seed's fallback hour) or the hour containing now - lookback (the seeds' fallback hour).
  const explicitStart = config.runner.start ? new Date(config.runner.start) : undefined;
  const lookbackStart = new Date(floorTo(clock.now() - config.runner.lookbackMinutes * MINUTE_MS, HOUR_MS));

  const streams: CollectedStream[] = [];
  const logs: ConsumeSummary[] = [];
  const sources: CollectedSource[] = [];
  const tenantFailures: CollectSummary['tenantFailures'] = [];
  let budgetExhausted = false;
  const walked = spreadTenants(config, deps.spread);
  try {
    await eachSource(
      walked,
      // Sources keep documents beside the checkpoints too (the licensing telemetry stream's ledger).
      { ...connectorDeps, secrets: deps.secrets, documents: checkpoints.manifests },
      async (source) => {
        if (isStreamSource(source)) {
          // A consumer group's past is its topic's retention: there is no range to read again.
          if (backfill) return;
          // Consumed until caught up (or the budget ends): what was read is delivered, then committed.
          const consumed = await consume({
            source,
            sink,
            claims: checkpoints.manifests,
            logger,
            clock,
            ...source.consumption,
            budgetMs: deadline === undefined ? undefined : Math.max(0, deadline - clock.now()),
            untilCaughtUp: true,
            signal: deps.signal,
          });
          budgetExhausted ||= consumed.stoppedBy === 'budget';
          logs.push(consumed);
          sources.push({ tenant: source.tenant, source: source.type, metrics: source.metrics?.() ?? {} });
          return;
        }
        if (backfill)
          for (const stream of source.streams)
            if (!backfill.streams || backfill.streams.includes(stream.name))
              backfill.onPlan?.(source.tenant, stream.name, windowsIn(backfill, stream.window));
        const summary = await run({
          source,
          sink,
          checkpoints,
          logger,
          clock,
          start: deps.startOf?.(source) ?? explicitStart ?? source.start ?? lookbackStart,
          budgetMs: deadline === undefined ? undefined : Math.max(0, deadline - clock.now()),
          queueCapacity: config.runner.queueCapacity,
          concurrency: config.runner.concurrency,
          spread: deps.spread,
          // Replicas: a source's streams on one replica at a time, so a tenant gets one request at once.
          holdSource: deps.spread !== undefined,
          signal: deps.signal,
          leaseMs: config.runner.leaseSeconds * 1000,
          leaseUntil: deps.leaseUntil,
          onPage: deps.onPage
            ? (stream: string, delivered: PageCounts) =>
                deps.onPage?.({ tenant: source.tenant, source: source.type, stream }, delivered)
            : undefined,
          onStream: deps.onStream
            ? (summary: Readonly<StreamSummary>, durationMs: number) =>
                deps.onStream?.({ tenant: source.tenant, source: source.type, ...summary }, durationMs)
            : undefined,
          reconcile: config.runner.reconcileHorizonMinutes > 0 && {
            horizonMs: config.runner.reconcileHorizonMinutes * MINUTE_MS,
            firstCheckMs: config.runner.reconcileFirstCheckMinutes * MINUTE_MS,
          },
          ...(backfill
            ? {
                backfill,
                streams: backfill.streams,
                onWindow: (stream: string, window: Window, summary: { records: number }) =>
                  backfill.onWindow?.(source.tenant, stream, window, summary.records),
              }
            : {}),
        });
        budgetExhausted ||= summary.budgetExhausted;
        sources.push({ tenant: summary.tenant, source: summary.source, metrics: summary.sourceMetrics });
        for (const stream of summary.streams)
          streams.push({ tenant: summary.tenant, source: summary.source, ...stream });
      },
      selection,
      {
        tenantConcurrency: config.runner.tenantConcurrency,
        onTenantFailure: (tenant, error) => {
          logger.error({ tenant, err: describeError(error) }, 'the tenant could not be collected');
          tenantFailures.push({ tenant, error: describeError(error) });
        },
      },
    );
  } catch (error) {
    throw inConfigOrder(error, walked, config);
  } finally {
    await sink.close();
  }

  const totals: CollectSummary['totals'] = {
    records: 0,
    deadLetters: 0,
    pages: 0,
    bytes: 0,
    failed: [],
    busy: [],
    blocked: [],
    lateRecords: 0,
  };
  const deadLetters: CollectSummary['deadLetters'] = [];
  // Tenants ran side by side: their results are put back in the configuration's order.
  const order = new Map(config.tenants.map((tenant, index) => [tenant.customerId, index]));
  const byTenant = <T extends { tenant: string }>(items: T[]) =>
    items.sort((a, b) => (order.get(a.tenant) ?? 0) - (order.get(b.tenant) ?? 0));
  byTenant(streams);
  byTenant(logs);
  byTenant(sources);
  byTenant(tenantFailures);
  for (const failure of tenantFailures) totals.failed.push(failure.tenant);
  for (const log of logs) {
    const name = `${log.tenant}/${log.source}`;
    totals.records += log.records;
    totals.deadLetters += log.deadLetters;
    totals.bytes += log.bytes;
    if (log.status === 'failed') totals.failed.push(name);
    if (log.deadLetterLocations.length > 0)
      deadLetters.push({ stream: name, locations: log.deadLetterLocations });
  }
  for (const s of streams) {
    const name = `${s.tenant}/${s.source}/${s.stream}`;
    totals.records += s.records;
    totals.deadLetters += s.deadLetters;
    totals.pages += s.pages;
    totals.bytes += s.bytes;
    totals.lateRecords += s.lateRecords;
    // A conflict (another runner took the stream over while this run held it) fails the run: runs
    // overlapped, and a SIEM API may have received a part twice. Not `busy`, which is harmless.
    if (s.status === 'failed' || s.status === 'conflict') totals.failed.push(name);
    if (s.status === 'busy') totals.busy.push(name);
    if (s.status === 'blocked') totals.blocked.push(name);
    if (s.deadLetterLocations.length > 0)
      deadLetters.push({ stream: name, locations: s.deadLetterLocations });
  }
  return {
    startedAt: new Date(startedAt).toISOString(),
    durationMs: clock.now() - startedAt,
    sink: sink.type,
    streams,
    logs,
    sources,
    totals,
    deadLetters,
    tenantFailures,
    budgetExhausted,
  };
}

/** The config with its tenants in the order `spread` gives them, or as it is without a seed. */
function spreadTenants(config: DeploymentConfig, spread: string | undefined): DeploymentConfig {
  if (spread === undefined) return config;
  return { ...config, tenants: spreadOrder(config.tenants, (tenant) => tenant.customerId, spread) };
}

/** A `ConfigError` naming `tenants[i]` of the walked order, renamed to the configuration's index. */
function inConfigOrder(error: unknown, walked: DeploymentConfig, config: DeploymentConfig): unknown {
  if (walked === config || !(error instanceof ConfigError)) return error;
  const rename = (path: string) =>
    path.replace(/^tenants\[(\d+)\]/, (whole, index: string) => {
      const position = config.tenants.indexOf(walked.tenants[Number(index)]!);
      return position < 0 ? whole : `tenants[${position}]`;
    });
  return new ConfigError(
    error.component,
    error.issues.map((issue) => ({ ...issue, path: rename(issue.path) })),
  );
}
