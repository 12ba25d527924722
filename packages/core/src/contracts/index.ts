/** What every connector implements and what a connector package says about itself. */

// The checkpoint store: one stream's state, written conditionally; the keys of checkpoints and manifests.
export {
  type CheckpointStore,
  type ClaimedWindow,
  checkpointKey,
  manifestKey,
  type ReconcileEntry,
  type RunOutcome,
  type StreamLease,
  type StreamState,
  type VersionedState,
} from './checkpoint-store.ts';
// Connector manifests: kind, config schema, environment mapping, SIEM defaults and factory of each connector.
export {
  type CheckpointStoreConnector,
  type Connector,
  type ConnectorKind,
  defineCheckpointStore,
  definePullSource,
  defineSink,
  defineStreamSource,
  type Env,
  type EnvMapping,
  envValue,
  type PullSourceConnector,
  type SiemDefaults,
  type SinkConnector,
  type SourceConnector,
  type SourceDeps,
  type StreamSourceConnector,
  type TenantConnection,
} from './connector.ts';
// What every connector factory is handed.
export type { ConnectorDeps } from './connector-deps.ts';
// JSON documents beside the checkpoints, with conditional writes.
export type { DocumentStore } from './document-store.ts';
// The pull source: streams read window by window, page by page.
export type {
  CheckResult,
  OfferedStream,
  Page,
  PullStream,
  RejectedRecord,
  Source,
  SourceFactory,
  TableProjection,
  WindowPolicy,
} from './pull-source.ts';
// The JSON Schema of a stream's records, from its columns.
export { recordJsonSchema, type StreamRecords } from './record-json-schema.ts';
// What travels: records, windows, record schemas, columns and drift from them.
export type { Column, ColumnType, FieldDrift, JsonRecord, RecordSchema, Window } from './records.ts';
// Fields of delivered records that differ from their model: counted, named in words.
export { addDrift, type DriftCount, describeJsonValue } from './schema-drift.ts';
// The sink: parts named by their identity, written create-only, read back, acknowledged with a receipt.
export type {
  Batch,
  DeliveryFence,
  EncodedPart,
  ListedPart,
  PartIdentity,
  PartName,
  Receipt,
  Sink,
  SinkFactory,
} from './sink.ts';
// The stream source: a partitioned log consumed by a consumer group, its messages routed to streams.
export {
  type ConsumptionSettings,
  type LogConsumer,
  type LogMessage,
  type PartitionLag,
  type PartitionOffsets,
  type PartitionPosition,
  type RoutedMessage,
  type RoutedStream,
  type RoutingModule,
  resumeOffset,
  type StreamSource,
} from './stream-source.ts';
