/**
 * The runner and what it is made of: leases, window planning, reading, part writing, manifests, reconcile.
 * Its delivery suites run it on real connectors (file sink, generated source), so they live in the e2e
 * package, `test/runner/` (core cannot depend on a connector: see the package README, "Where the tests are").
 */

// The run's time budget: whether another page fits, and a signal when the deadline passes.
export { BudgetExhaustedError, RunBudget } from './budget.ts';
// Writing pages as create-only parts, skipping what the window manifest says was delivered.
export { type PageDelivery, PartWriter, type PartWriterOptions } from './part-writer.ts';
// A bounded async queue between the fetching producer and the delivering consumer.
export { BoundedQueue } from './queue.ts';
// Reading one range of a window page by page while the previous page is delivered.
export { type RangeOutcome, type RangeRead, readRange } from './range-reader.ts';
// When the reconcile pass checks a closed window again for late records.
export {
  DEFAULT_RECONCILE,
  dueChecks,
  firstCheck,
  nextCheck,
  type ReconcilePolicy,
  retryCheck,
  unverifiedWindows,
} from './reconcile.ts';
// One run over every stream: lease, claim, read, write, commit, reconcile.
export {
  backfillKey,
  DEFAULT_LEASE_MS,
  emptySummary,
  type PageCounts,
  type RunOptions,
  type RunSummary,
  run,
  type StreamStatus,
  type StreamSummary,
} from './runner.ts';
// A replica's hold on one tenant's source: its streams on one replica at a time (one request in flight).
export { type HeldBy, holdKey, SourceHold, type SourceHoldOptions } from './source-hold.ts';
// The order a replica attempts tenants and streams in: its own, so replicas do not contend in lockstep.
export { spreadOrder } from './spread.ts';
// One stream's checkpoint as a runner holds it, with its lease.
export {
  type CommittedState,
  type LeaseOptions,
  newLeaseOwner,
  parseStreamState,
  processAlive,
  StreamCheckpoint,
  StreamStateSchema,
} from './stream-checkpoint.ts';
// Window manifests: the parts a window wrote and the digests of the records it delivered.
export {
  DIGEST_CHUNK,
  digestChunkKey,
  type ManifestPart,
  ManifestPartSchema,
  StoredManifest,
  WindowManifest,
  type WindowManifestDocument,
  WindowManifestSchema,
} from './window-manifest.ts';
// Half-open UTC windows planned from a checkpoint position, and splitting them.
export {
  floorTo,
  horizon,
  isoSeconds,
  nextWindow,
  splitWindow,
  windowsIn,
} from './windows.ts';
