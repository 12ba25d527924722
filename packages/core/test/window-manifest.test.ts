import { describe, expect, it } from 'vitest';
import {
  CheckpointConflictError,
  DIGEST_BYTES,
  DIGEST_CHUNK,
  digestChunkKey,
  type JsonRecord,
  recordDigest,
  StoredManifest,
  WindowManifest,
} from '../src/index.ts';
import { memoryDocuments } from './memory-documents.ts';
import { randomDigests } from './random-digests.ts';

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

  it('refuse a stored document that is not a manifest, naming the key', async () => {
    await expect(WindowManifest.parse('acme/monitor/Sessions/x', { parts: 'no' })).rejects.toThrow(
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

  it('read a manifest stored before chunks existed (all digests inline), and chunk it when it grows', async () => {
    const store = memoryDocuments();
    const digests = randomDigests(DIGEST_CHUNK + 10);
    // As the release before wrote it: every digest inline, in the order delivered.
    const legacy: JsonRecord = {
      tenant: 'acme',
      source: 'monitor',
      stream: 'Sessions',
      from: '2024-08-06T07:00:00.000Z',
      to: '2024-08-06T08:00:00.000Z',
      parts: [{ seq: 0, kind: 'records', records: digests.length, sha256: 'ab', location: 'x' }],
      digests: Buffer.concat(digests.map((d) => Buffer.from(d, 'base64url'))).toString('base64'),
      digestedThrough: 1,
      nextPart: 1,
      late: 0,
    };
    await store.write('k', legacy, undefined);
    const stored = await StoredManifest.load(store, 'k', identity);
    expect(stored.manifest.digests.size).toBe(digests.length);
    expect(digests.every((d) => stored.manifest.digests.has(d))).toBe(true);
    expect(stored.manifest.document.digestedThrough).toBe(1);
    const more = randomDigests(5);
    stored.manifest.addPart({ seq: 1, kind: 'records', records: 5 }, more);
    await stored.save();
    const document = (await store.read('k'))!.document;
    expect(document.digests).toBeUndefined();
    expect(document.digestLog).toMatchObject({ chunks: [expect.stringMatching(/^00000-/)] });
    const again = await StoredManifest.load(store, 'k', identity);
    expect([...again.manifest.digests.values()].join()).toBe([...digests, ...more].join());
  });

  it("keep a large window's digests in chunk documents written once, and read them back", async () => {
    const store = memoryDocuments();
    const stored = await StoredManifest.load(store, 'k', identity);
    const first = randomDigests(2 * DIGEST_CHUNK + 100);
    stored.manifest.addPart({ seq: 0, kind: 'records', records: first.length }, first);
    await stored.save();
    // Two chunks, then the manifest: three writes; the rest inline.
    expect(store.writes).toBe(3);
    const chunkKeys = await store.list('k/digests/');
    expect(chunkKeys).toHaveLength(2);
    const document = (await store.read('k'))!.document as { digestLog: { chunks: string[]; tail: string } };
    expect(document.digestLog.chunks.map((name) => digestChunkKey('k', name))).toEqual(chunkKeys);
    expect(Buffer.from(document.digestLog.tail, 'base64')).toHaveLength(100 * DIGEST_BYTES);

    const second = randomDigests(DIGEST_CHUNK);
    stored.manifest.addPart({ seq: 1, kind: 'records', records: second.length }, second);
    await stored.save();
    // One chunk more (the earlier ones are not written again), then the manifest.
    expect(store.writes).toBe(5);
    expect(await store.list('k/digests/')).toHaveLength(3);

    const again = await StoredManifest.load(store, 'k', identity);
    expect(again.manifest.digests.size).toBe(first.length + second.length);
    expect([...again.manifest.digests.values()].join()).toBe([...first, ...second].join());
    expect(again.manifest.chunks.digests).toBe(3 * DIGEST_CHUNK);
    await again.save();
    expect(store.writes).toBe(5);

    await again.delete();
    expect(await store.list('k')).toEqual([]);
  });

  it('save a large window every DIGEST_CHUNK new digests, not at doubling sizes', async () => {
    const store = memoryDocuments();
    const stored = await StoredManifest.load(store, 'k', identity);
    stored.manifest.addPart({ seq: 0, kind: 'records', records: 1 }, randomDigests(DIGEST_CHUNK + 1));
    await stored.saveIfDue();
    const writes = store.writes;
    stored.manifest.addPart({ seq: 1, kind: 'records', records: 1 }, randomDigests(DIGEST_CHUNK - 10));
    await stored.saveIfDue();
    expect(store.writes).toBe(writes);
    stored.manifest.addPart({ seq: 2, kind: 'records', records: 1 }, randomDigests(20));
    await stored.saveIfDue();
    expect(store.writes).toBeGreaterThan(writes);
  });

  it('refuse a manifest whose chunk is missing, naming it', async () => {
    const store = memoryDocuments();
    const stored = await StoredManifest.load(store, 'k', identity);
    stored.manifest.addPart({ seq: 0, kind: 'records', records: 1 }, randomDigests(DIGEST_CHUNK));
    await stored.save();
    const [chunk] = await store.list('k/digests/');
    await store.delete(chunk!);
    await expect(StoredManifest.load(store, 'k', identity)).rejects.toThrow(/chunk 00000-\w+ is missing/);
  });

  it('leave the chunks of a save that lost the race listed by no manifest, and delete them with it', async () => {
    const store = memoryDocuments();
    const mine = await StoredManifest.load(store, 'k', identity);
    const theirs = await StoredManifest.load(store, 'k', identity);
    const ours = randomDigests(DIGEST_CHUNK + 3);
    theirs.manifest.addPart({ seq: 0, kind: 'records', records: 1 }, randomDigests(DIGEST_CHUNK + 1));
    await theirs.save();
    mine.manifest.addPart({ seq: 0, kind: 'records', records: 1 }, ours);
    await expect(mine.save()).rejects.toBeInstanceOf(CheckpointConflictError);
    expect(await store.list('k/digests/')).toHaveLength(2);
    const winner = await StoredManifest.load(store, 'k', identity);
    expect(ours.some((d) => winner.manifest.digests.has(d))).toBe(false);
    await winner.delete();
    expect(await store.list('k')).toEqual([]);
  });
});
