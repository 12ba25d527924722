/**
 * Config from environment variables: the seeds' names (API_BASE or URL_DOMAIN, CITRIX_*, ENTITIES,
 * PAGE_SIZE, TOP_N, LOOKBACK_MINUTES or CHRONICLE_FUNCTION_INTERVAL, USE_TIME_FILTER, S3_BUCKET,
 * S3_PREFIX, STATE_KEY) plus SOURCE, SINK, CHECKPOINT and
 * the runner's own, so ctxsiem drops in where the seed scripts ran. SOURCE and SINK pick connectors,
 * whose manifests say which variables fill their sections. The result goes through the same schema as a
 * config file; errors name the environment variable a bad field came from.
 *
 * The README's variables table is generated from what is declared here (`DEPLOYMENT_VARIABLES`,
 * `ENVIRONMENT_VARIABLES`), the schemas' descriptions and the manifests (`environment-table.ts`).
 */
import { ConfigError, type ConfigIssue, type Connector, type Env, envValue } from '@ctxsiem/core';
import { findConnector, findSource } from './registry.ts';

/** Config field paths of the deployment itself (not of a connector) → their variables. */
export const DEPLOYMENT_VARIABLES: Readonly<Record<string, string>> = {
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

/** What a variable of the deployment means where no schema field says it (the README's table shows it). */
export interface EnvironmentVariable {
  /** Its meaning, in place of the description of the field it fills. */
  readonly meaning?: string;
  /** Added to the field's description: what reading it from the environment adds. */
  readonly note?: string;
  /** Its default in words, where the schema has none for it. */
  readonly default?: string;
  /** Another name of this variable (a seed's), read when this one is unset. */
  readonly aliasOf?: string;
  /** The connectors it chooses among (`SINK`: the sinks). */
  readonly chooses?: 'source' | 'sink' | 'checkpoint store' | 'dead-letter sink';
  /** Which programs read it, when not every one does. */
  readonly readBy?: string;
}

/**
 * The deployment's variables that no schema field describes: the connector choices (their defaults are
 * `defaultSource`, `defaultSink` and `configFromEnv`'s), the seeds' other names (read through
 * `aliased`), and the variables holding a whole config document instead (read by
 * `@ctxsiem/deployment`'s `loadConfig` and the CLI).
 */
export const ENVIRONMENT_VARIABLES: Readonly<Record<string, EnvironmentVariable>> = {
  CTXSIEM_CONFIG: {
    meaning:
      'A whole config document instead of these variables: inline YAML or JSON, or an `s3://…` or `gs://…` URI.',
  },
  CTXSIEM_CONFIG_FILE: {
    meaning:
      'The config file read when neither `--config` nor `CTXSIEM_CONFIG` is given (the container image sets `/etc/ctxsiem/config.yaml`).',
    readBy: 'the CLI and the container',
  },
  API_BASE: {
    note: 'A service path (seed 001: `https://api.cloud.com/casodata`) is dropped; a bare host means HTTPS.',
  },
  URL_DOMAIN: {
    aliasOf: 'API_BASE',
    meaning: "Seed 000's name for `API_BASE`, a bare host (`api-us.cloud.com`), read when that is unset.",
  },
  SOURCE: {
    chooses: 'source',
    meaning: 'The source to collect; its variables fill its section.',
    default: '`analytics` when `API_BASE` names the casodata service (seed 001), else `monitor`',
  },
  SINK: {
    chooses: 'sink',
    meaning: 'Where records go; its variables fill the `sink` section.',
    default: '`s3` when `S3_BUCKET` is set (the seed Lambdas), `gcs` when `GCS_BUCKET` is, else `file`',
  },
  DEAD_LETTER_SINK: {
    chooses: 'dead-letter sink',
    meaning:
      'Where dead letters go when the sink keeps none (a SIEM API); the variables of that sink fill the `deadLetters` section.',
    default:
      'for a SIEM API sink, as `SINK` (`s3` with `S3_BUCKET`, `gcs` with `GCS_BUCKET`, else `file`); else none (the sink keeps them)',
  },
  CHECKPOINT: {
    chooses: 'checkpoint store',
    meaning: 'Where checkpoints are kept; its variables fill the `checkpoint` section.',
    default: "the sink's type when a checkpoint store has it, else the dead-letter sink's, else `file`",
  },
  CHRONICLE_FUNCTION_INTERVAL: {
    aliasOf: 'LOOKBACK_MINUTES',
    meaning: "Seed 000's name for `LOOKBACK_MINUTES` (minutes), read when that is unset.",
  },
};

/** `variable`'s value, else that of a name it has in the seeds (`ENVIRONMENT_VARIABLES`' aliases). */
function aliased(env: Env, variable: string, onAlias?: (alias: string) => void): string | undefined {
  if (env[variable] !== undefined) return env[variable];
  for (const [alias, { aliasOf }] of Object.entries(ENVIRONMENT_VARIABLES)) {
    if (aliasOf !== variable || env[alias] === undefined) continue;
    onAlias?.(alias);
    return env[alias];
  }
  return undefined;
}

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
  return apiService(aliased(env, 'API_BASE')) === '/casodata' ? 'analytics' : 'monitor';
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
  const variables: Record<string, string> = { ...DEPLOYMENT_VARIABLES };
  // A field read from a seed's other name (seed 000's URL_DOMAIN, CHRONICLE_FUNCTION_INTERVAL) names it.
  const field = (path: string) =>
    aliased(env, DEPLOYMENT_VARIABLES[path]!, (alias) => {
      variables[path] = alias;
    });
  const lookback = field('runner.lookbackMinutes');
  const apiBase = field('tenants[0].apiBase');
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
        apiBase: apiOrigin(apiBase),
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
