/**
 * The deployment config: tenants, sources, one sink, one checkpoint store and runner settings. This zod
 * schema is the single source of the config's type, defaults, docs and JSON Schema (`ctxsiem config
 * schema`). The sections for sources, sinks and checkpoint stores are the unions of the installed
 * connectors' own schemas, so a new connector package extends it without an edit here.
 */

import { pathNameSchema } from '@ctxsiem/core';
import type { z as zod } from 'zod';
import { z } from 'zod';
import { checkpointConnectors, findConnector, sinkConnectors, sourceConnectors } from './registry.ts';

/** The discriminated union (on `type`) of a kind's connector schemas. */
function unionOf<S extends { schema: zod.ZodObject }>(kind: string, installed: readonly S[]) {
  const [first, ...rest] = installed.map((connector) => connector.schema as S['schema']);
  if (!first) throw new Error(`no ${kind} connector is installed: the workspace registry is empty`);
  return z.discriminatedUnion('type', [first, ...rest]);
}

export const TenantSchema = z
  .object({
    customerId: pathNameSchema('tenant').describe(
      'Citrix Cloud customer id (CITRIX_CUSTOMER_ID); it names the tenant in object keys, so it must be usable in paths.',
    ),
    clientId: z.string().min(1, 'must be the API client id').describe('API client id (CITRIX_CLIENT_ID).'),
    clientSecret: z
      .string()
      .min(1, 'must be the API client secret or a reference to it')
      .describe(
        'API client secret, or a reference: `env:NAME`, `file:/path`, `secretsmanager:NAME-or-ARN[#key]`, `gcpsecret:projects/P/secrets/S/versions/V` (CITRIX_CLIENT_SECRET).',
      ),
    region: z
      .enum(['global', 'us', 'eu', 'ap-s', 'jp'])
      .default('global')
      .describe(
        'Citrix Cloud region (CITRIX_REGION): global = api.cloud.com, us = api-us.cloud.com, eu = api-eu.cloud.com, ap-s = api-ap-s.cloud.com, jp = api.citrixcloud.jp; `apiBase` wins over it.',
      ),
    apiBase: z
      .url({ message: 'must be an absolute URL such as https://api.cloud.com' })
      .optional()
      .describe('API origin override (API_BASE); wins over region.'),
    tokenUrl: z
      .url({ message: 'must be an absolute URL' })
      .optional()
      .describe('Token endpoint override, e.g. for US Gov (TOKEN_URL).'),
  })
  .strict();

export const SourceConfigSchema = unionOf('source', sourceConnectors);
export const SinkConfigSchema = unionOf('sink', sinkConnectors);
export const CheckpointConfigSchema = unionOf('checkpoint store', checkpointConnectors);
/** The sinks that keep dead letters themselves (object stores): where a SIEM API sink's go. */
export const DeadLetterSinkConfigSchema = unionOf(
  'dead-letter sink',
  sinkConnectors.filter((connector) => !connector.deadLettersElsewhere),
);

export const RunnerConfigSchema = z
  .object({
    budgetSeconds: z
      .number()
      .positive()
      .optional()
      .describe('Stop cleanly at a page boundary after this long (BUDGET_SECONDS).'),
    lookbackMinutes: z
      .number()
      .int()
      .positive()
      .default(75)
      .describe('First run without a checkpoint starts this long before now (LOOKBACK_MINUTES).'),
    start: z.iso
      .datetime({ offset: true, message: 'must be an ISO-8601 date-time' })
      .optional()
      .describe('First run starts here instead.'),
    queueCapacity: z.number().int().min(1).max(64).default(2).describe('Pages read ahead of delivery.'),
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(16)
      .default(4)
      .describe(
        'Streams collected at once. Requests to one tenant stay one at a time; running streams side by side shares a time budget between them instead of letting the first stream use it all.',
      ),
    tenantConcurrency: z
      .union([z.literal('auto'), z.number().int().min(1).max(256)])
      .default('auto')
      .describe(
        "Tenants collected at once. Each tenant keeps its one request in flight (Citrix's limit is per tenant); tenants run side by side, sharing the sink and the time budget, so fifty tenants take about as long as one. `auto`: every tenant at once while the process uses under 60 % of its memory (heap, and the platform's limit), then one more as one finishes; a number fixes it.",
      ),
    deadLetterExitCode: z
      .number()
      .int()
      .min(0)
      .max(125)
      .default(0)
      .describe(
        'Exit code of a run that dead-lettered records and failed nothing (DEAD_LETTER_EXIT_CODE); 0 keeps it a success. The summary lists where the dead letters went either way.',
      ),
    leaseSeconds: z
      .number()
      .int()
      .min(10)
      .default(600)
      .describe(
        "How long a run's hold on a stream lasts without renewal (LEASE_SECONDS). Another run leaves a held stream alone (status busy); a run killed mid-window blocks its streams this long, then the next run takes over and resumes the same window.",
      ),
    reconcileHorizonMinutes: z
      .number()
      .int()
      .min(0)
      .default(1440)
      .describe(
        'Closed windows are checked again for late records until they are this old (RECONCILE_HORIZON_MINUTES); 0 turns the reconcile pass off.',
      ),
    reconcileFirstCheckMinutes: z
      .number()
      .int()
      .min(1)
      .default(30)
      .describe(
        "The first reconcile check of a window comes this long after its end; each later one at twice the window's age, up to the horizon.",
      ),
  })
  .strict();

