/**
 * Builds every configured source of every tenant in turn — or those a selection names — with the
 * tenant's secret resolved and registered, hands it to `visit`, and closes it: a collection run, and
 * the commands that look at sources without collecting.
 */
import type { ConnectorDeps, SecretRegistry } from '@ctxsiem/core';
import { type AnySource, buildSource, type DeploymentConfig } from '@ctxsiem/registry';
import { resolveSecret } from './secret-references.ts';
import { type CollectSelection, isSelected } from './selection.ts';

export interface SourceDeps extends ConnectorDeps {
  secrets: SecretRegistry;
}

export async function eachSource(
  config: DeploymentConfig,
  deps: SourceDeps,
  visit: (source: AnySource) => Promise<void>,
  selection: CollectSelection = {},
): Promise<void> {
  for (const [index, tenantConfig] of config.tenants.entries()) {
    if (!isSelected(selection.tenants, tenantConfig.customerId)) continue;
    const clientSecret = await resolveSecret(
      tenantConfig.clientSecret,
      `tenants[${index}].clientSecret`,
      deps.secrets,
    );
    for (const sourceConfig of config.sources) {
      if (!isSelected(selection.sources, sourceConfig.type)) continue;
      const source = await buildSource(sourceConfig, { ...deps, tenant: { ...tenantConfig, clientSecret } });
      try {
        await visit(source);
      } finally {
        await source.close?.();
      }
    }
  }
}
