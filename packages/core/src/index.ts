/**
 * The public surface of `@ctxsiem/core`: every folder's own list, one line a folder. A folder's
 * `index.ts` is the only list of its names, and each is also a subpath of the package
 * (`@ctxsiem/core/runner`…); other packages import from this root.
 */

// Object-store checkpoints: conditional JSON documents, checkpoint documents, seed state, stores.
export * from './checkpoint/index.ts';
// Clocks (the system clock, manual and shifted clocks for tests) and lengths of time.
export * from './clock/index.ts';
// Config helpers: parsing with named issues, JSON Schema, shared field types.
export * from './config/index.ts';
// Consuming stream sources (Kafka): batches per partition, claimed, delivered, then committed.
export * from './consumption/index.ts';
// Contracts: sources, pull and stream, sinks, checkpoint and document stores, connector manifests.
export * from './contracts/index.ts';
// Dead letters after the run: listing and replaying them.
export * from './deadletter/index.ts';
// Delivering to sinks that cannot read parts back: the delivery ledger, dead letters kept elsewhere.
export * from './delivery/index.ts';
// Encoding: NDJSON with optional gzip, its size, byte counts, SHA-256 content digests, record digests.
export * from './encoding/index.ts';
// Errors: named errors with stable codes, and retryable network error codes.
export * from './errors/index.ts';
// Object layout: partition folders, part names, dead letters, the probe object.
export * from './layout/index.ts';
// Logging: structured JSON logs with redaction of secrets.
export * from './logging/index.ts';
// Object stores as drivers: what a bucket driver provides, and the object sink over one.
export * from './object-store/index.ts';
// Retrying HTTP calls: retryable statuses, backoff with jitter, Retry-After, an abortable sleep.
export * from './retry/index.ts';
// The runner: leases, windows, range reading, create-only parts, window manifests, reconcile, budget.
export * from './runner/index.ts';
