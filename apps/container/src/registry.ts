/**
 * Builds the configured connectors. Connector packages are imported on demand so a run only loads the
 * SDKs it uses (the AWS SDK stays unloaded for a file-sink run).
 */
import type { CheckpointStore, ConnectorDeps, Sink, Source } from '@ctxsiem/core';
import type { DeploymentConfig, SourceConfig, TenantConfig } from './config.ts';

/** A tenant with its secret already resolved. */
export type ResolvedTenant = TenantConfig;

export async function buildSource(
  config: SourceConfig,
  tenant: ResolvedTenant,
  deps: ConnectorDeps,
): Promise<Source> {
  switch (config.type) {
    case 'generated': {
      const { generatedSource } = await import('@ctxsiem/test-kit/generated');
      return generatedSource({
        tenant: tenant.customerId,
        streams: config.streams,
        pageSize: config.pageSize,
      });
    }
  }
}

export async function buildSink(config: DeploymentConfig['sink'], deps: ConnectorDeps): Promise<Sink> {
  switch (config.type) {
    case 'file': {
      const { fileSink } = await import('@ctxsiem/sink-file');
      return fileSink(config, deps);
    }
  }
}

export async function buildCheckpointStore(config: DeploymentConfig['checkpoint']): Promise<CheckpointStore> {
  switch (config.type) {
    case 'file': {
      const { fileCheckpointStore } = await import('@ctxsiem/sink-file');
      return fileCheckpointStore(config);
    }
  }
}
