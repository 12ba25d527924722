export {
  CitrixCloudClient,
  type CitrixCloudDeps,
  type CitrixCloudStats,
  type GetJsonOptions,
  permissionMessage,
} from './client.ts';
export {
  BackoffSchema,
  type CitrixCloudConfig,
  type CitrixCloudConfigInput,
  CitrixCloudConfigSchema,
  type CitrixCloudEndpoints,
  resolveEndpoints,
  tenantConnection,
} from './config.ts';
export {
  type AttemptRecord,
  AuthenticationError,
  ForeignOriginError,
  formatBytes,
  PermissionError,
  ResponseTooLargeError,
  type ResponseTooLargeReason,
  RetriesExhaustedError,
  TokenUnavailableError,
} from './errors.ts';
export {
  buildODataUrl,
  encodeODataValue,
  formatODataInstant,
  isQueryTimeoutResponse,
  type ODataQueryOptions,
  odataErrorMessage,
  quoteODataString,
  retryDelayFromBody,
} from './odata.ts';
export { OriginGuard } from './origin-guard.ts';
export { type ODataPage, type PaginateOptions, paginateOData } from './paginate.ts';
export { CITRIX_REGION_NAMES, CITRIX_REGIONS, type CitrixRegion, regionApiBase } from './regions.ts';
export { tenantLockKey, withTenantLock } from './tenant-lock.ts';
// A caller's wait for a shared request, abandoned through its own signal (the request goes on).
export { type CachedToken, raceAbort, TokenClient } from './token.ts';
