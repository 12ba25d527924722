/** @ctxsiem/sink-secops — Google SecOps ingestion (Chronicle API logs:import, or the legacy API). */
export {
  LOG_LIMIT_BYTES,
  REQUEST_LIMIT_BYTES,
  type SecOpsSinkConfig,
  type SecOpsSinkConfigInput,
  SecOpsSinkConfigSchema,
} from './config.ts';
export { type SecOpsDeclarations, secopsDeclarations } from './declarations.ts';
export {
  CITRIX_LOG_TYPES_WITH_PARSER,
  CITRIX_LOG_TYPES_WITHOUT_PARSER,
  DEFAULT_LOG_TYPES,
  isCitrixLogType,
  LOG_TYPE_SOURCE,
  logTypeOf,
  noLogTypeMessage,
  resolveLogType,
  sourcesWithoutLogType,
} from './log-types.ts';
export {
  chronicleApiOrigin,
  chronicleLocation,
  isSecOpsRegion,
  legacyIngestionOrigin,
  REGION_MESSAGE,
  SECOPS_REGIONS,
  type SecOpsRegion,
} from './regions.ts';
export { cutRequests, ENVELOPE_ALLOWANCE_BYTES } from './requests.ts';
export { eventsImportUrl, ingestionUrl, type SecOpsSinkDeps, secopsSink } from './sink.ts';
export {
  UDM_ENUMS,
  UDM_EVENT_TYPES,
  UDM_MESSAGES,
  UDM_SCHEMA_SOURCE,
  udmEnumValues,
  udmEventProblems,
  udmPathType,
} from './udm-fields.ts';
export {
  configLogEventType,
  failureCategory,
  platformOf,
  systemLogEventType,
  TENANT_FIELD,
  UDM_MAPPINGS,
  type UdmEvent,
  type UdmMapper,
  udmEventOf,
  udmMapperOf,
} from './udm-mapping.ts';
