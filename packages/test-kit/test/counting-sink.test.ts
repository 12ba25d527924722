import { PartExistsError } from '@ctxsiem/core';
import { describe, expect, it } from 'vitest';
import { countingSink } from '../src/counting-sink.ts';
import { sampleBatch } from '../src/test-sink.ts';

describe('countingSink', () => {
  it('counts a part once, acknowledges an identical retry without counting it, refuses other content', async () => {
    const sink = countingSink();
    const batch = sampleBatch();
    expect((await sink.write(batch)).created).toBe(true);
    expect((await sink.write(batch)).created).toBe(false);
    expect([sink.records, sink.batches, sink.repeats]).toEqual([batch.records.length, 1, 1]);
    await expect(sink.write({ ...batch, records: batch.records.slice(1) })).rejects.toBeInstanceOf(
      PartExistsError,
    );
    expect((await sink.write({ ...batch, seq: 1 })).created).toBe(true);
    expect((await sink.write({ ...batch, tenant: 'other' })).created).toBe(true);
    expect(sink.batches).toBe(3);
  });

  it('answers readPart for a missing part, and refuses to pretend it kept an existing one', async () => {
    const sink = countingSink();
    const batch = sampleBatch();
    expect(await sink.readPart(batch)).toBeUndefined();
    await sink.write(batch);
    await expect(sink.readPart(batch)).rejects.toThrow(/keeps no records/);
  });
});
