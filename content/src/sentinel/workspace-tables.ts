/**
 * The tables ctxsiem's Sentinel content is written against: the custom tables the Azure sink's generated
 * DCR creates (`ctxsiem azure dcr`, the same declaration Terraform applies) for every stream the content
 * reads — Monitor's sessions, connections, failures, machines and logon summaries, the System Log, the
 * DaaS configuration log (Microsoft's `CitrixDaaSConfigOps_CL`) and Analytics for Security's risk events
 * (Citrix's `CitrixAnalytics_*_V1_CL`). Generated, never written by hand: a column the content reads
 * exists because the collector declares it.
 */
import { SecretRegistry, silentLogger, systemClock } from '@ctxsiem/core';
import { azureDcr } from '@ctxsiem/deployment';
import { type DeploymentConfig, DeploymentConfigSchema } from '@ctxsiem/registry';
import { type KqlTable, kqlType } from './kql-workspace.ts';

/** The Monitor entity sets the content reads. */
export const CONTENT_MONITOR_SETS = [
  'Sessions',
  'Connections',
  'ConnectionFailureLogs',
  'Machines',
  'MachineFailureLogs',
  'DesktopGroups',
  'Users',
  'LogOnSummaries',
] as const;

/** A deployment collecting every stream the content reads (sources only matter; the rest is a placeholder). */
export function contentDeployment(): DeploymentConfig {
  return DeploymentConfigSchema.parse({
    tenants: [{ customerId: 'content', clientId: 'content', clientSecret: 'not-used-to-declare-tables' }],
    sources: [
      { type: 'monitor', entities: [...CONTENT_MONITOR_SETS] },
      { type: 'systemlog' },
      { type: 'daasconfiglog' },
      { type: 'sentinel', region: 'eu', topic: 't', groupId: 'g', username: 'u', password: 'not-used' },
    ],
    sink: { type: 'file', directory: 'not-used' },
    checkpoint: { type: 'file', directory: 'not-used' },
  });
}

/** The custom tables (and their columns) a deployment's sources fill in Azure, as KQL sees them. */
export async function deploymentTables(config: DeploymentConfig): Promise<KqlTable[]> {
  const declaration = await azureDcr(config, {
    logger: silentLogger(),
    clock: systemClock,
    secrets: new SecretRegistry(),
  });
  return Object.entries(declaration.tables).map(([name, table]) => ({
    name,
    columns: table.columns.map((column) => ({ name: column.name, type: kqlType(column.type) })),
  }));
}
