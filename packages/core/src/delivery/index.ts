/** Delivering to sinks that cannot read their parts back: the delivery ledger, dead letters kept elsewhere. */

// A sink whose dead letters go to another (object) sink.
export { withDeadLetterSink } from './dead-letter-routing.ts';
// What a SIEM API sink delivered, per part and request, beside the checkpoints.
export {
  DeliveryLedger,
  type FrozenRequest,
  LedgerPart,
  type LedgerPlan,
  type LedgerWriter,
  UNFENCED,
} from './delivery-ledger.ts';
// One request to a SIEM ingestion API, retried as the API asks.
export {
  type FetchLike,
  type IngestionRequest,
  ingestionRequestOptions,
  sendIngestionRequest,
  serverMessage,
} from './ingestion-request.ts';
// What every SIEM ingestion API sink does around its requests: the ledger, the re-read, no dead letters.
export {
  type AttemptHooks,
  type IngestionSinkDefinition,
  ingestionSink,
  type PartRequest,
  partPath,
} from './ingestion-sink.ts';
