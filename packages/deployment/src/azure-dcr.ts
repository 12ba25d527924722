/**
 * `ctxsiem azure dcr`: the data collection rule's stream declarations and data flows, and the custom
 * tables, for the deployment's sources — generated from the streams' own column lists, with the sink's
 * record id column (`recordIdColumn`) in each — as JSON for Terraform (or the Azure portal's DCR editor).
 */

import type { DeploymentConfig } from '@ctxsiem/registry';
import { type DcrDeclaration, dcrDeclaration, declarationProblems } from '@ctxsiem/sink-azure-monitor';
import { declaredStreams } from './declared-streams.ts';
import type { SourceDeps } from './each-source.ts';

export async function azureDcr(config: DeploymentConfig, deps: SourceDeps): Promise<DcrDeclaration> {
  // Every tenant's records of a stream go to the same DCR stream.
  const azure = config.sink.type === 'azure-monitor' ? config.sink : undefined;
  const declaration = dcrDeclaration(await declaredStreams(config, deps), {
    streams: azure?.streams ?? {},
    ...(azure?.sentinelTables ? { sentinelTables: azure.sentinelTables } : {}),
    // Every stream and table declares the column the sink puts each row's record id in.
    ...(azure?.recordIdColumn ? { recordIdColumn: azure.recordIdColumn } : {}),
  });
  const problems = declarationProblems(declaration);
  if (problems.length > 0)
    throw new Error(`the generated declaration is not valid:\n  ${problems.join('\n  ')}`);
  return declaration;
}
