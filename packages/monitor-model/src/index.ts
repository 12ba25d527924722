export {
  COLLECTION,
  type CollectionDecision,
  type CursorKind,
  IDENTITY_BY_KIND,
  type IdentityDecision,
  INFERRED_KEYS,
  INFERRED_TYPES,
  identityOf,
  type SnapshotCollection,
  type WindowedCollection,
} from './collection-decisions.ts';
export { documentedRowSchema, edmValueCheck, edmZodType } from './edm-values.ts';
export { metadataDocument } from './metadata-document.ts';
export {
  cursorIndexed,
  edmTypeOf,
  identityTable,
  MONITOR_MODEL_SOURCE,
  type MonitorEntitySet,
  type MonitorNavigation,
  type MonitorProperty,
  monitorEntitySet,
  monitorModel,
  windowedCollection,
} from './monitor-model.ts';
export { OPENAPI_FACTS } from './openapi-facts.generated.ts';
export type { OpenApiFacts, OpenApiSetFacts } from './openapi-facts.ts';
