import { describe, expect, it } from 'vitest';
import { CheckpointConflictError, recordDigest, StoredManifest, WindowManifest } from '../src/index.ts';
import { memoryDocuments } from './memory-documents.ts';

const identity = {
  tenant: 'acme',
  source: 'monitor',
  stream: 'Sessions',
  window: { from: new Date('2024-08-06T07:00:00Z'), to: new Date('2024-08-06T08:00:00Z') },
};

describe('window manifests', () => {
  it('round-trip their parts and digests through the store', async () => {
    const store = memoryDocuments();
    const stored = await StoredManifest.load(store, 'k', identity);
    expect(stored.stored).toBe(false);
    stored.manifest.addPart({ seq: 0, kind: 'records', records: 2, sha256: 'ab', location: 'x' }, [
      recordDigest({ id: 1 }),
      recordDigest({ id: 2 }),
    ]);
    await stored.save();
    const again = await StoredManifest.load(store, 'k', identity);
    expect(again.manifest.delivered).toBe(2);
    expect(again.manifest.nextSeq).toBe(1);
    expect(again.manifest.digests.has(recordDigest({ id: 2 }))).toBe(true);
    expect(again.manifest.window).toEqual(identity.window);
  });

  it('save lazily: after max(1000, size at the last save) new digests', async () => {
    const store = memoryDocuments();
    const stored = await StoredManifest.load(store, 'k', identity);
    let next = 0;
    const add = (n: number) => {
      for (let i = 0; i < n; i++)
        stored.manifest.addPart({ seq: 0, kind: 'records', records: 1 }, [recordDigest(next++)]);
    };
    add(998);
    await stored.saveIfDue();
    expect(store.writes).toBe(0);
    add(5);
    await stored.saveIfDue();
    expect(store.writes).toBe(1);
    add(1200);
    await stored.saveIfDue();
    expect(store.writes).toBe(2);
    add(100);
    await stored.saveIfDue();
    expect(store.writes).toBe(2);
    await stored.save();
    await stored.save();
    expect(store.writes).toBe(3);
  });

  it('refuse a stored document that is not a manifest, naming the key', () => {
    expect(() => WindowManifest.parse('acme/monitor/Sessions/x', { parts: 'no' })).toThrow(
      /window manifest "acme\/monitor\/Sessions\/x" is not valid/,
    );
  });

  it('lose a race to another runner with a conflict', async () => {
    const store = memoryDocuments();
    const mine = await StoredManifest.load(store, 'k', identity);
    const theirs = await StoredManifest.load(store, 'k', identity);
    theirs.manifest.addPart({ seq: 0, kind: 'records', records: 1 }, [recordDigest(1)]);
    await theirs.save();
    mine.manifest.addPart({ seq: 0, kind: 'records', records: 1 }, [recordDigest(2)]);
    await expect(mine.save()).rejects.toBeInstanceOf(CheckpointConflictError);
  });
});
