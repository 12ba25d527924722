/**
 * The generated source's connector manifest: a deterministic source for tests, benchmarks and a quick
 * look at the pipeline without any API.
 */
import { definePullSource, envValue, pathNameSchema } from '@ctxsiem/core';
import { z } from 'zod';

export const GeneratedSourceConfigSchema = z
  .object({
    type: z.literal('generated'),
    streams: z
      .array(
        z.object({ name: pathNameSchema('stream'), recordsPerMinute: z.number().int().positive() }).strict(),
      )
      .min(1)
      .default([{ name: 'events', recordsPerMinute: 10 }]),
    pageSize: z.number().int().positive().default(100),
  })
  .strict()
  .describe('A deterministic generated source (tests, benchmarks, the foundation demo).');

export const generatedConnector = definePullSource({
  type: 'generated',
  package: '@ctxsiem/test-kit',
  summary: 'Deterministic generated records (tests, benchmarks); needs no API.',
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
