/**
 * The SecOps sink's connector manifest. Cheap to load: google-auth-library is imported only when a
 * token is first needed. The variables are ours (SECOPS_*) and those of Google's own Citrix
 * ingestion scripts (CHRONICLE_*), so their deployments drop in.
 */
import { defineSink, type Env, envValue } from '@ctxsiem/core';
import { z } from 'zod';
import { SecOpsSinkConfigSchema } from './config.ts';
import { secopsDeclarations } from './declarations.ts';
import { noLogTypeMessage, sourcesWithoutLogType } from './log-types.ts';

// The registry's generated module names the manifest's type, and so this one, through ./connector.
export type { SecOpsDeclarations } from './declarations.ts';

const either = (env: Env, ours: string, google: string) => env[ours] ?? env[google];

const manifest = defineSink({
  type: 'secops',
  package: '@ctxsiem/sink-secops',
  summary:
    'Google SecOps ingestion: the Chronicle API logs:import (or the legacy Ingestion API), or UDM events through events:import for the streams ctxsiem maps (format udm); each request sent once unless its answer is lost (then resent byte-identical, counted).',
  schema: SecOpsSinkConfigSchema.safeExtend({
    type: z.literal('secops').describe('Selects Google SecOps (SINK=secops).'),
  }),
  deadLettersElsewhere: true,
  // A source with no SecOps log type (no default, none named) is refused with the config.
  checkSources: (config, sourceTypes) =>
    sourcesWithoutLogType(sourceTypes, config.logTypes).map((source) => ({
      path: ['logTypes'],
      message: noLogTypeMessage(source),
    })),
  env: {
    variables: {
      api: 'SECOPS_API',
      format: 'SECOPS_FORMAT',
      region: 'SECOPS_REGION',
      project: 'SECOPS_PROJECT',
      instance: 'SECOPS_INSTANCE',
      forwarder: 'SECOPS_FORWARDER',
      namespace: 'SECOPS_NAMESPACE',
      serviceAccountKey: 'SECOPS_SERVICE_ACCOUNT',
      endpoint: 'SECOPS_ENDPOINT',
      tokenUrl: 'SECOPS_TOKEN_URL',
    },
    read: (env) =>
      envValue.defined({
        api: env.SECOPS_API,
        format: env.SECOPS_FORMAT,
        region: either(env, 'SECOPS_REGION', 'CHRONICLE_REGION'),
        project: env.SECOPS_PROJECT,
        instance: either(env, 'SECOPS_INSTANCE', 'CHRONICLE_CUSTOMER_ID'),
        forwarder: env.SECOPS_FORWARDER,
        namespace: either(env, 'SECOPS_NAMESPACE', 'CHRONICLE_NAMESPACE'),
        serviceAccountKey: either(env, 'SECOPS_SERVICE_ACCOUNT', 'CHRONICLE_SERVICE_ACCOUNT'),
        endpoint: env.SECOPS_ENDPOINT,
        tokenUrl: env.SECOPS_TOKEN_URL,
      }),
  },
  async create(config, deps) {
    const { secopsSink } = await import('./sink.ts');
    return secopsSink(config, deps);
  },
});

export const secopsSinkConnector = Object.assign(manifest, {
  /** What a deployment declares in its SIEM (read through the registry's `siemDeclarations`). */
  declarations: { secops: secopsDeclarations },
});

export const connectors = [secopsSinkConnector] as const;
