/**
 * A sink that keeps no data: it counts records and checks that every batch identity is written at
 * most once per content. For runner tests and benchmarks where storing a million records would measure
 * the disk instead of the runner.
 */
import type { Batch, Receipt, Sink } from '@ctxsiem/core';

export interface CountingSink extends Sink {
  readonly records: number;
  readonly batches: number;
  /** Called for every batch before it is acknowledged: tests throw here to simulate a failing sink. */
  onWrite?: ((batch: Batch) => void | Promise<void>) | undefined;
}

export function countingSink(
  options: { onWrite?: (batch: Batch) => void | Promise<void> } = {},
): CountingSink {
  let records = 0;
  let batches = 0;
  const sink: CountingSink = {
    type: 'counting',
    get records() {
      return records;
    },
    get batches() {
      return batches;
    },
    onWrite: options.onWrite,
    async write(batch): Promise<Receipt> {
      await sink.onWrite?.(batch);
      records += batch.records.length;
      batches++;
      return {
        location: `${batch.stream}/${batch.window.from.toISOString()}/${batch.seq}`,
        records: batch.records.length,
        bytes: 0,
      };
    },
    async check() {
      return 'counting sink is always writable';
    },
    async close() {},
  };
  return sink;
}
