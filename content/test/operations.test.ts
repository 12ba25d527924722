/**
 * The daemon's Grafana dashboard and Prometheus alerts read only what the daemon exports: every PromQL
 * expression parses (Prometheus' own grammar), and each metric and label it names is a series of the
 * daemon's real `/metrics` text — its DaemonMetrics fed an observation of each kind — as Prometheus
 * stores it after a scrape.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CitrixCloudClient } from '@ctxsiem/citrix-cloud';
import { DaemonMetrics } from '@ctxsiem/container/daemon-metrics';
import { emptySummary, type StreamStatus } from '@ctxsiem/core';
import type { CollectedStream, CollectSummary } from '@ctxsiem/deployment';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ALERTS_FILE,
  alertRules,
  DASHBOARD_FILE,
  DATASOURCE_INPUT,
  dashboardPanels,
  dashboardQueries,
  type ExposedSeries,
  type Exposition,
  loadGrafanaDashboard,
  loadPrometheusRules,
  parseExposition,
  parsePrometheusRules,
  promqlOutputLabels,
  promqlProblems,
  promqlReferences,
  scrapedSeries,
} from '../src/index.ts';

/** Every way a stream's run ends: the compiler checks the list against StreamStatus. */
const STATUSES = [
  'ok',
  'partial',
  'failed',
  'idle',
  'busy',
  'blocked',
  'conflict',
] as const satisfies readonly StreamStatus[];
const everyStatusFed: [Exclude<StreamStatus, (typeof STATUSES)[number]>] extends [never] ? true : false =
  true;

const AT = Date.parse('2026-12-07T12:00:00Z');
const LABELS = { tenant: 'acme', source: 'monitor', stream: 'Sessions' };

/** The daemon's /metrics after one observation of each kind its runs report. */
async function daemonExposition(): Promise<string> {
  const metrics = new DaemonMetrics(AT);
  metrics.delivered(LABELS, { records: 50, deadLetters: 1, bytes: 4_000 });
  for (const status of STATUSES) {
    const stream: CollectedStream = {
      ...emptySummary(LABELS.stream),
      ...LABELS,
      to: '2026-12-07T11:50:00.000Z',
      lagSeconds: 600,
      status,
      unverifiedWindows: 1,
      beyondHorizon: 2,
      possiblyDuplicated: 3,
      drift: [{ field: 'Id', expected: 'Edm.Int32', found: 'a GUID string', records: 4 }],
    };
    metrics.streamEnded(stream, 2_000, AT);
  }
  // The source client's counters, by the kinds the real client keeps.
  const client = new CitrixCloudClient({ customerId: 'acme', clientId: 'id', clientSecret: 'secret' });
  const stats: Record<string, number> = { ...client.stats };
  await client.close();
  for (const failed of [[], ['Sessions']]) {
    const summary: CollectSummary = {
      ...{ startedAt: '2026-12-07T12:00:00.000Z', durationMs: 1_500, sink: 'file', streams: [], logs: [] },
      sources: [{ tenant: LABELS.tenant, source: LABELS.source, metrics: stats }],
      totals: {
        records: 0,
        deadLetters: 0,
        pages: 0,
        bytes: 0,
        failed,
        busy: [],
        blocked: [],
        lateRecords: 0,
      },
      ...{ deadLetters: [], tenantFailures: [], budgetExhausted: false },
    };
    metrics.collected(0, summary);
  }
  metrics.consumed('acme', 'sentinel', 'SecurityEvents', 'records', 10, 1_000);
  metrics.consumed('acme', 'sentinel', 'SecurityEvents', 'deadletter', 1, 100);
  metrics.kafkaLag('acme', 'sentinel', 'citrix-events', [
    { partition: 0, committed: 90, start: 0, end: 100, lag: 10, owned: true },
  ]);
  metrics.reloaded(false, AT + 60_000);
  metrics.reloaded(true, AT + 120_000);
  metrics.readiness(true);
  return metrics.registry.metrics();
}

let exposition: Exposition;
let series: Map<string, ExposedSeries>;
beforeAll(async () => {
  exposition = parseExposition(await daemonExposition());
  series = scrapedSeries(exposition);
});

const problemsOf = (queries: { where: string; promql: string }[]) =>
  Object.fromEntries(
    queries.flatMap((q) => {
      const problems = promqlProblems(q.promql, series);
      return problems.length > 0 ? [[q.where, problems]] : [];
    }),
  );

