/**
 * Builds every configured source of every tenant — or those a selection names — with the tenant's
 * secret resolved and registered, hands it to `visit`, and closes it: a collection run, and the
 * commands that look at sources without collecting.
 *
 * Tenants may run side by side (`tenantConcurrency`, see `tenant-admission.ts`): each keeps its own
 * client, so Citrix's limit of one request in flight per tenant holds, while different tenants wait on
 * the network together. The sources of one tenant are visited one after another.
 */
import { ConfigError, type ConnectorDeps, type SecretRegistry } from '@ctxsiem/core';
import { type AnySource, buildSource, type DeploymentConfig, type TenantConfig } from '@ctxsiem/registry';
import { resolveSecret } from './secret-references.ts';
import { type CollectSelection, isSelected } from './selection.ts';
import { type TenantConcurrency, tenantAdmission } from './tenant-admission.ts';

export interface SourceDeps extends ConnectorDeps {
  secrets: SecretRegistry;
}

export interface EachSourceOptions {
  /** Tenants visited at once: a number, or `auto` (memory permitting); default 1, one after another. */
  tenantConcurrency?: TenantConcurrency | undefined;
  /**
   * Called with a tenant whose secret, source or visit failed; the other tenants go on. Without it —
   * and always for a `ConfigError` — the first failure stops the tenants not yet started and is thrown
   * once the running ones finish.
   */
  onTenantFailure?: ((tenant: string, error: unknown) => void) | undefined;
}

export async function eachSource(
  config: DeploymentConfig,
  deps: SourceDeps,
  visit: (source: AnySource) => Promise<void>,
  selection: CollectSelection = {},
  options: EachSourceOptions = {},
): Promise<void> {
  const limit = tenantAdmission(options.tenantConcurrency ?? 1);
  let firstFailure: { error: unknown } | undefined;
  const tenants = [...config.tenants.entries()].filter(([, tenant]) =>
    isSelected(selection.tenants, tenant.customerId),
  );
  await Promise.all(
    tenants.map(([index, tenant]) =>
      limit(async () => {
        if (firstFailure) return;
        try {
          await visitTenant(config, deps, visit, selection, tenant, index);
        } catch (error) {
          // A configuration mistake (a secret reference to nothing) stops the run, as a bad file does.
          if (options.onTenantFailure && !(error instanceof ConfigError))
            return options.onTenantFailure(tenant.customerId, error);
          firstFailure ??= { error };
        }
      }),
    ),
  );
  if (firstFailure) throw firstFailure.error;
}

async function visitTenant(
  config: DeploymentConfig,
  deps: SourceDeps,
  visit: (source: AnySource) => Promise<void>,
  selection: CollectSelection,
  tenantConfig: TenantConfig,
  index: number,
): Promise<void> {
  const clientSecret = await resolveSecret(
    tenantConfig.clientSecret,
    `tenants[${index}].clientSecret`,
    deps.secrets,
  );
  for (const [position, sourceConfig] of config.sources.entries()) {
    if (!isSelected(selection.sources, sourceConfig.type)) continue;
    // A source's own secrets (the Kafka export's password and CA) are references like the tenant's:
    // resolved (env:, file:, secretsmanager:, gcpsecret:), registered for redaction, named by their field.
    const resolveSource = (reference: string, field: string) =>
      resolveSecret(reference, `sources[${position}].${field}`, deps.secrets);
    const source = await buildSource(sourceConfig, {
      ...deps,
      resolveSecret: deps.resolveSecret ?? resolveSource,
      tenant: { ...tenantConfig, clientSecret },
    });
    try {
      await visit(source);
    } finally {
      await source.close?.();
    }
  }
}
