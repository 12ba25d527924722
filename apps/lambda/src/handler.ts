/**
 * The AWS Lambda handler (`nodejs24.x`): config → registry → runner → report, nothing more (the
 * deployment package's `FunctionInstance` does the work; see the README).
 *
 * - Config from the seeds' environment variables, or `CTXSIEM_CONFIG`; read once per container.
 * - Secret references (`secretsmanager:…`) fetched once per container.
 * - The event may select tenants and sources (an EventBridge Scheduler schedule per tenant).
 * - The budget is the invocation's remaining time minus `LAMBDA_SAFETY_MARGIN_SECONDS`: the run stops at
 *   a page boundary with its checkpoint written, and the next invocation continues.
 * - It answers the seeds' shape (`statusCode`, `body` with `success`, `records_written`,
 *   `entities_processed`) plus the run summary. A failed stream fails the invocation, so retries and
 *   alarms see it; a stream another invocation holds is `busy`, not a failure.
 */

import {
  type CollectSummary,
  FunctionInstance,
  type InvocationBody,
  StreamsFailedError,
} from '@ctxsiem/deployment';
import type { Context } from 'aws-lambda';
import { selectionOf } from './event.ts';
import { createMetrics, publishRunMetrics } from './metrics.ts';

export interface LambdaResponse {
  statusCode: 200;
  /** An `InvocationBody`, as JSON. */
  body: string;
}

/** This container. */
const instance = new FunctionInstance({ marginVariable: 'LAMBDA_SAFETY_MARGIN_SECONDS', artifact: 'lambda' });

export async function handler(event: unknown, context: Context): Promise<LambdaResponse> {
  const logger = instance.logger({ requestId: context.awsRequestId });
  const metrics = createMetrics();
  let summary: CollectSummary | undefined;
  try {
    const body: InvocationBody = await instance.invoke({
      selection: selectionOf(event),
      remainingMs: context.getRemainingTimeInMillis(),
      logger,
    });
    summary = body.summary;
    return { statusCode: 200, body: instance.secrets.scrub(JSON.stringify(body)) };
  } catch (error) {
    if (error instanceof StreamsFailedError) summary = error.summary;
    throw instance.scrubbed(error);
  } finally {
    publishRunMetrics(metrics, summary, Date.now());
  }
}
