/**
 * How long one invocation may collect: the time Lambda leaves it, minus a safety margin for stopping
 * at a page boundary, committing the checkpoint and releasing the lease before the function's timeout.
 * A run stopped by its budget is continued by the next invocation.
 */
import { ConfigError } from '@ctxsiem/core';

/** Default margin: an aborted request, a checkpoint write and the lease's release, with room to spare. */
export const DEFAULT_SAFETY_MARGIN_SECONDS = 10;
/** Below this, an invocation could not finish a single page: the timeout is too short. */
export const MIN_BUDGET_MS = 1_000;

export function invocationBudgetSeconds(
  remainingMs: number,
  env: Record<string, string | undefined>,
  configuredSeconds: number | undefined,
): number {
  const raw = env.LAMBDA_SAFETY_MARGIN_SECONDS?.trim();
  const margin = raw ? Number(raw) : DEFAULT_SAFETY_MARGIN_SECONDS;
  if (!Number.isFinite(margin) || margin < 0)
    throw new ConfigError('environment', [
      { path: 'LAMBDA_SAFETY_MARGIN_SECONDS', reason: 'must be a number of seconds, 0 or more' },
    ]);
  const budgetMs = remainingMs - margin * 1000;
  if (budgetMs < MIN_BUDGET_MS)
    throw new ConfigError('environment', [
      {
        path: 'LAMBDA_SAFETY_MARGIN_SECONDS',
        reason: `leaves ${Math.max(0, Math.round(budgetMs))} ms of the ${remainingMs} ms this invocation has: raise the function's timeout (the seeds use 300 s) or lower the margin`,
      },
    ]);
  const seconds = budgetMs / 1000;
  return configuredSeconds === undefined ? seconds : Math.min(seconds, configuredSeconds);
}