const names = z.array(z.string().min(1)).min(1);

export const ScheduleSchema = z
  .object({
    cron: z
      .string()
      .min(1)
      .describe(
        'When the pull sources run: a cron expression (5 fields, or 6 with seconds first), UTC. A tick that is still running when the next one is due makes that one skip.',
      ),
    tenants: names.optional().describe('Only these tenants (customer ids); default every configured tenant.'),
    sources: names.optional().describe('Only these source types; default every configured pull source.'),
    jitterSeconds: z
      .number()
      .min(0)
      .max(3600)
      .default(0)
      .describe(
        'Each tick waits a random delay up to this long, so replicas and schedules do not start in step.',
      ),
  })
  .strict();

export const ServeConfigSchema = z
  .object({
    schedules: z
      .array(ScheduleSchema)
      .min(1, 'must list at least one schedule')
      .default([{ cron: '*/5 * * * *', jitterSeconds: 0 }])
      .describe('When the pull sources are collected (stream sources are consumed continuously).'),
    host: z.string().min(1).default('0.0.0.0').describe('Where /healthz, /readyz and /metrics listen.'),
    port: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(9464)
      .describe('Port of /healthz, /readyz and /metrics (0: any free port, printed at start).'),
    drainSeconds: z
      .number()
      .positive()
      .default(30)
      .describe(
        'On SIGTERM: how long running collections have to stop at a page boundary and consumers to commit, before the process exits anyway.',
      ),
  })
  .strict();

export const DeploymentConfigSchema = z
  .object({
    tenants: z.array(TenantSchema).min(1, 'must list at least one tenant'),
    sources: z.array(SourceConfigSchema).min(1, 'must list at least one source'),
    sink: SinkConfigSchema,
    deadLetters: DeadLetterSinkConfigSchema.optional().describe(
      'Where dead letters go when the sink keeps none (a SIEM API): a file, S3 or GCS sink (DEAD_LETTER_SINK, with that sink’s variables).',
    ),
    checkpoint: CheckpointConfigSchema,
    runner: RunnerConfigSchema.default(RunnerConfigSchema.parse({})),
    serve: ServeConfigSchema.default(ServeConfigSchema.parse({})).describe(
      '`ctxsiem serve`: schedules and shutdown.',
    ),
    logLevel: z
      .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
      .default('info')
      .describe(
        'The least severe log lines written (LOG_LEVEL): `trace`, `debug`, `info`, `warn`, `error`, `fatal` or `silent`.',
      ),
  })
  .strict()
  .superRefine((config, context) => {
    const sink = findConnector('sink', config.sink.type);
    if (sink?.deadLettersElsewhere && !config.deadLetters)
      context.addIssue({
        code: 'custom',
        path: ['deadLetters'],
        message: `the ${config.sink.type} sink keeps no dead letters: name a file, s3 or gcs sink for them`,
      });
    // What the sink cannot take from the configured sources (a SecOps source without a log type).
    for (const problem of sink?.checkSources?.(
      config.sink,
      config.sources.map((source) => source.type),
    ) ?? [])
      context.addIssue({ code: 'custom', path: ['sink', ...problem.path], message: problem.message });
  });

export type DeploymentConfig = z.output<typeof DeploymentConfigSchema>;
export type TenantConfig = z.output<typeof TenantSchema>;
export type SourceConfig = z.output<typeof SourceConfigSchema>;
