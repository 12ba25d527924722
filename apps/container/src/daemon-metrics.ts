/**
 * The daemon's Prometheus metrics (prom-client), fed from what runs report: each scheduled
 * collection's summary, and each consumer's deliveries and partition lag as they happen.
 */

import type { Batch, PartitionLag } from '@ctxsiem/core';
import type { CollectSummary } from '@ctxsiem/deployment';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

const STREAM_LABELS = ['tenant', 'source', 'stream'] as const;

export class DaemonMetrics {
  readonly registry = new Registry();
  readonly #streamCounter = (name: string, help: string) =>
    new Counter({ name, help, labelNames: STREAM_LABELS, registers: [this.registry] });
  readonly #streamGauge = (name: string, help: string) =>
    new Gauge({ name, help, labelNames: STREAM_LABELS, registers: [this.registry] });
  readonly #records = this.#streamCounter(
    'ctxsiem_records_total',
    'Records delivered to the sink (dead letters not included).',
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
  readonly #pages = this.#streamCounter('ctxsiem_pages_total', 'API pages read by pull streams.');
  readonly #bytes = this.#streamCounter('ctxsiem_bytes_total', 'Bytes written to the sink.');
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
    help: 'Duration of scheduled collections.',
    labelNames: ['schedule', 'outcome'],
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800],
    registers: [this.registry],
  });

  /** One scheduled collection's summary. */
  collected(schedule: number, summary: CollectSummary, now: number): void {
    for (const s of summary.streams) {
      const labels = { tenant: s.tenant, source: s.source, stream: s.stream };
      this.#records.inc(labels, s.records);
      this.#deadLetters.inc(labels, s.deadLetters);
      this.#pages.inc(labels, s.pages);
      this.#bytes.inc(labels, s.bytes);
      this.#lag.set(labels, s.lagSeconds);
      for (const d of s.drift ?? [])
        this.#drift.inc({ ...labels, field: d.field, expected: d.expected, found: d.found }, d.records);
      if (s.status !== 'failed' && s.status !== 'busy') this.#lastSuccess.set(labels, now / 1000);
    }
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
}
