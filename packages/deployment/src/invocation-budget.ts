/**
 * How long one function invocation may collect: the time the platform leaves it (a Lambda's remaining
 * time, a Cloud Run function's timeout), minus a safety margin for stopping at a page boundary,
 * committing the checkpoint and releasing the lease. A run stopped by its budget is continued by the
 * next invocation.
 */
import { ConfigError } from '@ctxsiem/core';
import type { Env } from './secret-references.ts';

/** Default margin: an aborted request, a checkpoint write and the lease's release, with room to spare. */
export const DEFAULT_SAFETY_MARGIN_SECONDS = 10;
/**
 * How long after an invocation's deadline its stream leases expire. A platform kills an invocation at
 * its deadline without a chance to release them; the next invocation then finds its streams `busy` for
 * this long at most (a fixed `runner.leaseSeconds`, 10 min, would skip whole scheduled runs).
 */
export const LEASE_GRACE_MS = 60_000;

/** Below this, an invocation could not finish a single page: the timeout is too short. */
export const MIN_BUDGET_MS = 1_000;

export interface BudgetOptions {
  /** What the invocation has left, in ms. */
  remainingMs: number;
  /** The variable holding the margin in seconds (`LAMBDA_SAFETY_MARGIN_SECONDS`). */
  marginVariable: string;
  env: Env;
  /** `runner.budgetSeconds` of the config, if set: the budget is never longer. */
  configuredSeconds?: number | undefined;
}

export function invocationBudgetSeconds(options: BudgetOptions): number {
  const { remainingMs, marginVariable, env, configuredSeconds } = options;
  const raw = env[marginVariable]?.trim();
  const margin = raw ? Number(raw) : DEFAULT_SAFETY_MARGIN_SECONDS;
  if (!Number.isFinite(margin) || margin < 0)
    throw new ConfigError('environment', [
      { path: marginVariable, reason: 'must be a number of seconds, 0 or more' },
    ]);
  const budgetMs = remainingMs - margin * 1000;
  if (budgetMs < MIN_BUDGET_MS)
    throw new ConfigError('environment', [
      {
        path: marginVariable,
        reason: `leaves ${Math.max(0, Math.round(budgetMs))} ms of the ${Math.round(remainingMs)} ms this invocation has: raise the function's timeout (the seeds use 300 s) or lower the margin`,
      },
    ]);
  const seconds = budgetMs / 1000;
  return configuredSeconds === undefined ? seconds : Math.min(seconds, configuredSeconds);
}
