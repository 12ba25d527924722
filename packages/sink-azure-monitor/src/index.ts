/** @ctxsiem/sink-azure-monitor — the Azure Monitor Logs Ingestion API (what Microsoft Sentinel reads). */
export {
  type AzureMonitorSinkConfig,
  type AzureMonitorSinkConfigInput,
  AzureMonitorSinkConfigSchema,
  REQUEST_LIMIT_BYTES,
} from './config.ts';
export {
  AZURE_COLUMN_TYPES,
  type DcrDeclaration,
  type DcrStreamInput,
  dcrDeclaration,
  declarationProblems,
} from './dcr-declaration.ts';
export { defaultStreamName, streamNameOf, tableOf } from './dcr-streams.ts';
export { cutByCompressedSize, encodeRequest } from './requests.ts';
export { API_VERSION, azureMonitorSink } from './sink.ts';
