/**
 * Running a deployment, shared by every app (the CLI and daemon, the Lambda, the Cloud Run function):
 * loading its config, resolving secret references, collecting every tenant × source once, and the
 * report of a run.
 */

// The Azure data collection rule and custom tables the configured sources need (CLI, terraform/).
export { azureDcr } from './azure-dcr.ts';
// One collection run over the configured (or selected) tenants and sources.
export {
  type CollectDeps,
  type CollectedSource,
  type CollectedStream,
  type CollectSummary,
  collect,
} from './collect.ts';
// Config documents kept in a bucket (s3://, gs://).
export { isConfigUri, MAX_CONFIG_BYTES, readConfigUri } from './config-uri.ts';
// The configured streams with their columns, and the JSON Schema of their records.
export { type DeclaredStream, declaredStreams, recordSchemas } from './declared-streams.ts';
// The deployment's sink: its delivery ledger in the checkpoint store, its dead letters routed.
export { buildDeploymentSink } from './deployment-sink.ts';
// Building every configured source in turn, for commands that look without collecting.
export { eachSource, type SourceDeps } from './each-source.ts';
// One instance of a function app (Lambda container, function instance) and its invocations.
export {
  FunctionInstance,
  type FunctionInstanceOptions,
  type Invocation,
  type InvocationBody,
  StreamsFailedError,
} from './function-instance.ts';
// How long an invocation may collect: the time it has left minus a safety margin.
export {
  type BudgetOptions,
  DEFAULT_SAFETY_MARGIN_SECONDS,
  invocationBudgetSeconds,
  LEASE_GRACE_MS,
  MIN_BUDGET_MS,
} from './invocation-budget.ts';
// The config from a file, CTXSIEM_CONFIG or the environment.
export { loadConfig } from './load-config.ts';
// The memory each artifact was measured to need, and a warning at start when it has less.
export {
  type Artifact,
  configuredMemoryMb,
  MEMORY_HEADROOM,
  MINIMUM_MEMORY_MB,
  warnIfMemoryLow,
} from './memory.ts';
// The human-readable run report.
export { collectExitCode, EXIT_CODES, formatReport } from './report.ts';
// Secret references: env:, file:, secretsmanager:, gcpsecret:.
export {
  clearSecretCache,
  type Env,
  isSecretReference,
  resolveSecret,
  SecretUnavailableError,
} from './secret-references.ts';
// Registering secrets before anything can print them.
export {
  registerConfigSecrets,
  registerEnvironmentSecrets,
  SECRET_ENVIRONMENT_VARIABLES,
} from './secrets.ts';
// What an invocation selects: some tenants and sources.
export {
  type CollectSelection,
  checkSelection,
  isSelected,
  parseSelection,
  SelectionSchema,
} from './selection.ts';
// Plain-text tables for terminal reports.
export { formatTable } from './table.ts';
// How many tenants a run collects at once: a number, or `auto` while memory permits.
export {
  type Admission,
  AUTO_MEMORY_SHARE,
  memoryShare,
  type TenantConcurrency,
  tenantAdmission,
} from './tenant-admission.ts';
