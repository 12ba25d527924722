/**
 * The Azure Monitor sink's configuration: one zod schema, the source of its type, defaults, validation
 * messages and the README's options table.
 */
import { ingestionRequestOptions } from '@ctxsiem/core';
import { z } from 'zod';
import { isReservedColumn, RECORD_ID_COLUMN } from './dcr-declaration.ts';

/** The Logs Ingestion API's limit on one call, after gzip. */
export const REQUEST_LIMIT_BYTES = 1_000_000;

export const AzureMonitorSinkConfigSchema = z
  .object({
    type: z.literal('azure-monitor').default('azure-monitor').describe('Sink type.'),
    endpoint: z
      .url({ protocol: /^https$/, error: 'must be the https logs ingestion endpoint of the DCR or of a DCE' })
      .describe(
        'Logs ingestion endpoint: the data collection rule’s own (`https://<dcr>.<region>-1.ingest.monitor.azure.com`) or a data collection endpoint’s (AZURE_MONITOR_ENDPOINT).',
      ),
    ruleId: z
      .string()
      .regex(/^dcr-[0-9a-f]{32}$/, 'must be the DCR’s immutable id, dcr- and 32 hex digits')
      .describe('The data collection rule’s immutable id (AZURE_MONITOR_DCR_ID).'),
    streams: z
      .record(z.string(), z.string().regex(/^Custom-[A-Za-z0-9_]+$/, 'must be a DCR stream name, Custom-…'))
      .default({})
      .describe(
        'DCR stream per stream, as `source/stream` or `source` → name, over the default `Custom-Citrix<Source><Stream>` (table `Citrix<Source><Stream>_CL`; sentinel: `Custom-CitrixAnalytics_<stream>_V1`, table `CitrixAnalytics_<stream>_V1_CL`), as the generated DCR declares.',
      ),
    sentinelTables: z
      .enum(['ccf', 'legacy'])
      .optional()
      .describe(
        'Tables of the sentinel source’s streams: `ccf` (when unset), those of Citrix’s current Sentinel solution (`CitrixAnalytics_<stream>_V1_CL`, workbook CitrixAnalytics); `legacy`, those of the older one (`CitrixAnalytics_<stream>_CL`, `_s`/`_d` columns, workbook Citrix) for the four streams it had.',
      ),
    recordIdColumn: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]{0,44}$/, 'must be a column name: a letter, then letters, digits, _')
      .refine((name) => !isReservedColumn(name), 'is a column name Log Analytics reserves')
      .default(RECORD_ID_COLUMN)
      .describe(
        'Column (string) every row carries its record id in, declared in every DCR stream and table `ctxsiem azure dcr` generates: the runner’s digest of what identifies the record in its stream, the same on every sending, so a row Azure holds twice (a resend after a lost answer) can be de-duplicated in KQL. The generated DCR must be made with the same value.',
      ),
    tenantId: z
      .string()
      .min(1)
      .optional()
      .describe('Entra tenant of the app registration (AZURE_TENANT_ID); with clientId and clientSecret.'),
    clientId: z
      .string()
      .min(1)
      .optional()
      .describe(
        'App registration’s client id (AZURE_CLIENT_ID); alone, the client id of a user-assigned managed identity.',
      ),
    clientSecret: z
      .string()
      .min(1)
      .optional()
      .describe(
        'App registration’s secret, or a reference (`env:`, `file:`, `secretsmanager:`, `gcpsecret:`) (AZURE_CLIENT_SECRET). Without it: managed identity, workload identity, or the environment (DefaultAzureCredential).',
      ),
    authorityHost: z
      .url({ protocol: /^https$/, error: 'must be an https URL' })
      .optional()
      .describe('Entra authority host (sovereign clouds, tests) (AZURE_AUTHORITY_HOST).'),
    maxRequestBytes: z
      .number()
      .int()
      .min(10_000)
      .max(REQUEST_LIMIT_BYTES, `must be at most ${REQUEST_LIMIT_BYTES}, the API’s limit after gzip`)
      .default(REQUEST_LIMIT_BYTES)
      .describe('Largest request body after gzip, in bytes.'),
    ...ingestionRequestOptions,
  })
  .strict()
  .superRefine((config, context) => {
    if (config.clientSecret && (!config.tenantId || !config.clientId))
      context.addIssue({
        code: 'custom',
        path: ['clientSecret'],
        message: 'a client secret needs tenantId and clientId',
      });
  });

export type AzureMonitorSinkConfig = z.output<typeof AzureMonitorSinkConfigSchema>;
export type AzureMonitorSinkConfigInput = z.input<typeof AzureMonitorSinkConfigSchema>;
