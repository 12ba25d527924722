/**
 * `ctxsiem demo`: the main job on the embedded default, with nothing to configure. Until the Citrix
 * sources land it runs the generated source for the last six hours into `out/demo`.
 */
import { join } from 'node:path';
import { HOUR_MS, type Logger, type SecretRegistry, systemClock } from '@ctxsiem/core';
import { type CollectSummary, collect } from './collect.ts';
import { type DeploymentConfig, DeploymentConfigSchema } from './config.ts';

export interface DemoOptions {
  out: string;
  logger: Logger;
  secrets: SecretRegistry;
  signal?: AbortSignal;
}

export async function runDemo(options: DemoOptions): Promise<CollectSummary> {
  const config: DeploymentConfig = DeploymentConfigSchema.parse({
    tenants: [{ customerId: 'demo', clientId: 'demo', clientSecret: 'demo' }],
    sources: [
      {
        type: 'generated',
        streams: [
          { name: 'Sessions', recordsPerMinute: 20 },
          { name: 'Machines', recordsPerMinute: 2 },
        ],
        pageSize: 100,
      },
    ],
    sink: { type: 'file', directory: options.out },
    checkpoint: { type: 'file', directory: join(options.out, '_state') },
    runner: {
      start: new Date(Math.floor(systemClock.now() / HOUR_MS) * HOUR_MS - 6 * HOUR_MS).toISOString(),
    },
  });
  return collect(config, {
    logger: options.logger,
    clock: systemClock,
    secrets: options.secrets,
    signal: options.signal,
  });
}
