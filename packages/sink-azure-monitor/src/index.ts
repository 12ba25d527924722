/** @ctxsiem/sink-azure-monitor — the Azure Monitor Logs Ingestion API (what Microsoft Sentinel reads). */
export {
  type AzureMonitorSinkConfig,
  type AzureMonitorSinkConfigInput,
  AzureMonitorSinkConfigSchema,
  REQUEST_LIMIT_BYTES,
} from './config.ts';
export {
  ADDITIONAL_FIELDS,
  AZURE_COLUMN_TYPES,
  type DcrDeclaration,
  type DcrOptions,
  type DcrStreamInput,
  dcrDeclaration,
  declarationProblems,
  EVENT_TIME,
  isReservedColumn,
  RECORD_ID_COLUMN,
  RESERVED_COLUMNS,
  storedColumnName,
  streamColumns,
} from './dcr-declaration.ts';
export {
  defaultStreamName,
  legacySentinelTable,
  type SentinelTables,
  streamNameOf,
  tableOf,
} from './dcr-streams.ts';
export {
  type AzureDeclarations,
  azureDeclarations,
  type DcrSinkSettings,
  dcrOptions,
} from './declarations.ts';
export {
  CITRIX_ANALYTICS_CCF,
  CITRIX_ANALYTICS_LEGACY,
  MICROSOFT_DAAS_CONFIG_OPS,
  type PublishedTable,
} from './published-tables.ts';
export { cutByCompressedSize, encodeRequest } from './requests.ts';
export { API_VERSION, azureMonitorSink } from './sink.ts';
