/**
 * The SecOps sink's configuration: one zod schema, the source of its type, defaults, validation
 * messages and the README's options table.
 */
import { ingestionRequestOptions } from '@ctxsiem/core';
import { z } from 'zod';

/** What one request may carry, per API (the Chronicle API's backend limit; the legacy API's 1 MB). */
export const REQUEST_LIMIT_BYTES = { import: 4_000_000, legacy: 1_000_000 } as const;

export const SecOpsSinkConfigSchema = z
  .object({
    type: z.literal('secops').default('secops').describe('Sink type.'),
    api: z
      .enum(['import', 'legacy'])
      .default('import')
      .describe(
        '`import`: the Chronicle API `logs:import`; `legacy`: the Ingestion API `unstructuredlogentries:batchCreate` (shut down on 2027-07-20) (SECOPS_API).',
      ),
    region: z
      .string()
      .regex(/^[a-z0-9-]+$/, 'must be a SecOps region such as us, europe, asia-southeast1')
      .default('us')
      .describe('The instance’s region (SECOPS_REGION, or CHRONICLE_REGION as Google’s scripts name it).'),
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
        'Log type per stream, as `source/stream` or `source` → type, over the defaults: Monitor `Sessions` → CITRIX_SESSION_METADATA, other Monitor sets → CITRIX_MONITOR, Analytics and sentinel (risk events) → CITRIX_ANALYTICS.',
      ),
    maxRequestBytes: z
      .number()
      .int()
      .min(10_000)
      .optional()
      .describe(
        'Largest request body, in bytes (default 4,000,000 for `import`, 1,000,000 for `legacy`; at most those). One record that cannot fit goes to the dead letters with its size.',
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
