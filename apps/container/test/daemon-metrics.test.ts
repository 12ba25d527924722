/** The daemon's metrics count schema drift per stream, field and both types. */
import { emptySummary } from '@ctxsiem/core';
import type { CollectSummary } from '@ctxsiem/deployment';
import { describe, expect, it } from 'vitest';
import { DaemonMetrics } from '../src/daemon-metrics.ts';

describe('daemon metrics', () => {
  it('adds each run’s schema drift to ctxsiem_schema_drift_total', async () => {
    const metrics = new DaemonMetrics();
    const stream = {
      ...emptySummary('Applications'),
      tenant: 'acme',
      source: 'monitor',
      status: 'ok' as const,
      drift: [{ field: 'Id', expected: 'Edm.Int32', found: 'a GUID string', records: 4 }],
    };
    const totals = { records: 4, deadLetters: 0, pages: 1, bytes: 10, failed: [], busy: [], lateRecords: 0 };
    const run: CollectSummary = {
      ...{ startedAt: '2024-08-06T12:00:00.000Z', durationMs: 10, sink: 'file', logs: [], sources: [] },
      ...{ streams: [stream], totals, deadLetters: [], tenantFailures: [], budgetExhausted: false },
    };
    metrics.collected(0, run, Date.parse('2024-08-06T12:00:00Z'));
    metrics.collected(0, run, Date.parse('2024-08-06T13:00:00Z'));
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'ctxsiem_schema_drift_total{tenant="acme",source="monitor",stream="Applications",field="Id",expected="Edm.Int32",found="a GUID string"} 8',
    );
  });
});
