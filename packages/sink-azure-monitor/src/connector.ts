/**
 * The Azure Monitor sink's connector manifest. Cheap to load: `@azure/identity` is imported only when
 * a token is first needed. The Entra variables are the ones `@azure/identity` itself reads.
 */
import { defineSink, envValue } from '@ctxsiem/core';
import { z } from 'zod';
import { AzureMonitorSinkConfigSchema } from './config.ts';
import { azureDeclarations } from './declarations.ts';

// The registry's generated module names the manifest's type, and so this one, through ./connector.
export type { AzureDeclarations } from './declarations.ts';

const manifest = defineSink({
  type: 'azure-monitor',
  package: '@ctxsiem/sink-azure-monitor',
  summary:
    'Azure Monitor Logs Ingestion API (Microsoft Sentinel): DCR streams, gzipped 1 MB requests, each sent once unless its answer is lost (then resent byte-identical, counted).',
  schema: AzureMonitorSinkConfigSchema.safeExtend({
    type: z.literal('azure-monitor').describe('Selects Azure Monitor (SINK=azure-monitor).'),
  }),
  deadLettersElsewhere: true,
  env: {
    variables: {
      endpoint: 'AZURE_MONITOR_ENDPOINT',
      ruleId: 'AZURE_MONITOR_DCR_ID',
      tenantId: 'AZURE_TENANT_ID',
      clientId: 'AZURE_CLIENT_ID',
      clientSecret: 'AZURE_CLIENT_SECRET',
      authorityHost: 'AZURE_AUTHORITY_HOST',
    },
    read: (env) =>
      envValue.defined({
        endpoint: env.AZURE_MONITOR_ENDPOINT,
        ruleId: env.AZURE_MONITOR_DCR_ID,
        tenantId: env.AZURE_TENANT_ID,
        clientId: env.AZURE_CLIENT_ID,
        clientSecret: env.AZURE_CLIENT_SECRET,
        authorityHost: env.AZURE_AUTHORITY_HOST,
      }),
  },
  async create(config, deps) {
    const { azureMonitorSink } = await import('./sink.ts');
    return azureMonitorSink(config, deps);
  },
});

export const azureMonitorSinkConnector = Object.assign(manifest, {
  /** What a deployment declares in its SIEM (read through the registry's `siemDeclarations`). */
  declarations: { azureDcr: azureDeclarations },
});

export const connectors = [azureMonitorSinkConnector] as const;
