/**
 * Config from environment variables: the seeds' names (API_BASE or URL_DOMAIN, CITRIX_*, ENTITIES,
 * PAGE_SIZE, TOP_N, LOOKBACK_MINUTES or CHRONICLE_FUNCTION_INTERVAL, USE_TIME_FILTER, S3_BUCKET,
 * S3_PREFIX, STATE_KEY) plus SOURCE, SINK, CHECKPOINT and
 * the runner's own, so ctxsiem drops in where the seed scripts ran. SOURCE and SINK pick connectors,
 * whose manifests say which variables fill their sections. The result goes through the same schema as a
 * config file; errors name the environment variable a bad field came from.
 */
import { ConfigError, type ConfigIssue, type Connector, type Env, envValue } from '@ctxsiem/core';
import { findConnector, findSource } from './registry.ts';

/** Config field paths of the deployment itself (not of a connector) → their variables. */
const DEPLOYMENT_VARIABLES: Record<string, string> = {
  'tenants[0].customerId': 'CITRIX_CUSTOMER_ID',
  'tenants[0].clientId': 'CITRIX_CLIENT_ID',
  'tenants[0].clientSecret': 'CITRIX_CLIENT_SECRET',
  'tenants[0].apiBase': 'API_BASE',
  'tenants[0].region': 'CITRIX_REGION',
  'tenants[0].tokenUrl': 'TOKEN_URL',
  'sources[0].type': 'SOURCE',
  'sink.type': 'SINK',
  'deadLetters.type': 'DEAD_LETTER_SINK',
  'checkpoint.type': 'CHECKPOINT',
  'runner.lookbackMinutes': 'LOOKBACK_MINUTES',
  'runner.budgetSeconds': 'BUDGET_SECONDS',
  'runner.start': 'START',
  'runner.leaseSeconds': 'LEASE_SECONDS',
  'runner.deadLetterExitCode': 'DEAD_LETTER_EXIT_CODE',
  'runner.reconcileHorizonMinutes': 'RECONCILE_HORIZON_MINUTES',
  logLevel: 'LOG_LEVEL',
};

/**
 * API_BASE may carry a service path (seed 001 sets https://api.cloud.com/casodata): keep the origin.
 * URL_DOMAIN is a bare host in seed 000 (`api-us.cloud.com`): HTTPS is meant.
 */
function apiOrigin(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim()) ? value.trim() : `https://${value.trim()}`;
  try {
    return new URL(url).origin;
  } catch {
    return value;
  }
}

export interface EnvironmentConfig {
  /** The deployment config read from the environment, not yet validated. */
  config: Record<string, unknown>;
  /** Config field path → the variable it came from, for error messages. */
  variables: Record<string, string>;
}

/** One connector's section from the environment, with its field → variable map under `path`. */
function section(
  path: string,
  connector: Connector | undefined,
  type: string,
  env: Env,
  variables: Record<string, string>,
): Record<string, unknown> {
  for (const [field, variable] of Object.entries(connector?.env?.variables ?? {}))
    variables[`${path}.${field}`] = variable;
  return { type, ...connector?.env?.read(env) };
}

/** Seed 001 (Analytics) sets API_BASE=https://api.cloud.com/casodata and no SOURCE. */
function apiService(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    return new URL(value).pathname.replace(/\/+$/, '').toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * The source when SOURCE is unset: `analytics` when API_BASE names the casodata service (seed 001),
 * else `monitor`.
 */
function defaultSource(env: Env): string {
  return apiService(env.API_BASE ?? env.URL_DOMAIN) === '/casodata' ? 'analytics' : 'monitor';
}

/**
 * The sink when SINK is unset: where the seeds write when their bucket variable is set (S3_BUCKET:
 * the Lambdas of seeds 001 and 002; GCS_BUCKET), else local files.
 */
function defaultSink(env: Env): string {
  if (env.S3_BUCKET) return 's3';
  if (env.GCS_BUCKET) return 'gcs';
  return 'file';
}

export function configFromEnv(env: Env): EnvironmentConfig {
  const variables = { ...DEPLOYMENT_VARIABLES };
  // Seed 000 (the Cloud Function) names its look-back CHRONICLE_FUNCTION_INTERVAL (minutes).
  const lookback = env.LOOKBACK_MINUTES ?? env.CHRONICLE_FUNCTION_INTERVAL;
  if (env.LOOKBACK_MINUTES === undefined && env.CHRONICLE_FUNCTION_INTERVAL !== undefined)
    variables['runner.lookbackMinutes'] = 'CHRONICLE_FUNCTION_INTERVAL';
  if (env.API_BASE === undefined && env.URL_DOMAIN !== undefined)
    variables['tenants[0].apiBase'] = 'URL_DOMAIN';
  const sourceType = (env.SOURCE ?? defaultSource(env)).trim();
  const sinkType = (env.SINK ?? defaultSink(env)).trim();
  // A sink that keeps no dead letters (a SIEM API) sends them to an object sink: DEAD_LETTER_SINK, else
  // the bucket the variables name, else files.
  const deadLetterType = (
    env.DEAD_LETTER_SINK ?? (findConnector('sink', sinkType)?.deadLettersElsewhere ? defaultSink(env) : '')
  ).trim();
  // The checkpoint store goes with the sink when one of its type exists (S3 sink → S3 checkpoints), else
  // with the dead letters' (a SIEM API sink with dead letters in S3 → S3 checkpoints), else files.
  const storeOf = (type: string) => (type && findConnector('checkpoint-store', type) ? type : undefined);
  const checkpointType = (env.CHECKPOINT ?? storeOf(sinkType) ?? storeOf(deadLetterType) ?? 'file').trim();

  const config = envValue.defined({
    tenants: [
      envValue.defined({
        customerId: env.CITRIX_CUSTOMER_ID,
        clientId: env.CITRIX_CLIENT_ID,
        clientSecret: env.CITRIX_CLIENT_SECRET,
        apiBase: apiOrigin(env.API_BASE ?? env.URL_DOMAIN),
        region: env.CITRIX_REGION,
        tokenUrl: env.TOKEN_URL,
      }),
    ],
    sources: [section('sources[0]', findSource(sourceType), sourceType, env, variables)],
    sink: section('sink', findConnector('sink', sinkType), sinkType, env, variables),
    deadLetters: deadLetterType
      ? section('deadLetters', findConnector('sink', deadLetterType), deadLetterType, env, variables)
      : undefined,
    checkpoint: section(
      'checkpoint',
      findConnector('checkpoint-store', checkpointType),
      checkpointType,
      env,
      variables,
    ),
    runner: envValue.defined({
      lookbackMinutes: envValue.number(lookback),
      budgetSeconds: envValue.number(env.BUDGET_SECONDS),
      start: env.START,
      leaseSeconds: envValue.number(env.LEASE_SECONDS),
      deadLetterExitCode: envValue.number(env.DEAD_LETTER_EXIT_CODE),
      reconcileHorizonMinutes: envValue.number(env.RECONCILE_HORIZON_MINUTES),
    }),
    logLevel: env.LOG_LEVEL,
  });
  return { config, variables };
}

/** Adds "(from VARIABLE)" to each issue whose field came from the environment. */
export function withEnvNames(error: ConfigError, variables: Record<string, string>): ConfigError {
  const issues: ConfigIssue[] = error.issues.map((issue) => {
    const variable = variables[issue.path] ?? variables[issue.path.replace(/\[\d+\]$/, '')];
    return variable ? { path: issue.path, reason: `${issue.reason} (from ${variable})` } : issue;
  });
  return new ConfigError('environment', issues);
}