describe("the daemon's exposition, as the checks read it", () => {
  it('has samples of every ctxsiem family, so each one’s labels are known', () => {
    expect(everyStatusFed).toBe(true);
    expect(exposition.unobserved.filter((f) => f.startsWith('ctxsiem_'))).toEqual([]);
  });

  it('names counters, histograms and gauges exactly as Prometheus stores them', () => {
    expect(series.get('ctxsiem_records_total')?.type).toBe('counter');
    expect(series.has('ctxsiem_records')).toBe(false);
    for (const suffix of ['_bucket', '_sum', '_count'])
      expect(series.get(`ctxsiem_stream_duration_seconds${suffix}`)?.family).toBe(
        'ctxsiem_stream_duration_seconds',
      );
    expect(series.has('ctxsiem_stream_duration_seconds')).toBe(false);
    expect(series.get('ctxsiem_stream_duration_seconds_bucket')?.labels.has('le')).toBe(true);
    expect(series.get('ctxsiem_stream_duration_seconds_count')?.labels.has('le')).toBe(false);
    expect([...(series.get('ctxsiem_kafka_lag_messages')?.labels.keys() ?? [])].sort()).toEqual([
      'instance',
      'job',
      'partition',
      'source',
      'tenant',
      'topic',
    ]);
    expect(series.get('up')?.labels.has('job')).toBe(true);
  });

  it('refuses a sample of no declared family', () => {
    expect(() => parseExposition('# TYPE a_seconds histogram\na_seconds{x="1"} 3\n')).toThrow(
      /no # TYPE family/,
    );
  });
});

describe('the PromQL check', () => {
  const problems = (expr: string) => promqlProblems(expr, series);

  it('finds what the content reads: metrics, matchers and grouping labels', () => {
    const refs = promqlReferences(
      'sum by (tenant) (rate(ctxsiem_records_total{stream=~"$stream"}[5m])) / on (tenant) group_left (version) ctxsiem_build_info',
    );
    expect(refs.errors).toEqual([]);
    expect(refs.selectors.map((s) => s.metric)).toEqual(['ctxsiem_records_total', 'ctxsiem_build_info']);
    expect(refs.selectors[0]?.matchers).toEqual([{ label: 'stream', op: '=~', value: '$stream' }]);
    expect(refs.groupings.map((g) => [g.kind, g.labels, g.metrics.length])).toEqual([
      ['by', ['tenant'], 1],
      ['on', ['tenant'], 2],
      ['group_left', ['version'], 2],
    ]);
  });

  it('fails on each kind of mistake', () => {
    expect(problems('rate(ctxsiem_record_total[5m])')).toEqual([
      expect.stringContaining('ctxsiem_record_total is not a series the daemon exports'),
    ]);
    expect(problems('ctxsiem_records')).toHaveLength(1); // a counter is stored with its _total
    expect(problems('ctxsiem_stream_duration_seconds')).toHaveLength(1); // a histogram only as _bucket/_sum/_count
    expect(problems('ctxsiem_stream_duration_seconds_count{le="1"}')).toEqual([
      expect.stringContaining('has no label le'),
    ]);
    expect(problems('ctxsiem_kafka_lag_messages{stream="Sessions"}')).toHaveLength(1);
    expect(problems('sum by (stream) (ctxsiem_source_requests_total)')).toEqual([
      expect.stringContaining('carries no label stream'),
    ]);
    expect(problems('ctxsiem_source_requests_total{kind="throttle"}')).toEqual([
      expect.stringContaining('kind values requests, retries, throttled, reauthentications'),
    ]);
    expect(problems('sum(rate(ctxsiem_records_total[$__rate_interval])')).not.toEqual([]);
    expect(problems('{__name__=~"ctxsiem_.+"}')).toEqual([
      expect.stringContaining('names no metric exactly'),
    ]);
    // What is right passes: target labels, variables in strings, group_left labels of one side.
    expect(
      problems(
        'sum by (job, instance, tenant) (rate(ctxsiem_records_total{tenant=~"$tenant"}[5m])) * on (job, instance) group_left (version) ctxsiem_build_info',
      ),
    ).toEqual([]);
  });

  it('says which labels a result carries', () => {
    const labelsOf = (m: string) => new Set(series.get(m)?.labels.keys() ?? []);
    const out = (expr: string) => {
      const labels = promqlOutputLabels(expr, labelsOf);
      return labels === 'scalar' || labels === undefined ? labels : [...labels].sort();
    };
    expect(out('time() - max by (tenant, stream) (ctxsiem_last_success_timestamp_seconds) > 7200')).toEqual([
      'stream',
      'tenant',
    ]);
    expect(
      out('histogram_quantile(0.9, sum by (le, schedule) (rate(ctxsiem_run_duration_seconds_bucket[1h])))'),
    ).toEqual(['schedule']);
    expect(out('ctxsiem_ready == 0')).toEqual(['instance', 'job']);
    expect(out('sum(ctxsiem_ready) or sum by (job) (ctxsiem_ready)')).toEqual([]);
    expect(out('ctxsiem_ready * ignoring (instance) group_left (version) ctxsiem_build_info')).toEqual([
      'job',
      'version',
    ]);
    expect(out('time()')).toBe('scalar');
  });
});

