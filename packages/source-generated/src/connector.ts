/**
 * The generated source's connector manifest: a deterministic source for tests, benchmarks and a quick
 * look at the pipeline without any API. The deployable artifacts register no such source
 * (`scripts/package-app.ts` leaves this manifest out): it is for the workspace, not for deployments.
 */
import { definePullSource, envValue } from '@ctxsiem/core';
import { GeneratedSourceConfigSchema } from './config.ts';

export const generatedConnector = definePullSource({
  type: 'generated',
  package: '@ctxsiem/source-generated',
  summary: 'Deterministic generated records (tests, benchmarks); needs no API.',
  workspaceOnly: true,
  schema: GeneratedSourceConfigSchema,
  env: {
    variables: { pageSize: 'PAGE_SIZE' },
    read: (env) => envValue.defined({ pageSize: envValue.number(env.PAGE_SIZE) }),
  },
  async create(config, deps) {
    const { generatedSource } = await import('./generated-source.ts');
    return generatedSource({
      tenant: deps.tenant.customerId,
      streams: config.streams,
      pageSize: config.pageSize,
    });
  },
});

export const connectors = [generatedConnector] as const;
