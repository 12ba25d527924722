/**
 * The AWS Lambda handler (`nodejs24.x`): config → registry → runner → report, nothing more.
 *
 * - Config comes from the environment exactly as the seeds' Lambdas read it (`S3_BUCKET`, `S3_PREFIX`,
 *   `STATE_KEY`, `CITRIX_*`, `API_BASE`, `ENTITIES`, …, plus `SOURCE` and `SINK`), or from a full
 *   config document in `CTXSIEM_CONFIG` (inline, or `s3://…`). It is read once per container.
 * - Secret references (`secretsmanager:…`) are fetched once per container and cached.
 * - The event may select tenants and sources (an EventBridge Scheduler schedule per tenant).
 * - The budget is the invocation's remaining time minus a safety margin: the run stops at a page
 *   boundary with its checkpoint written, and the next invocation continues.
 * - It answers the seeds' response shape (`statusCode`, `body` with `success`, `records_written`,
 *   `entities_processed`) plus the run summary. A failed stream fails the invocation, so Lambda's
 *   retries, its on-failure destination and the alarms see it; a stream another invocation holds is
 *   `busy` and is not a failure.
 */

import { createLogger, describeError, SecretRegistry, systemClock } from '@ctxsiem/core';
import { type CollectSummary, collect, loadConfig, registerEnvironmentSecrets } from '@ctxsiem/deployment';
import type { DeploymentConfig } from '@ctxsiem/registry';
import type { Context } from 'aws-lambda';
import { invocationBudgetSeconds } from './budget.ts';
import { selectionOf } from './event.ts';
import { createMetrics, publishRunMetrics } from './metrics.ts';

/** The seeds' response, plus the run summary. */
export interface LambdaResponse {
  statusCode: 200;
  body: string;
}

/** What `body` holds, parsed. */
export interface ResponseBody {
  success: true;
  records_written: number;
  entities_processed: string[];
  summary: CollectSummary;
}

/** A run in which streams failed: the invocation fails with their names and reasons. */
export class StreamsFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StreamsFailedError';
  }
}

// Per container: the secrets known so far (every log line and error is scrubbed of them) and the config.
const secrets = new SecretRegistry();
registerEnvironmentSecrets(secrets);
let config: Promise<DeploymentConfig> | undefined;

function deploymentConfig(): Promise<DeploymentConfig> {
  config ??= loadConfig(undefined, secrets).catch((error: unknown) => {
    config = undefined; // a fixed environment (or config object) is read again by the next invocation
    throw error;
  });
  return config;
}

/** An error as the invocation reports it: its message scrubbed of every secret. */
function scrubbed(error: unknown): Error {
  const message = secrets.scrub(describeError(error));
  const reported = new Error(message);
  reported.name = error instanceof Error ? error.name : 'Error';
  return reported;
}

export async function handler(event: unknown, context: Context): Promise<LambdaResponse> {
  const logger = createLogger({ level: process.env.LOG_LEVEL, secrets }).child({
    requestId: context.awsRequestId,
  });
  const metrics = createMetrics();
  let summary: CollectSummary | undefined;
  try {
    const deployment = await deploymentConfig();
    const selection = selectionOf(event);
    const budgetSeconds = invocationBudgetSeconds(
      context.getRemainingTimeInMillis(),
      process.env,
      deployment.runner.budgetSeconds,
    );
    summary = await collect(
      { ...deployment, runner: { ...deployment.runner, budgetSeconds } },
      { logger, clock: systemClock, secrets },
      selection,
    );
  } catch (error) {
    logger.error({ err: error }, 'the invocation failed before collecting');
    throw scrubbed(error);
  } finally {
    publishRunMetrics(metrics, summary, Date.now());
  }

  const { totals } = summary;
  logger.info(
    {
      records: totals.records,
      deadLetters: totals.deadLetters,
      failed: totals.failed,
      busy: totals.busy,
      budgetExhausted: summary.budgetExhausted,
      deadLetterLocations: summary.deadLetters,
    },
    'run finished',
  );
  if (totals.failed.length > 0) {
    const reasons = summary.streams
      .filter((stream) => stream.status === 'failed')
      .map((s) => `${s.tenant}/${s.source}/${s.stream}: ${s.error ?? 'failed'} (checkpoint kept at ${s.to})`);
    throw new StreamsFailedError(secrets.scrub(`${reasons.length} stream(s) failed: ${reasons.join('; ')}`));
  }
  const body: ResponseBody = {
    success: true,
    records_written: totals.records,
    entities_processed: [...new Set(summary.streams.map((stream) => stream.stream))],
    summary,
  };
  return { statusCode: 200, body: secrets.scrub(JSON.stringify(body)) };
}
