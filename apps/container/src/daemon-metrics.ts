/**
 * The daemon's Prometheus metrics (prom-client): the process's own (prom-client's default metrics:
 * CPU, memory, event loop lag, handles, GC), what the build is, and what runs report as they go —
 * each page a pull stream's sink acknowledged (so a collection cut short, by SIGTERM or a crash, is
 * counted as far as it got), each stream's end (status, duration, lag), each consumer's deliveries and
 * partition lag, and each configuration reload.
 */

import type { Batch, PageCounts, PartitionLag } from '@ctxsiem/core';
import type { CollectedStream, CollectSummary } from '@ctxsiem/deployment';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import manifest from '../package.json' with { type: 'json' };

const STREAM_LABELS = ['tenant', 'source', 'stream'] as const;
type StreamLabels = { tenant: string; source: string; stream: string };

/** Seconds: a page of a quiet stream up to a long catch-up. */
const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800];

export class DaemonMetrics {
  readonly registry = new Registry();
  readonly #streamCounter = (name: string, help: string) =>
    new Counter({ name, help, labelNames: STREAM_LABELS, registers: [this.registry] });
  readonly #streamGauge = (name: string, help: string) =>
    new Gauge({ name, help, labelNames: STREAM_LABELS, registers: [this.registry] });
  readonly #records = this.#streamCounter(
    'ctxsiem_records_total',
    'Records delivered to the sink (dead letters not included), counted as each page is acknowledged.',
  );
  readonly #deadLetters = this.#streamCounter(
    'ctxsiem_dead_letters_total',
    'Records dead-lettered, with their reason, instead of delivered.',
  );
  readonly #drift = new Counter({
    name: 'ctxsiem_schema_drift_total',
    help: "Records delivered with a field that differs from the stream's model (another type, or undeclared), by field and both types.",
    labelNames: [...STREAM_LABELS, 'field', 'expected', 'found'],
    registers: [this.registry],
  });
  readonly #pages = this.#streamCounter(
    'ctxsiem_pages_total',
    'API pages read and delivered by pull streams.',
  );
  readonly #bytes = this.#streamCounter('ctxsiem_bytes_total', 'Bytes written to the sink.');
  readonly #failures = this.#streamCounter(
    'ctxsiem_stream_failures_total',
    'Runs of a pull stream that failed (its checkpoint did not move; the log and `ctxsiem status` say why), or that another runner took the stream over from (a conflict: runs overlapped).',
  );
  readonly #beyondHorizon = this.#streamCounter(
    'ctxsiem_records_beyond_horizon_total',
    "Records a closed window's count-only audit found the API holding beyond what the window delivered: they arrived after its last reconcile check and were not delivered (raise runner.reconcileHorizonMinutes).",
  );
  readonly #possiblyDuplicated = this.#streamCounter(
    'ctxsiem_records_possibly_duplicated_total',
    'Records sent again to a SIEM API, byte-identical, after a request of theirs may have been accepted (its answer lost to a timeout, a reset or a 5xx; a killed or overtaken run had claimed it): the API may hold them twice.',
  );
  readonly #unverified = this.#streamGauge(
    'ctxsiem_unverified_windows',
    "Closed windows whose last reconcile check could not finish (a re-read timing out on the smallest window): tried again after a backoff; late records of theirs may not be delivered yet. As of the stream's last run.",
  );
  readonly #blocked = this.#streamCounter(
    'ctxsiem_stream_blocked_total',
    "Runs that found a pull stream's lease held by a run that looks dead (its process gone, or no commit for half a lease: kill -9, an invocation stopped at its deadline): nothing is delivered until the lease ends.",
  );
  readonly #busy = this.#streamCounter(
    'ctxsiem_stream_busy_total',
    'Runs that left a pull stream alone because another runner held its lease, or another replica its source (not a failure; replicas count it every tick; steadily rising on one stream alone means a run elsewhere keeps it).',
  );
  readonly #streamDurations = new Histogram({
    name: 'ctxsiem_stream_duration_seconds',
    help: "How long a pull stream's run took, by how it ended (ok, partial, idle, busy, failed).",
    labelNames: [...STREAM_LABELS, 'outcome'],
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly #client = new Counter({
    name: 'ctxsiem_source_requests_total',
    help: "The source client's counters by kind: requests, retries, throttled (429/503), reauthentications.",
    labelNames: ['tenant', 'source', 'kind'],
    registers: [this.registry],
  });
  readonly #lag = this.#streamGauge(
    'ctxsiem_lag_seconds',
    "How far a pull stream's checkpoint is behind now, after its last run.",
  );
  readonly #lastSuccess = this.#streamGauge(
    'ctxsiem_last_success_timestamp_seconds',
    'When a pull stream last ran without failing (its checkpoint age is now minus this).',
  );
  readonly #kafkaLag = new Gauge({
    name: 'ctxsiem_kafka_lag_messages',
    help: 'Messages of a partition not yet delivered and committed by the consumer group.',
    labelNames: ['tenant', 'source', 'topic', 'partition'],
    registers: [this.registry],
  });
  readonly #runs = new Histogram({
    name: 'ctxsiem_run_duration_seconds',
    help: 'Duration of scheduled collections, by schedule (its index in serve.schedules) and outcome.',
    labelNames: ['schedule', 'outcome'],
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly #reloads = new Counter({
    name: 'ctxsiem_config_reloads_total',
    help: 'SIGHUP reloads of the configuration, by outcome: applied, or refused (the running one goes on).',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly #reloadOk = new Gauge({
    name: 'ctxsiem_config_last_reload_success',
    help: 'Whether the last configuration reload was applied (1) or refused (0); 1 before any reload.',
    registers: [this.registry],
  });
  readonly #reloadAt = new Gauge({
    name: 'ctxsiem_config_last_reload_timestamp_seconds',
    help: 'When the configuration was last loaded or reloaded (applied).',
    registers: [this.registry],
  });
  readonly #ready = new Gauge({
    name: 'ctxsiem_ready',
    help: 'Whether /readyz answers 200: the sink answered its probe and every consumer joined its group.',
    registers: [this.registry],
  });

  constructor(now: number = Date.now()) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'ctxsiem_build_info',
      help: 'The running build: its version and the Node.js version (always 1).',
      labelNames: ['version', 'node'],
      registers: [this.registry],
    }).set({ version: manifest.version, node: process.version }, 1);
    this.#reloadOk.set(1);
    this.#reloadAt.set(now / 1000);
  }

  /** A page a pull stream's sink acknowledged. */
  delivered(labels: StreamLabels, counts: PageCounts): void {
    this.#records.inc(labels, counts.records);
    this.#deadLetters.inc(labels, counts.deadLetters);
    this.#bytes.inc(labels, counts.bytes);
    this.#pages.inc(labels);
  }

  /** A pull stream's run ended. */
  streamEnded(s: CollectedStream, durationMs: number, now: number): void {
    const labels = { tenant: s.tenant, source: s.source, stream: s.stream };
    if (s.to) this.#lag.set(labels, s.lagSeconds);
    for (const d of s.drift ?? [])
      this.#drift.inc({ ...labels, field: d.field, expected: d.expected, found: d.found }, d.records);
    if (s.beyondHorizon > 0) this.#beyondHorizon.inc(labels, s.beyondHorizon);
    if (s.possiblyDuplicated > 0) this.#possiblyDuplicated.inc(labels, s.possiblyDuplicated);
    // A run that did not hold the stream did not look at its checks.
    if (s.status !== 'busy' && s.status !== 'blocked') this.#unverified.set(labels, s.unverifiedWindows);
    if (s.status === 'failed' || s.status === 'conflict') this.#failures.inc(labels);
    else if (s.status === 'busy') this.#busy.inc(labels);
    else if (s.status === 'blocked') this.#blocked.inc(labels);
    else this.#lastSuccess.set(labels, now / 1000);
    this.#streamDurations.observe({ ...labels, outcome: s.status }, durationMs / 1000);
  }

  /** One scheduled collection's summary: the source clients' counters and the run's duration. */
  collected(schedule: number, summary: CollectSummary): void {
    for (const source of summary.sources)
      for (const [kind, value] of Object.entries(source.metrics))
        this.#client.inc({ tenant: source.tenant, source: source.source, kind }, value);
    const outcome = summary.totals.failed.length > 0 ? 'failed' : 'ok';
    this.#runs.observe({ schedule: String(schedule), outcome }, summary.durationMs / 1000);
  }

  /** A part a consumer delivered. */
  consumed(
    tenant: string,
    source: string,
    stream: string,
    kind: Batch['kind'],
    records: number,
    bytes: number,
  ): void {
    const labels = { tenant, source, stream };
    (kind === 'records' ? this.#records : this.#deadLetters).inc(labels, records);
    this.#bytes.inc(labels, bytes);
  }

  /** Where a consumer's partitions stand. */
  kafkaLag(tenant: string, source: string, topic: string, partitions: readonly PartitionLag[]): void {
    for (const p of partitions)
      this.#kafkaLag.set({ tenant, source, topic, partition: String(p.partition) }, p.lag);
  }

  /** A SIGHUP reload: applied or refused. */
  reloaded(applied: boolean, now: number): void {
    this.#reloads.inc({ outcome: applied ? 'applied' : 'refused' });
    this.#reloadOk.set(applied ? 1 : 0);
    if (applied) this.#reloadAt.set(now / 1000);
  }

  /** Whether the daemon is ready (what /readyz answers). */
  readiness(ready: boolean): void {
    this.#ready.set(ready ? 1 : 0);
  }
}