describe('the Grafana dashboard', () => {
  const dashboard = loadGrafanaDashboard();

  it('runs only PromQL that parses and reads what the daemon exports', () => {
    const queries = dashboardQueries(dashboard);
    expect(queries.length).toBeGreaterThan(30);
    expect(problemsOf(queries)).toEqual({});
  });

  it('shows every metric the daemon exports of its own', () => {
    const read = new Set(
      dashboardQueries(dashboard).flatMap((q) => promqlReferences(q.promql).selectors.map((s) => s.metric)),
    );
    const families = new Set(
      [...series.values()].filter((s) => s.name.startsWith('ctxsiem_')).map((s) => s.family),
    );
    const shown = [...families].filter((f) =>
      [...series.values()].some((s) => s.family === f && read.has(s.name)),
    );
    expect([...families].filter((f) => !shown.includes(f))).toEqual([]);
  });

  it('gives each panel its own id and place', () => {
    const panels = dashboardPanels(dashboard);
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Map<string, number>();
    for (const p of panels)
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++)
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(
            cells.get(`${x},${y}`),
            `panel ${p.id} overlaps panel ${cells.get(`${x},${y}`)}`,
          ).toBeUndefined();
          cells.set(`${x},${y}`, p.id);
        }
    for (const p of panels) expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
  });

  it('asks for its data source on import and refers to it everywhere', () => {
    const raw: unknown = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8'));
    const references: unknown[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value === 'object')
        for (const [key, inner] of Object.entries(value)) {
          if (key === 'datasource') references.push(inner);
          else walk(inner);
        }
    };
    walk(raw);
    const builtIn = { type: 'grafana', uid: '-- Grafana --' }; // the built-in annotations' own source
    const other = references.filter(
      (r) =>
        JSON.stringify(r) !== JSON.stringify({ type: 'prometheus', uid: `\${${DATASOURCE_INPUT}}` }) &&
        JSON.stringify(r) !== JSON.stringify(builtIn),
    );
    expect(references.length).toBeGreaterThan(40);
    expect(other).toEqual([]);
    expect(dashboard.__inputs.map((i) => i.name)).toEqual([DATASOURCE_INPUT]);
    // A panel pointing elsewhere is refused by the loader itself.
    const broken = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8'));
    broken.panels[1].datasource = { type: 'prometheus', uid: 'my-prometheus' };
    const dir = mkdtempSync(join(tmpdir(), 'ctxsiem-dashboard-'));
    try {
      writeFileSync(join(dir, 'dashboard.json'), JSON.stringify(broken));
      expect(() => loadGrafanaDashboard(join(dir, 'dashboard.json'))).toThrow(/DS_PROMETHEUS/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('the Prometheus alerts', () => {
  const rules = loadPrometheusRules();
  const alerts = alertRules(rules);

  it('run only PromQL that parses and reads what the daemon exports', () => {
    expect(alerts.length).toBeGreaterThanOrEqual(8);
    expect(problemsOf(alerts.map((a) => ({ where: a.alert, promql: a.expr })))).toEqual({});
  });

  it('cover what the issue asks for', () => {
    const reads = (metric: string) =>
      alerts
        .filter((a) => promqlReferences(a.expr).selectors.some((s) => s.metric === metric))
        .map((a) => a.alert);
    for (const metric of [
      'ctxsiem_last_success_timestamp_seconds',
      'ctxsiem_lag_seconds',
      'ctxsiem_dead_letters_total',
      'ctxsiem_stream_failures_total',
      'ctxsiem_source_requests_total',
      'ctxsiem_schema_drift_total',
      'ctxsiem_kafka_lag_messages',
      'ctxsiem_ready',
      'ctxsiem_config_last_reload_success',
    ])
      expect(reads(metric), metric).not.toEqual([]);
  });

  it('have a severity, a summary and a runbook section each, and unique names', () => {
    expect(new Set(alerts.map((a) => a.alert)).size).toBe(alerts.length);
    const text = readFileSync(ALERTS_FILE, 'utf8');
    expect(() => parsePrometheusRules(text.replace('severity: critical', 'team: ctxsiem'))).toThrow(
      /severity/,
    );
    expect(() => parsePrometheusRules(text.replace(/summary: .*/, 'summry: x'))).toThrow(/summary/);
    const readme = readFileSync(new URL('../operations/README.md', import.meta.url), 'utf8');
    const anchors = new Set(
      [...readme.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
        (m[1] as string)
          .toLowerCase()
          .replace(/[^a-z0-9 _-]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    for (const a of alerts) expect(anchors, a.alert).toContain(a.annotations.runbook_url.split('#')[1]);
  });

  it('show in their annotations only labels their result carries', () => {
    const labelsOf = (m: string) => new Set(series.get(m)?.labels.keys() ?? []);
    const wrong = alerts.flatMap((a) => {
      const carried = promqlOutputLabels(a.expr, labelsOf);
      const used = Object.values(a.annotations).flatMap((t) =>
        [...t.matchAll(/\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)/g)].map((m) => m[1] as string),
      );
      if (carried === undefined || carried === 'scalar')
        return [`${a.alert}: its result has no labels to show`];
      return used.filter((l) => !carried.has(l)).map((l) => `${a.alert}: $labels.${l}`);
    });
    expect(wrong).toEqual([]);
  });
});
