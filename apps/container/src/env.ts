/**
 * Config from environment variables: the seeds' names (API_BASE, CITRIX_*, ENTITIES, PAGE_SIZE, TOP_N,
 * LOOKBACK_MINUTES, USE_TIME_FILTER, S3_BUCKET, S3_PREFIX, STATE_KEY) plus SOURCE, SINK, OUTPUT_DIR and
 * friends, so ctxsiem drops in where the seed scripts ran. The result goes through the same schema as a
 * config file; errors name the environment variable a bad field came from.
 */
import { ConfigError, type ConfigIssue } from '@ctxsiem/core';

type Env = Record<string, string | undefined>;

/** Config field path → the environment variable it is read from (for error messages). */
export const ENV_FIELDS: Record<string, string> = {
  'tenants[0].customerId': 'CITRIX_CUSTOMER_ID',
  'tenants[0].clientId': 'CITRIX_CLIENT_ID',
  'tenants[0].clientSecret': 'CITRIX_CLIENT_SECRET',
  'tenants[0].apiBase': 'API_BASE',
  'tenants[0].region': 'CITRIX_REGION',
  'tenants[0].tokenUrl': 'TOKEN_URL',
  'sources[0].type': 'SOURCE',
  'sources[0].entities': 'ENTITIES',
  'sources[0].pageSize': 'PAGE_SIZE',
  'sources[0].top': 'TOP_N',
  'sources[0].useTimeFilter': 'USE_TIME_FILTER',
  'sources[0].lookbackMinutes': 'LOOKBACK_MINUTES',
  'sink.type': 'SINK',
  'sink.directory': 'OUTPUT_DIR',
  'sink.gzip': 'GZIP',
  'sink.bucket': 'S3_BUCKET / GCS_BUCKET',
  'sink.prefix': 'S3_PREFIX / GCS_PREFIX',
  'sink.endpoint': 'S3_ENDPOINT / GCS_ENDPOINT',
  'sink.forcePathStyle': 'S3_FORCE_PATH_STYLE',
  'sink.region': 'AWS_REGION',
  'checkpoint.directory': 'STATE_DIR',
  'checkpoint.bucket': 'S3_BUCKET / GCS_BUCKET',
  'checkpoint.legacyKey': 'STATE_KEY',
  'runner.lookbackMinutes': 'LOOKBACK_MINUTES',
  'runner.budgetSeconds': 'BUDGET_SECONDS',
  'runner.start': 'START',
  'runner.leaseSeconds': 'LEASE_SECONDS',
  'runner.reconcileHorizonMinutes': 'RECONCILE_HORIZON_MINUTES',
  logLevel: 'LOG_LEVEL',
};

/** A number when the text is one; otherwise the text itself, so the schema reports it by field. */
function numeric(value: string | undefined): number | string | undefined {
  if (value === undefined || value === '') return undefined;
  return /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
}

function boolean(value: string | undefined): boolean | string | undefined {
  if (value === undefined || value === '') return undefined;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  return value;
}

/** API_BASE may carry a service path (seed 001 sets https://api.cloud.com/casodata): keep the origin. */
function apiOrigin(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    return new URL(value).origin;
  } catch {
    return value;
  }
}

function defined<T extends Record<string, unknown>>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function configFromEnv(env: Env): Record<string, unknown> {
  const source = (env.SOURCE ?? 'monitor').trim();
  const sinkType = (env.SINK ?? 'file').trim();
  const outputDir = env.OUTPUT_DIR ?? 'out';

  const sourceConfig: Record<string, unknown> = defined({
    type: source,
    entities: env.ENTITIES,
    pageSize: numeric(source === 'analytics' ? undefined : env.PAGE_SIZE),
    top: numeric(source === 'analytics' ? (env.TOP_N ?? env.PAGE_SIZE) : undefined),
    useTimeFilter: boolean(source === 'monitor' ? env.USE_TIME_FILTER : undefined),
    // Analytics reads an hour once it is complete plus a safety lag, as the seed did with LOOKBACK_MINUTES.
    lookbackMinutes: numeric(source === 'analytics' ? env.LOOKBACK_MINUTES : undefined),
  });

  let sink: Record<string, unknown>;
  let checkpoint: Record<string, unknown>;
  if (sinkType === 's3') {
    const prefix = (env.S3_PREFIX ?? '').replace(/^\/+|\/+$/g, '');
    const connection = {
      region: env.AWS_REGION,
      endpoint: env.S3_ENDPOINT,
      forcePathStyle: boolean(env.S3_FORCE_PATH_STYLE),
    };
    sink = defined({ type: 's3', bucket: env.S3_BUCKET, prefix, gzip: boolean(env.GZIP), ...connection });
    // Our per-stream checkpoints live next to the seeds' state.json (STATE_KEY), which is read once to
    // continue where the seed stopped.
    checkpoint = defined({
      type: 's3',
      bucket: env.S3_BUCKET,
      prefix: prefix ? `${prefix}/_state` : '_state',
      legacyKey: env.STATE_KEY ?? (prefix ? `${prefix}/state.json` : 'state.json'),
      ...connection,
    });
  } else if (sinkType === 'gcs') {
    const prefix = (env.GCS_PREFIX ?? '').replace(/^\/+|\/+$/g, '');
    const connection = { endpoint: env.GCS_ENDPOINT, projectId: env.GOOGLE_CLOUD_PROJECT };
    sink = defined({ type: 'gcs', bucket: env.GCS_BUCKET, prefix, gzip: boolean(env.GZIP), ...connection });
    checkpoint = defined({
      type: 'gcs',
      bucket: env.GCS_BUCKET,
      prefix: prefix ? `${prefix}/_state` : '_state',
      legacyKey: env.STATE_KEY,
      ...connection,
    });
  } else {
    sink = defined({ type: sinkType, directory: outputDir, gzip: boolean(env.GZIP) });
    checkpoint = { type: 'file', directory: env.STATE_DIR ?? `${outputDir}/_state` };
  }

  return defined({
    tenants: [
      defined({
        customerId: env.CITRIX_CUSTOMER_ID,
        clientId: env.CITRIX_CLIENT_ID,
        clientSecret: env.CITRIX_CLIENT_SECRET,
        apiBase: apiOrigin(env.API_BASE ?? env.URL_DOMAIN),
        region: env.CITRIX_REGION,
        tokenUrl: env.TOKEN_URL,
      }),
    ],
    sources: [sourceConfig],
    sink,
    checkpoint,
    runner: defined({
      lookbackMinutes: numeric(env.LOOKBACK_MINUTES),
      budgetSeconds: numeric(env.BUDGET_SECONDS),
      start: env.START,
      leaseSeconds: numeric(env.LEASE_SECONDS),
      reconcileHorizonMinutes: numeric(env.RECONCILE_HORIZON_MINUTES),
    }),
    logLevel: env.LOG_LEVEL,
  });
}

/** Adds "(from VARIABLE)" to each issue whose field came from the environment. */
export function withEnvNames(error: ConfigError): ConfigError {
  const issues: ConfigIssue[] = error.issues.map((issue) => {
    const variable = ENV_FIELDS[issue.path] ?? ENV_FIELDS[issue.path.replace(/\[\d+\]$/, '')];
    return variable ? { path: issue.path, reason: `${issue.reason} (from ${variable})` } : issue;
  });
  return new ConfigError('environment', issues);
}
