/**
 * A sink that keeps no data: it counts records and enforces the sink contract's create-only rule like
 * a real sink — a part identity written again with identical content is acknowledged without counting
 * it twice (`created: false`), with different content it throws `PartExistsError`. For runner tests and
 * benchmarks where storing a million records would measure the disk instead of the runner.
 */
import {
  type Batch,
  batchKey,
  digestOf,
  encodeNdjson,
  type ListedPart,
  PartExistsError,
  type PartName,
  type Receipt,
  type Sink,
} from '@ctxsiem/core';

export interface CountingSink extends Sink {
  readonly records: number;
  /** Parts created (identical retries are not counted again). */
  readonly batches: number;
  /** Writes of a part that already existed with identical content. */
  readonly repeats: number;
  /** Called for every batch before it is acknowledged: tests throw here to simulate a failing sink. */
  onWrite?: ((batch: Batch) => void | Promise<void>) | undefined;
}

export function countingSink(
  options: { onWrite?: (batch: Batch) => void | Promise<void> } = {},
): CountingSink {
  let records = 0;
  let batches = 0;
  let repeats = 0;
  // Part key → SHA-256 of the content it was created with.
  const created = new Map<string, string>();
  const deadLetterParts: ListedPart[] = [];
  const sink: CountingSink = {
    type: 'counting',
    get records() {
      return records;
    },
    get batches() {
      return batches;
    },
    get repeats() {
      return repeats;
    },
    onWrite: options.onWrite,
    async write(batch): Promise<Receipt> {
      await sink.onWrite?.(batch);
      const location = `counting://${batchKey(batch)}`;
      const { sha256 } = digestOf(encodeNdjson(batch.records));
      const existing = created.get(location);
      if (existing !== undefined && existing !== sha256)
        throw new PartExistsError(location, `created with sha256 ${existing}, this write has ${sha256}`);
      if (existing === undefined) {
        created.set(location, sha256);
        if (batch.kind === 'deadletter') {
          const { records: _records, ...name } = batch;
          deadLetterParts.push({ name, location });
        }
        records += batch.records.length;
        batches++;
      } else repeats++;
      return { location, records: batch.records.length, bytes: 0, created: existing === undefined, sha256 };
    },
    async readPart(part: PartName) {
      const location = `counting://${batchKey(part)}`;
      if (!created.has(location)) return undefined;
      throw new Error(`the counting sink keeps no records: it cannot read ${location} back`);
    },
    async *listDeadLetters() {
      yield* deadLetterParts.toSorted((a, b) =>
        a.location < b.location ? -1 : a.location > b.location ? 1 : 0,
      );
    },
    async check() {
      return 'counting sink is always writable';
    },
    async close() {},
  };
  return sink;
}
