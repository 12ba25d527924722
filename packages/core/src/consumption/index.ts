/** Consuming a stream source: batches per partition, claimed, delivered, then committed. */

// The driver: gather, claim, write, commit; drain on stop; lag in the summary.
export {
  type ConsumedStream,
  type ConsumeObserver,
  type ConsumeOptions,
  type ConsumeStop,
  type ConsumeSummary,
  consume,
  DEFAULT_FLUSH,
  type FlushPolicy,
} from './consume.ts';
// Each partition's claim: the batch being delivered, found again by whoever resumes it.
export { type HeldClaim, type PartitionClaim, PartitionClaims } from './partition-claims.ts';
