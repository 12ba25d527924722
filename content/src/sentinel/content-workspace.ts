/**
 * The workspace the Sentinel content runs in: a deployment's tables (`workspace-tables.ts`), the
 * `…Latest` functions generated for its Monitor tables and the content's own functions — what every
 * query is analyzed against, and what the Azure stack deploys.
 */
import type { DeploymentConfig } from '@ctxsiem/registry';
import { type SentinelContent, sentinelContent } from './content-files.ts';
import { type KqlFunction, type KqlTable, KqlWorkspace } from './kql-workspace.ts';
import { latestFunctions } from './latest-functions.ts';
import { contentDeployment, deploymentTables } from './workspace-tables.ts';

export interface ContentWorkspace {
  tables: KqlTable[];
  /** Generated and written functions, in the order they can be created (a function after those it calls). */
  functions: KqlFunction[];
  content: SentinelContent;
  workspace: KqlWorkspace;
}

export async function contentWorkspace(
  config: DeploymentConfig = contentDeployment(),
  content: SentinelContent = sentinelContent(),
): Promise<ContentWorkspace> {
  const tables = await deploymentTables(config);
  const functions: KqlFunction[] = [
    ...latestFunctions(tables),
    ...content.functions.map(({ content: fn }) => ({
      name: fn.name,
      parameters: fn.parameters,
      body: fn.query,
    })),
  ];
  return { tables, functions, content, workspace: new KqlWorkspace(tables, functions) };
}
