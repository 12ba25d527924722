/**
 * @ctxsiem/registry — what every app (CLI, Lambda, Cloud Function, daemon) builds from: the installed
 * connectors (generated from the workspace), the deployment schema made of their schemas, what their
 * sinks declare in a SIEM (`siemDeclarations`), the environment mapping, and the connectors table.
 */
export { type ConnectorRow, connectorRows, connectorsMarkdown, connectorsText } from './connectors-table.ts';
export {
  type AzureDcrDeclaration,
  type SiemDeclarationKey,
  type SiemDeclarations,
  siemDeclarations,
} from './declarations.ts';
export {
  CheckpointConfigSchema,
  type DeploymentConfig,
  DeploymentConfigSchema,
  RunnerConfigSchema,
  ScheduleSchema,
  ServeConfigSchema,
  SinkConfigSchema,
  type SourceConfig,
  SourceConfigSchema,
  type TenantConfig,
  TenantSchema,
} from './deployment.ts';
export { configFromEnv, type EnvironmentConfig, withEnvNames } from './environment.ts';
export {
  type AnySource,
  buildCheckpointStore,
  buildSink,
  buildSource,
  checkpointConnectors,
  connectors,
  findConnector,
  findSource,
  isStreamSource,
  sinkConnectors,
  sourceConnectors,
} from './registry.ts';
