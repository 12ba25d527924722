/**
 * Builds every configured source of every tenant in turn (secrets resolved and registered), hands it to
 * `visit`, and closes it: for the commands that look at sources without collecting.
 */
import type { ConnectorDeps, SecretRegistry, Source } from '@ctxsiem/core';
import { buildSource, type DeploymentConfig } from '@ctxsiem/registry';
import { resolveSecret } from './secret-references.ts';

export interface SourceDeps extends ConnectorDeps {
  secrets: SecretRegistry;
}

export async function eachSource(
  config: DeploymentConfig,
  deps: SourceDeps,
  visit: (source: Source) => Promise<void>,
): Promise<void> {
  for (const [index, tenantConfig] of config.tenants.entries()) {
    const clientSecret = await resolveSecret(
      tenantConfig.clientSecret,
      `tenants[${index}].clientSecret`,
      deps.secrets,
    );
    for (const sourceConfig of config.sources) {
      const source = await buildSource(sourceConfig, { ...deps, tenant: { ...tenantConfig, clientSecret } });
      try {
        await visit(source);
      } finally {
        await source.close?.();
      }
    }
  }
}
