/**
 * @ctxsiem/registry — what every app (CLI, Lambda, Cloud Function, daemon) builds from: the installed
 * connectors (generated from the workspace), the deployment schema made of their schemas, what their
 * sinks declare in a SIEM (`siemDeclarations`), the environment mapping, and the tables of connectors and
 * environment variables.
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
export {
  configFromEnv,
  DEPLOYMENT_VARIABLES,
  ENVIRONMENT_VARIABLES,
  type EnvironmentConfig,
  type EnvironmentVariable,
  withEnvNames,
} from './environment.ts';
export {
  environmentVariableRows,
  environmentVariablesMarkdown,
  SWITCH_VARIABLES,
  type VariableGroup,
  type VariableRow,
} from './environment-table.ts';
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
