/** Consuming a stream source: batches per partition, claimed, delivered, then committed. */

// Routing a batch into parts, on the consuming thread or in worker threads (parsed, checked, encoded).
export { type BatchRouting, type RoutedGroup, routeBatch } from './batch-routing.ts';
// The driver: gather, claim, write, commit; drain on stop; lag in the summary.
export { type ConsumeOptions, consume } from './consume.ts';
// What a consumption reports: the summary, counts per stream, the observer.
export type {
  ConsumedStream,
  ConsumeObserver,
  ConsumeStop,
  ConsumeSummary,
} from './consume-summary.ts';
// Gathering each partition's messages into batches, cut by count, bytes, age or a claim.
export { DEFAULT_FLUSH, type FlushPolicy } from './partition-batches.ts';
// Each partition's claim: the batch being delivered, found again by whoever resumes it.
export { type HeldClaim, type PartitionClaim, PartitionClaims } from './partition-claims.ts';
export { autoRoutingWorkers, RoutingWorkers } from './routing-workers.ts';
// Where a module that runs apart (a worker's entry) lies, as the code is run: source, build or bundle.
export { siblingModule } from './sibling-modules.ts';
