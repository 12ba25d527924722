/**
 * One instance of a function app — a Lambda container, a Cloud Run function instance — and its
 * invocations: the secrets known so far (every log line and error is scrubbed of them), the config
 * read once (and again after a failure: a fixed environment or config object is picked up), and one
 * run per invocation with a budget from the time the platform leaves it, answered in the seeds'
 * response shape (`success`, `records_written`, `entities_processed`) plus the run summary.
 */
import { createLogger, describeError, type Logger, SecretRegistry, systemClock } from '@ctxsiem/core';
import type { DeploymentConfig } from '@ctxsiem/registry';
import { type CollectSummary, collect } from './collect.ts';
import { invocationBudgetSeconds, LEASE_GRACE_MS } from './invocation-budget.ts';
import { loadConfig } from './load-config.ts';
import { type Artifact, configuredMemoryMb, warnIfMemoryLow } from './memory.ts';
import type { Env } from './secret-references.ts';
import { registerEnvironmentSecrets } from './secrets.ts';
import type { CollectSelection } from './selection.ts';

/** What an invocation answers: the seeds' fields, and the run summary. */
export interface InvocationBody {
  success: true;
  records_written: number;
  entities_processed: string[];
  summary: CollectSummary;
}

/** A run in which streams failed: the invocation fails, naming each stream, its reason and checkpoint. */
export class StreamsFailedError extends Error {
  readonly summary: CollectSummary;
  constructor(message: string, summary: CollectSummary) {
    super(message);
    this.name = 'StreamsFailedError';
    this.summary = summary;
  }
}

export interface Invocation {
  selection: CollectSelection;
  /** What the platform leaves the invocation, in ms. */
  remainingMs: number;
  logger: Logger;
}

export interface FunctionInstanceOptions {
  /** The variable holding the safety margin (`LAMBDA_SAFETY_MARGIN_SECONDS`). */
  marginVariable: string;
  /** Which artifact this is: its measured memory minimum is checked once, when the instance starts. */
  artifact?: Artifact | undefined;
  /** Default process.env; defaults a function applies (SINK=gcs) go under it. */
  env?: Env;
}

export class FunctionInstance {
  readonly secrets = new SecretRegistry();
  readonly #env: Env;
  readonly #marginVariable: string;
  #config: Promise<DeploymentConfig> | undefined;

  constructor(options: FunctionInstanceOptions) {
    this.#env = options.env ?? process.env;
    this.#marginVariable = options.marginVariable;
    registerEnvironmentSecrets(this.secrets, this.#env);
    if (options.artifact) warnIfMemoryLow(options.artifact, this.logger(), configuredMemoryMb(this.#env));
  }

  /** A logger for one invocation: JSON lines, every secret scrubbed. */
  logger(fields: Record<string, unknown> = {}): Logger {
    return createLogger({ level: this.#env.LOG_LEVEL, secrets: this.secrets }).child(fields);
  }

  #deploymentConfig(): Promise<DeploymentConfig> {
    this.#config ??= loadConfig(undefined, this.secrets, this.#env).catch((error: unknown) => {
      this.#config = undefined;
      throw error;
    });
    return this.#config;
  }

  /** An error as the invocation reports it: its message scrubbed of every secret, its name kept. */
  scrubbed(error: unknown): Error {
    if (error instanceof StreamsFailedError) return error;
    const reported = new Error(this.secrets.scrub(describeError(error)));
    reported.name = error instanceof Error ? error.name : 'Error';
    return reported;
  }

  /**
   * Collects what the invocation selects within its budget. Throws a scrubbed error when it could not
   * start (config, selection, secrets, a timeout too short), and `StreamsFailedError` when streams failed.
   */
  async invoke(invocation: Invocation): Promise<InvocationBody> {
    const { logger } = invocation;
    // The platform kills the invocation at its deadline: no lease it takes outlives that by more than
    // the grace, so a killed invocation blocks the next one a minute at most.
    const leaseUntil = systemClock.now() + invocation.remainingMs + LEASE_GRACE_MS;
    let summary: CollectSummary;
    try {
      const config = await this.#deploymentConfig();
      const budgetSeconds = invocationBudgetSeconds({
        remainingMs: invocation.remainingMs,
        marginVariable: this.#marginVariable,
        env: this.#env,
        configuredSeconds: config.runner.budgetSeconds,
      });
      summary = await collect(
        { ...config, runner: { ...config.runner, budgetSeconds } },
        { logger, clock: systemClock, secrets: this.secrets, leaseUntil },
        invocation.selection,
      );
    } catch (error) {
      logger.error({ err: error }, 'the invocation failed before collecting');
      throw this.scrubbed(error);
    }
    const { totals } = summary;
    logger.info(
      {
        records: totals.records,
        deadLetters: totals.deadLetters,
        failed: totals.failed,
        busy: totals.busy,
        blocked: totals.blocked,
        budgetExhausted: summary.budgetExhausted,
        deadLetterLocations: summary.deadLetters,
      },
      'run finished',
    );
    if (totals.failed.length > 0) {
      const tenants = summary.tenantFailures.map((failure) => `tenant ${failure.tenant}: ${failure.error}`);
      const streams = summary.streams
        .filter((stream) => stream.status === 'failed' || stream.status === 'conflict')
        .map(
          (s) => `${s.tenant}/${s.source}/${s.stream}: ${s.error ?? 'failed'} (checkpoint kept at ${s.to})`,
        );
      const what = [
        tenants.length > 0 ? `${tenants.length} tenant(s)` : '',
        streams.length > 0 || tenants.length === 0 ? `${streams.length} stream(s)` : '',
      ].filter(Boolean);
      throw new StreamsFailedError(
        this.secrets.scrub(`${what.join(' and ')} failed: ${[...tenants, ...streams].join('; ')}`),
        summary,
      );
    }
    return {
      success: true,
      records_written: totals.records,
      entities_processed: [...new Set(summary.streams.map((stream) => stream.stream))],
      summary,
    };
  }
}
