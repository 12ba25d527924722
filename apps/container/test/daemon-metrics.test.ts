/** The daemon's metrics: what runs report, page by page and stream by stream, in Prometheus' terms. */
import { emptySummary } from '@ctxsiem/core';
import type { CollectedStream, CollectSummary } from '@ctxsiem/deployment';
import { describe, expect, it } from 'vitest';
import manifest from '../package.json' with { type: 'json' };
import { DaemonMetrics } from '../src/daemon-metrics.ts';

const AT = Date.parse('2024-08-06T12:00:00Z');
const stream = (
  status: CollectedStream['status'],
  extra: Partial<CollectedStream> = {},
): CollectedStream => ({
  ...emptySummary('Applications'),
  tenant: 'acme',
  source: 'monitor',
  to: '2024-08-06T11:50:00.000Z',
  lagSeconds: 600,
  status,
  ...extra,
});
const LABELS = 'tenant="acme",source="monitor",stream="Applications"';

describe('daemon metrics', () => {
  it('adds each run’s schema drift to ctxsiem_schema_drift_total', async () => {
    const metrics = new DaemonMetrics(AT);
    const drifting = stream('ok', {
      drift: [{ field: 'Id', expected: 'Edm.Int32', found: 'a GUID string', records: 4 }],
    });
    metrics.streamEnded(drifting, 10, AT);
    metrics.streamEnded(drifting, 10, AT + 3_600_000);
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      `ctxsiem_schema_drift_total{${LABELS},field="Id",expected="Edm.Int32",found="a GUID string"} 8`,
    );
  });

  it('counts records as each page is delivered, not when the collection ends', async () => {
    const metrics = new DaemonMetrics(AT);
    const labels = { tenant: 'acme', source: 'monitor', stream: 'Applications' };
    metrics.delivered(labels, { records: 50, deadLetters: 1, bytes: 4_000 });
    metrics.delivered(labels, { records: 20, deadLetters: 0, bytes: 1_000 });
    // No collection ended: a run cut short by SIGTERM is counted as far as it got.
    const text = await metrics.registry.metrics();
    expect(text).toContain(`ctxsiem_records_total{${LABELS}} 70`);
    expect(text).toContain(`ctxsiem_dead_letters_total{${LABELS}} 1`);
    expect(text).toContain(`ctxsiem_bytes_total{${LABELS}} 5000`);
    expect(text).toContain(`ctxsiem_pages_total{${LABELS}} 2`);
  });

  it('counts failed and busy runs per stream, and their durations per tenant and stream', async () => {
    const metrics = new DaemonMetrics(AT);
    metrics.streamEnded(stream('failed', { error: 'boom' }), 2_000, AT);
    metrics.streamEnded(stream('failed', { error: 'boom' }), 2_000, AT);
    metrics.streamEnded(stream('busy'), 5, AT);
    metrics.streamEnded(stream('blocked'), 5, AT);
    metrics.streamEnded(stream('conflict'), 5, AT);
    metrics.streamEnded(stream('ok', { beyondHorizon: 7, possiblyDuplicated: 40 }), 40_000, AT + 1_000);
    const text = await metrics.registry.metrics();
    expect(text).toContain(`ctxsiem_stream_failures_total{${LABELS}} 3`);
    expect(text).toContain(`ctxsiem_records_beyond_horizon_total{${LABELS}} 7`);
    expect(text).toContain(`ctxsiem_records_possibly_duplicated_total{${LABELS}} 40`);
    expect(text).toContain(`ctxsiem_stream_busy_total{${LABELS}} 1`);
    expect(text).toContain(`ctxsiem_stream_blocked_total{${LABELS}} 1`);
    expect(text).toContain(`ctxsiem_stream_duration_seconds_count{${LABELS},outcome="failed"} 2`);
    expect(text).toContain(`ctxsiem_stream_duration_seconds_bucket{le="60",${LABELS},outcome="ok"} 1`);
    expect(text).toContain(`ctxsiem_stream_duration_seconds_bucket{le="30",${LABELS},outcome="ok"} 0`);
    expect(text).toContain(`ctxsiem_last_success_timestamp_seconds{${LABELS}} ${(AT + 1_000) / 1000}`);
    expect(text).toContain(`ctxsiem_lag_seconds{${LABELS}} 600`);
  });

  it('shows the unverified windows as of the last run that held the stream', async () => {
    const metrics = new DaemonMetrics(AT);
    metrics.streamEnded(stream('failed', { unverifiedWindows: 2 }), 2_000, AT);
    // A run that left the stream alone did not look at its checks.
    metrics.streamEnded(stream('busy', { unverifiedWindows: 0 }), 5, AT);
    expect(await metrics.registry.metrics()).toContain(`ctxsiem_unverified_windows{${LABELS}} 2`);
    metrics.streamEnded(stream('ok', { unverifiedWindows: 0 }), 2_000, AT);
    expect(await metrics.registry.metrics()).toContain(`ctxsiem_unverified_windows{${LABELS}} 0`);
  });

  it('keeps the collection-wide figures: source client counters and the scheduled run duration', async () => {
    const metrics = new DaemonMetrics(AT);
    const totals = {
      records: 4,
      deadLetters: 0,
      pages: 1,
      bytes: 10,
      failed: [],
      busy: [],
      blocked: [],
      lateRecords: 0,
    };
    const run: CollectSummary = {
      ...{ startedAt: '2024-08-06T12:00:00.000Z', durationMs: 1500, sink: 'file', logs: [] },
      sources: [{ tenant: 'acme', source: 'monitor', metrics: { requests: 3, retries: 1 } }],
      ...{ streams: [stream('ok')], totals, deadLetters: [], tenantFailures: [], budgetExhausted: false },
    };
    metrics.collected(0, run);
    const text = await metrics.registry.metrics();
    expect(text).toContain('ctxsiem_source_requests_total{tenant="acme",source="monitor",kind="retries"} 1');
    expect(text).toContain('ctxsiem_run_duration_seconds_count{schedule="0",outcome="ok"} 1');
  });

  it('says what runs, whether the last reload was applied, and whether it is ready, beside the process metrics', async () => {
    const metrics = new DaemonMetrics(AT);
    let text = await metrics.registry.metrics();
    expect(text).toContain(`ctxsiem_build_info{version="${manifest.version}",node="${process.version}"} 1`);
    expect(text).toContain('ctxsiem_config_last_reload_success 1');
    expect(text).toContain(`ctxsiem_config_last_reload_timestamp_seconds ${AT / 1000}`);
    // prom-client's default metrics: the process's CPU, memory, event loop and heap.
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ])
      expect(text).toMatch(new RegExp(`^${name}(\\{[^}]*\\})? `, 'm'));

    metrics.reloaded(false, AT + 60_000);
    metrics.readiness(false);
    text = await metrics.registry.metrics();
    expect(text).toContain('ctxsiem_config_last_reload_success 0');
    expect(text).toContain('ctxsiem_config_reloads_total{outcome="refused"} 1');
    expect(text).toContain(`ctxsiem_config_last_reload_timestamp_seconds ${AT / 1000}`);
    expect(text).toContain('ctxsiem_ready 0');
    metrics.reloaded(true, AT + 120_000);
    metrics.readiness(true);
    text = await metrics.registry.metrics();
    expect(text).toContain('ctxsiem_config_last_reload_success 1');
    expect(text).toContain(`ctxsiem_config_last_reload_timestamp_seconds ${(AT + 120_000) / 1000}`);
    expect(text).toContain('ctxsiem_ready 1');
  });
});
