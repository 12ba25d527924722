/**
 * The run's figures as CloudWatch metrics, through Powertools for AWS Lambda's Metrics: one Embedded
 * Metric Format line on stdout per invocation, which CloudWatch turns into metrics without an API call
 * (no extra latency, no PutMetricData permission). The alarms Terraform sets read them.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { CollectSummary } from '@ctxsiem/deployment';

/** Namespace and service: POWERTOOLS_METRICS_NAMESPACE / POWERTOOLS_SERVICE_NAME, else `ctxsiem`. */
export function createMetrics(env: Record<string, string | undefined> = process.env): Metrics {
  return new Metrics({
    namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? 'ctxsiem',
    serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'ctxsiem',
  });
}

/**
 * Adds the run's metrics and publishes them. `CheckpointAgeSeconds` is how far behind now the stream
 * furthest behind is delivered (its checkpoint position): it grows when runs keep failing or cannot
 * keep up, which is what an alarm should see.
 */
export function publishRunMetrics(metrics: Metrics, summary: CollectSummary | undefined, now: number): void {
  if (summary) {
    const { totals } = summary;
    metrics.addMetric('RecordsWritten', MetricUnit.Count, totals.records);
    metrics.addMetric('DeadLetters', MetricUnit.Count, totals.deadLetters);
    metrics.addMetric('FailedStreams', MetricUnit.Count, totals.failed.length);
    metrics.addMetric('BusyStreams', MetricUnit.Count, totals.busy.length);
    metrics.addMetric('BlockedStreams', MetricUnit.Count, totals.blocked.length);
    metrics.addMetric('BudgetExhausted', MetricUnit.Count, summary.budgetExhausted ? 1 : 0);
    const positions = summary.streams
      .filter((s) => s.status !== 'busy' && s.status !== 'blocked' && s.status !== 'conflict')
      .map((s) => Date.parse(s.to));
    if (positions.length > 0)
      metrics.addMetric(
        'CheckpointAgeSeconds',
        MetricUnit.Seconds,
        Math.max(0, (now - Math.min(...positions)) / 1000),
      );
  } else {
    metrics.addMetric('FailedRuns', MetricUnit.Count, 1);
  }
  metrics.publishStoredMetrics();
}
