/**
 * @ctxsiem/emulator — an offline, deterministic Citrix Cloud (OAuth, Monitor OData, casodata, licensing,
 * System Log, DaaS configuration log) over real HTTP,
 * with the real service's limits (single-flight, server-driven paging, query timeout) and injectable faults.
 */
export {
  AUDIT_RETENTION_MS,
  CONFIG_LOG_LIMITS,
  CONFIG_LOG_PERMISSION,
  SYSTEM_LOG_DEFAULT_CASING,
  SYSTEM_LOG_EVENTS,
  SYSTEM_LOG_LIMITS,
  SYSTEM_LOG_LOCALES,
  SYSTEM_LOG_PERMISSION,
  type SystemLogCasing,
} from './admin-audit.ts';
export { CASODATA_EMPTY_HOUR_ONE_IN, CASODATA_ENTITY_NAMES, CASODATA_MAX_TOP } from './casodata.ts';
export {
  DAAS_SESSION_MAX_LIFETIME_MS,
  SESSION_SEARCH_LIMITS,
  SESSION_SEARCH_PROPERTIES,
  SESSIONS_PERMISSION,
} from './daas-sessions.ts';
export type { InjectedKind } from './faults.ts';
export type { GroundTruth } from './ground-truth.ts';
export { LATE_ARRIVAL_SHARE } from './late-arrivals.ts';
export {
  CONCURRENT_EVALUATION_MS,
  concurrentInUse,
  concurrentSummary,
  currentUsage,
  HISTORY_MONTHS,
  historicalUsage,
  LICENSE_MODELS,
  LICENSING_PATHS,
  LICENSING_PERMISSION,
  type LicenseModel,
} from './licensing.ts';
export { licensingTelemetry, type TelemetryDocument, type TelemetryOptions } from './licensing-telemetry.ts';
export { DEFAULT_HORIZON_MS, RETENTION_MS } from './monitor-query.ts';
export type { EdmType, EntitySetDef, NavigationDef, PropertyDef } from './monitor-schema.ts';
export { ENTITY_SETS as MONITOR_ENTITY_SETS } from './monitor-schema.ts';
export type { CustomerCredentials, EmulatorOptions, Faults, SingleFlight } from './options.ts';
export {
  DEFAULT_SCENARIO_WINDOW_START,
  latestScenarioWindowStart,
  PLANTED_SCENARIOS,
  type PlantedScenarios,
  type PlantedSessionSummary,
  type PlantedUser,
  plantedRiskEvents,
  plantedScenarios,
  SCENARIO_IDS,
  SCENARIO_WINDOW_MS,
  type ScenarioId,
} from './planted-scenarios.ts';
export { MAX_PAGE_SIZE, preferredPageSize } from './prefer.ts';
export { produceRiskEvents, type RiskEventProducerOptions } from './risk-event-producer.ts';
export {
  flattenOccurrenceDetails,
  type RiskEventOptions,
  riskEvent,
  riskEvents,
} from './risk-events.ts';
export {
  CASODATA_PERMISSION,
  type Emulator,
  MONITOR_PERMISSION,
  QUERY_TIMEOUT_ERROR_CODE,
  QUERY_TIMEOUT_STATUS,
  startEmulator,
} from './server.ts';
export { SESSION_MAX_LIFETIME_MS } from './session-model.ts';
export type { EmulatorStats, RequestLogEntry } from './stats.ts';
