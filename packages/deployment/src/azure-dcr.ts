/**
 * `ctxsiem azure dcr`: the data collection rule's stream declarations and data flows, and the custom
 * tables, for the deployment's sources — generated from the streams' own column lists — as JSON for
 * Terraform (or the Azure portal's DCR editor).
 */

import type { DeploymentConfig } from '@ctxsiem/registry';
import {
  type DcrDeclaration,
  type DcrStreamInput,
  dcrDeclaration,
  declarationProblems,
} from '@ctxsiem/sink-azure-monitor';
import { eachSource, type SourceDeps } from './each-source.ts';

export async function azureDcr(config: DeploymentConfig, deps: SourceDeps): Promise<DcrDeclaration> {
  const inputs = new Map<string, DcrStreamInput>();
  const unknown: string[] = [];
  await eachSource(config, deps, async (source) => {
    for (const stream of source.streams) {
      if (!stream.columns) {
        unknown.push(`${source.type}/${stream.name}`);
        continue;
      }
      // Every tenant's records of a stream go to the same DCR stream.
      inputs.set(`${source.type}/${stream.name}`, {
        source: source.type,
        stream: stream.name,
        columns: stream.columns,
        timeField: 'cursorField' in stream ? stream.cursorField : stream.timeField,
        tenantField: source.tenantField,
      });
    }
  });
  if (unknown.length > 0)
    throw new Error(`no column list for ${unknown.join(', ')}: their streams cannot be declared`);
  const declaration = dcrDeclaration([...inputs.values()], {
    streams: config.sink.type === 'azure-monitor' ? config.sink.streams : {},
  });
  const problems = declarationProblems(declaration);
  if (problems.length > 0)
    throw new Error(`the generated declaration is not valid:\n  ${problems.join('\n  ')}`);
  return declaration;
}
