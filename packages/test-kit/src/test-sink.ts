/**
 * The conformance suite every sink runs. The sink is exercised through its public contract; what it
 * stored is read back through `inspect`, which each sink test provides with an independent reader
 * (plain file reads, the AWS SDK's GetObject, a plain HTTP GET).
 */
import { type Batch, DEAD_LETTER_FOLDER, type JsonRecord, type Sink } from '@ctxsiem/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

export interface SinkInspector {
  /** Every stored object key/path under the sink's root, relative to it, sorted. */
  list(): Promise<string[]>;
  /** The records in one stored object (decoding gzip when the sink wrote it). */
  read(location: string): Promise<JsonRecord[]>;
}

export interface SinkHarness {
  sink: Sink;
  inspect: SinkInspector;
  cleanup?: () => Promise<void>;
}

export interface TestSinkOptions {
  name: string;
  create: () => Promise<SinkHarness>;
  additionalTests?: (harness: () => SinkHarness) => void;
}

export function sampleBatch(overrides: Partial<Batch> = {}): Batch {
  const from = new Date('2024-08-06T07:00:00Z');
  return {
    tenant: 'acme',
    source: 'monitor',
    stream: 'Sessions',
    window: { from, to: new Date('2024-08-06T08:00:00Z') },
    seq: 0,
    kind: 'records',
    records: Array.from({ length: 25 }, (_, i) => ({
      SessionKey: `s-${i}`,
      ModifiedDate: from.toISOString(),
      n: i,
      text: 'é ✓ "quoted"\nline',
    })),
    ...overrides,
  };
}

export function testSink(options: TestSinkOptions): void {
  describe(`sink conformance: ${options.name}`, () => {
    let harness: SinkHarness;
    beforeAll(async () => {
      harness = await options.create();
    });
    afterAll(async () => {
      await harness?.sink.close();
      await harness?.cleanup?.();
    });

    it('stores a batch whose records read back unchanged, in the partitioned layout', async () => {
      const batch = sampleBatch();
      const receipt = await harness.sink.write(batch);
      expect(receipt.records).toBe(batch.records.length);
      expect(receipt.bytes).toBeGreaterThan(0);
      const keys = await harness.inspect.list();
      const key = keys.find((k) =>
        k.includes('Sessions/year=2024/month=08/day=06/hour=07/part-20240806T070000Z-00000.ndjson'),
      );
      expect(key, `stored keys: ${keys.join(', ')}`).toBeDefined();
      expect(await harness.inspect.read(key!)).toEqual(batch.records);
    });

    it('overwrites on a retried batch instead of duplicating', async () => {
      const batch = sampleBatch({ seq: 1 });
      await harness.sink.write(batch);
      const before = await harness.inspect.list();
      await harness.sink.write(batch);
      const after = await harness.inspect.list();
      expect(after).toEqual(before);
    });

    it('names objects deterministically from tenant, stream, window and sequence', async () => {
      const a = await harness.sink.write(sampleBatch({ seq: 7, stream: 'Machines' }));
      const b = await harness.sink.write(sampleBatch({ seq: 7, stream: 'Machines' }));
      const c = await harness.sink.write(sampleBatch({ seq: 8, stream: 'Machines' }));
      expect(a.location).toBe(b.location);
      expect(c.location).not.toBe(a.location);
    });

    it('puts dead-lettered records under the dead-letter folder with their reason', async () => {
      const records = [{ reason: 'value: expected number', record: { id: 'x', value: 'oops' } }];
      await harness.sink.write(sampleBatch({ kind: 'deadletter', seq: 3, records }));
      const keys = await harness.inspect.list();
      const key = keys.find((k) => k.includes(`${DEAD_LETTER_FOLDER}/Sessions/`) && k.includes('-00003.'));
      expect(key, `stored keys: ${keys.join(', ')}`).toBeDefined();
      expect(await harness.inspect.read(key!)).toEqual(records);
    });

    it('passes its health check with a real probe that leaves nothing behind', async () => {
      const before = await harness.inspect.list();
      const detail = await harness.sink.check();
      expect(typeof detail).toBe('string');
      expect(await harness.inspect.list()).toEqual(before);
    });

    options.additionalTests?.(() => harness);
  });
}
