/**
 * The SecOps sink's configuration: one zod schema, the source of its type, defaults, validation
 * messages and the README's options table.
 */
import { ingestionRequestOptions } from '@ctxsiem/core';
import { z } from 'zod';
import { isSecOpsRegion, REGION_MESSAGE } from './regions.ts';

/**
 * What one request may carry, per API: the legacy API's "maximum size limit of 1 MB (uncompressed)" per
 * batch (https://docs.cloud.google.com/chronicle/docs/reference/ingestion-api#unstructuredlogentries);
 * for `logs:import`, 4,000,000 bytes (INFERRED: Google's own ingestion scripts cap it there — "Chronicle
 * Ingestion API allows the maximum 4MB of payload", chronicle/ingestion-scripts common/ingest_v1.py).
 */
export const REQUEST_LIMIT_BYTES = { import: 4_000_000, legacy: 1_000_000 } as const;

/**
 * What one log may be: "The maximum log size is 1 MB" — larger logs are not ingested
 * (https://docs.cloud.google.com/chronicle/docs/reference/ingestion-api, read 2026-12-07). The strictest
 * reading: 1,000,000 bytes of the record's JSON.
 */
export const LOG_LIMIT_BYTES = 1_000_000;

export const SecOpsSinkConfigSchema = z
  .object({
    type: z.literal('secops').default('secops').describe('Sink type.'),
    api: z
      .enum(['import', 'legacy'])
      .default('import')
      .describe(
        '`import`: the Chronicle API `logs:import`; `legacy`: the Ingestion API `unstructuredlogentries:batchCreate` (shut down on 2027-07-20) (SECOPS_API).',
      ),
    format: z
      .enum(['raw', 'udm'])
      .optional()
      .describe(
        '`raw` (the default) or `udm`: every record a raw log of its log type, or UDM events for the streams ctxsiem maps to UDM (SECOPS_FORMAT; `import` API only). `raw`: SecOps’ parser normalises each log. `udm`: the records of Monitor Connections, Sessions, ConnectionFailureLogs; System Log; DaaS ConfigLog operations; Analytics for Security riskScoreChange become UDM events, checked against Google’s UDM schema and sent through `events:import` (an invalid one goes to the dead letters with why); the other streams (licensing, Analytics, …) stay raw logs.',
      ),
    region: z
      .string()
      .refine(isSecOpsRegion, REGION_MESSAGE)
      .default('us')
      .describe(
        'The instance’s region as the SecOps console names it (`us`, `europe`, `europe-west2`, …) (SECOPS_REGION, or CHRONICLE_REGION as Google’s scripts name it). It gives both hosts: the Chronicle API’s location (`europe` → `eu`) and the legacy host.',
      ),
    project: z
      .string()
      .min(1)
      .optional()
      .describe('Google Cloud project of the SecOps instance; the `import` API needs it (SECOPS_PROJECT).'),
    instance: z
      .string()
      .min(1, 'must be the SecOps customer id')
      .describe('The SecOps instance: its customer id (SECOPS_INSTANCE, or CHRONICLE_CUSTOMER_ID).'),
    forwarder: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Forwarder id (or resource name) the logs are attributed to (`import` only) (SECOPS_FORWARDER).',
      ),
    namespace: z
      .string()
      .min(1)
      .optional()
      .describe('Asset namespace of every log (SECOPS_NAMESPACE, or CHRONICLE_NAMESPACE).'),
    labels: z.record(z.string(), z.string()).default({}).describe('Labels added to every log.'),
    logTypes: z
      .record(
        z.string(),
        z.string().regex(/^[A-Z0-9_]+$/, 'must be a SecOps log type such as CITRIX_MONITOR'),
      )
      .default({})
      .describe(
        'Log type per stream, as `source/stream` or `source` → type, over the defaults (log types SecOps parses): Monitor (Sessions included) and System Log → CITRIX_MONITOR, Analytics and sentinel (risk events) → CITRIX_ANALYTICS. Any other source (daasconfiglog, licensing) needs a custom log type named here by source.',
      ),
    maxLogBytes: z
      .number()
      .int()
      .min(1000)
      .max(LOG_LIMIT_BYTES)
      .default(LOG_LIMIT_BYTES)
      .describe(
        'Largest log, in bytes of the record’s JSON (SecOps ingests no log over 1 MB). A larger record goes to the dead letters with its size, and is never sent.',
      ),
    maxRequestBytes: z
      .number()
      .int()
      .min(10_000)
      .optional()
      .describe(
        'Largest request body, in bytes (default 4,000,000 for `import`, 1,000,000 for `legacy`; at most those). One record that cannot fit goes to the dead letters with its size.',
      ),
    recordIdField: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a field name')
      .default('ctxsiemRecordId')
      .describe(
        'Field added to every log holding its record id: the runner’s digest of what identifies the record in its stream, the same on every sending, so a log SecOps holds twice (a resend after a lost answer) can be found and de-duplicated.',
      ),
    serviceAccountKey: z
      .string()
      .min(1)
      .optional()
      .describe(
        'A service-account key’s JSON, or a reference to it (`file:`, `env:`, `secretsmanager:`, `gcpsecret:`) (SECOPS_SERVICE_ACCOUNT, or CHRONICLE_SERVICE_ACCOUNT). Default: Application Default Credentials (the runtime’s service account, workload identity).',
      ),
    endpoint: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .optional()
      .describe('API origin override (tests, private endpoints) (SECOPS_ENDPOINT).'),
    tokenUrl: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .optional()
      .describe('OAuth token endpoint override for the service-account key (tests) (SECOPS_TOKEN_URL).'),
    ...ingestionRequestOptions,
  })
  .strict()
  .superRefine((config, context) => {
    if (config.api === 'import' && !config.project)
      context.addIssue({
        code: 'custom',
        path: ['project'],
        message: 'the import API needs the instance’s project',
      });
    if (config.format === 'udm' && config.api !== 'import')
      context.addIssue({
        code: 'custom',
        path: ['format'],
        message: 'UDM events go through the Chronicle API (api: import)',
      });
    const limit = REQUEST_LIMIT_BYTES[config.api];
    if (config.maxRequestBytes !== undefined && config.maxRequestBytes > limit)
      context.addIssue({
        code: 'custom',
        path: ['maxRequestBytes'],
        message: `must be at most ${limit} for the ${config.api} API`,
      });
  });

export type SecOpsSinkConfig = z.output<typeof SecOpsSinkConfigSchema>;
export type SecOpsSinkConfigInput = z.input<typeof SecOpsSinkConfigSchema>;
