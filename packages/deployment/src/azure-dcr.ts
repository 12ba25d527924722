/**
 * `ctxsiem azure dcr`: the data collection rule's stream declarations and data flows, and the custom
 * tables, for the deployment's sources — generated from the streams' own column lists, with the sink's
 * record id column (`recordIdColumn`) in each — as JSON for Terraform (or the Azure portal's DCR editor).
 * The Azure sink declares them (its manifest's `declarations`, read through the registry).
 */

import { type AzureDcrDeclaration, type DeploymentConfig, siemDeclarations } from '@ctxsiem/registry';
import { declaredStreams } from './declared-streams.ts';
import type { SourceDeps } from './each-source.ts';

export async function azureDcr(config: DeploymentConfig, deps: SourceDeps): Promise<AzureDcrDeclaration> {
  const azure = siemDeclarations('azureDcr');
  // Every tenant's records of a stream go to the same DCR stream; the sink's config, when the
  // deployment sends to Azure, names the streams and the record id column.
  const sink = config.sink.type === 'azure-monitor' ? config.sink : undefined;
  const declaration = azure.dcr(await declaredStreams(config, deps), sink);
  const problems = azure.problems(declaration);
  if (problems.length > 0)
    throw new Error(`the generated declaration is not valid:\n  ${problems.join('\n  ')}`);
  return declaration;
}
