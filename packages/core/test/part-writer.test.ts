import { describe, expect, it } from 'vitest';
import {
  type Batch,
  DIGEST_CHUNK,
  type JsonRecord,
  PartWriter,
  type PullStream,
  type Sink,
  StoredManifest,
  silentLogger,
} from '../src/index.ts';
import { memoryDocuments } from './memory-documents.ts';

const window = { from: new Date('2024-08-06T07:00:00Z'), to: new Date('2024-08-06T08:00:00Z') };
const identity = { tenant: 'acme', source: 'generated', stream: 'events', window };
const stream = { name: 'events', cursorField: 'time' } as unknown as PullStream;

/** A sink keeping its parts in memory, create-only like every sink. */
function memorySink(): Sink & { parts: Map<string, JsonRecord[]> } {
  const parts = new Map<string, JsonRecord[]>();
  const name = (part: { kind: string; seq: number }) => `${part.kind}-${part.seq}`;
  return {
    type: 'memory',
    parts,
    async write(batch: Batch) {
      const existing = parts.get(name(batch));
      if (!existing) parts.set(name(batch), [...batch.records]);
      const receipt = { location: name(batch), records: batch.records.length, bytes: 1, sha256: 'x' };
      return { ...receipt, created: existing === undefined };
    },
    async readPart(part) {
      return parts.get(name(part));
    },
    async *listDeadLetters() {},
    async check() {
      return 'ok';
    },
    async close() {},
  };
}

const records = (from: number, to: number): JsonRecord[] =>
  Array.from({ length: to - from }, (_, i) => ({ id: from + i, time: '2024-08-06T07:30:00Z' }));

const writer = (sink: Sink, manifest: StoredManifest, seq: number) =>
  new PartWriter({
    sink,
    stream,
    tenant: 'acme',
    source: 'generated',
    tenantField: 'tenant',
    manifest: manifest.manifest,
    seq,
    beforeWrite: async () => {},
    logger: silentLogger(),
  });

describe('part writer over a window whose digests are stored in chunks', () => {
  it('delivers a window read again after a kill once: chunked and unsaved digests alike', async () => {
    const store = memoryDocuments();
    const sink = memorySink();
    const first = await StoredManifest.load(store, 'k', identity);
    const killed = writer(sink, first, 0);
    for (let at = 0; at < 90_000; at += 10_000) {
      await killed.deliver(records(at, at + 10_000));
      await first.saveIfDue();
    }
    // A last part written, its digests never saved: the run is killed here.
    await killed.deliver(records(90_000, 95_000));
    expect((await store.list('k/digests/')).length).toBeGreaterThan(0);
    expect(first.manifest.digests.size).toBeGreaterThan(DIGEST_CHUNK);

    // The successor resumes with the part number the checkpoint holds, and reads the window again.
    const second = await StoredManifest.load(store, 'k', identity);
    const successor = writer(sink, second, killed.seq);
    let delivered = 0;
    let skipped = 0;
    for (let at = 0; at < 100_000; at += 10_000) {
      const page = await successor.deliver(records(at, at + 10_000));
      delivered += page.records;
      skipped += page.skipped;
    }
    expect({ delivered, skipped }).toEqual({ delivered: 5_000, skipped: 95_000 });
    const ids = [...sink.parts.values()].flat().map((record) => record.id);
    expect(ids).toHaveLength(100_000);
    expect(new Set(ids).size).toBe(100_000);

    await second.save();
    const third = await StoredManifest.load(store, 'k', identity);
    expect(third.manifest.digests.size).toBe(100_000);
  });
});
