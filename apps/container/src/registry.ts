/**
 * Builds the configured connectors. Connector packages are imported on demand so a run only loads the
 * SDKs it uses (the AWS SDK stays unloaded for a file-sink run).
 */
import type { CheckpointStore, ConnectorDeps, Sink, Source } from '@ctxsiem/core';
import type { DeploymentConfig, SourceConfig, TenantConfig } from './config.ts';

/** A tenant with its secret already resolved. */
export type ResolvedTenant = TenantConfig;

/** The Citrix Cloud connection of a tenant (its secret already resolved). */
function connection(tenant: ResolvedTenant) {
  const { customerId, clientId, clientSecret, region, apiBase, tokenUrl } = tenant;
  return { customerId, clientId, clientSecret, region, apiBase, tokenUrl };
}

function unknownType(config: never): never {
  throw new Error(`unknown connector type ${JSON.stringify((config as { type?: unknown }).type)}`);
}

export async function buildSource(
  config: SourceConfig,
  tenant: ResolvedTenant,
  deps: ConnectorDeps,
): Promise<Source> {
  switch (config.type) {
    case 'monitor': {
      const { monitorSource } = await import('@ctxsiem/source-monitor');
      return monitorSource({ options: config, connection: connection(tenant) }, deps);
    }
    case 'analytics': {
      const { analyticsSource } = await import('@ctxsiem/source-analytics');
      return analyticsSource({ options: config, connection: connection(tenant) }, deps);
    }
    case 'generated': {
      const { generatedSource } = await import('@ctxsiem/test-kit/generated');
      return generatedSource({
        tenant: tenant.customerId,
        streams: config.streams,
        pageSize: config.pageSize,
      });
    }
    default:
      return unknownType(config);
  }
}

export async function buildSink(config: DeploymentConfig['sink'], deps: ConnectorDeps): Promise<Sink> {
  switch (config.type) {
    case 'file': {
      const { fileSink } = await import('@ctxsiem/sink-file');
      return fileSink(config, deps);
    }
    case 's3': {
      const { s3Sink } = await import('@ctxsiem/sink-s3');
      return s3Sink(config, deps);
    }
    case 'gcs': {
      const { gcsSink } = await import('@ctxsiem/sink-gcs');
      return gcsSink(config, deps);
    }
    default:
      return unknownType(config);
  }
}

export async function buildCheckpointStore(config: DeploymentConfig['checkpoint']): Promise<CheckpointStore> {
  switch (config.type) {
    case 'file': {
      const { fileCheckpointStore } = await import('@ctxsiem/sink-file');
      return fileCheckpointStore(config);
    }
    case 's3': {
      const { s3CheckpointStore } = await import('@ctxsiem/sink-s3');
      return s3CheckpointStore(config);
    }
    case 'gcs': {
      const { gcsCheckpointStore } = await import('@ctxsiem/sink-gcs');
      return gcsCheckpointStore(config);
    }
    default:
      return unknownType(config);
  }
}
