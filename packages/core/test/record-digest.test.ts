import { describe, expect, it } from 'vitest';
import { DIGEST_BYTES, DigestSet, recordDigest } from '../src/index.ts';
import { randomDigests } from './random-digests.ts';

describe('record digests', () => {
  it('are the same for the same record whatever its key order, and differ for another record', () => {
    const a = recordDigest({ id: 1, at: '2024-08-06T07:00:00Z', nested: { x: [1, 2], y: null } });
    const b = recordDigest({ nested: { y: null, x: [1, 2] }, at: '2024-08-06T07:00:00Z', id: 1 });
    expect(a).toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(recordDigest({ id: 2, at: '2024-08-06T07:00:00Z', nested: { x: [1, 2], y: null } })).not.toBe(a);
    expect(recordDigest({ id: 1, at: '2024-08-06T07:00:00Z', nested: { x: [2, 1], y: null } })).not.toBe(a);
  });

  it('of a key and cursor (an array of plain values) are what they always were: manifests hold them', () => {
    // Pinned from the canonical JSON (safe-stable-stringify) every release has hashed: a stored
    // manifest's digests must match a re-read's.
    expect(recordDigest(['a83a5c0c-7ab4-400d-8ebb-de8ceaae6a72', '2024-08-06T09:00:00.24Z'])).toBe(
      'WXx7ntoOUfYP',
    );
    expect(recordDigest([42, '2024-08-06T07:00:00Z'])).toBe('YszhTf9OB4Og');
    expect(recordDigest([-0, 1e21, 0.1, true, null, 'é\u2028"\\\n'])).toBe('cdZVX-wAkV3X');
    expect(recordDigest(['\ud800', 'a\udc00b', '😀'])).toBe('4bDw1vVlqL8-');
    expect(recordDigest(['x'.repeat(6000)])).toBe('wbf2hn9-5ahf');
  });

  it('encode into compact text that decodes to the same set', () => {
    const set = new DigestSet();
    for (let i = 0; i < 1000; i++) set.add(recordDigest({ i }));
    const text = set.encode();
    expect(Buffer.from(text, 'base64')).toHaveLength(9 * 1000);
    const back = DigestSet.decode(text);
    expect(back.size).toBe(1000);
    for (let i = 0; i < 1000; i++) expect(back.has(recordDigest({ i }))).toBe(true);
    expect(back.has(recordDigest({ i: 1000 }))).toBe(false);
    expect(() => DigestSet.decode(Buffer.alloc(10).toString('base64'))).toThrow(/multiple of 9/);
  });

  it('are held as a set: membership through the growth of its log and index, duplicates once', () => {
    const digests = randomDigests(150_000);
    const known = new Set(digests);
    const absent = randomDigests(1_000).filter((digest) => !known.has(digest));
    const set = new DigestSet();
    for (const digest of digests) set.add(digest);
    for (const digest of digests.slice(0, 1_000)) set.add(digest);
    expect(set.size).toBe(digests.length);
    expect(digests.every((digest) => set.has(digest))).toBe(true);
    expect(absent.some((digest) => set.has(digest))).toBe(false);
    // In the order added, as the strings they came as.
    expect([...set.values()].join()).toBe(digests.join());
  });

  it('tell apart digests that share their hash bytes, and hold the all-zero digest', () => {
    const zero = Buffer.alloc(DIGEST_BYTES).toString('base64url');
    const sameHash = Array.from({ length: 300 }, (_, i) => {
      const bytes = Buffer.alloc(DIGEST_BYTES, 7);
      bytes.writeUInt32BE(i, 5);
      return bytes.toString('base64url');
    });
    const set = new DigestSet([zero, ...sameHash]);
    expect(set.size).toBe(301);
    expect(set.has(zero)).toBe(true);
    expect(sameHash.every((digest) => set.has(digest))).toBe(true);
    const other = Buffer.alloc(DIGEST_BYTES, 7);
    other.writeUInt32BE(300, 5);
    expect(set.has(other.toString('base64url'))).toBe(false);
  });

  it('refuse what is not a digest, and find no such thing', () => {
    const set = new DigestSet();
    expect(() => set.add('short')).toThrow(/not a record digest/);
    expect(() => set.add('!!!!!!!!!!!!')).toThrow(/not a record digest/);
    expect(set.size).toBe(0);
    expect(set.has('short')).toBe(false);
  });

  it('hand out their bytes by range, in the order added, across blocks', () => {
    const digests = randomDigests(70_000);
    const set = new DigestSet(digests);
    const all = Buffer.concat(digests.map((digest) => Buffer.from(digest, 'base64url')));
    expect(set.bytes().equals(all)).toBe(true);
    expect(set.bytes(65_000, 66_000).equals(all.subarray(65_000 * 9, 66_000 * 9))).toBe(true);
    expect(set.bytes(69_990).equals(all.subarray(69_990 * 9))).toBe(true);
    expect(set.bytes(5, 5)).toHaveLength(0);
    expect(DigestSet.fromBytes(all).size).toBe(digests.length);
  });

  it('decode the text a set of strings encoded (the format manifests were stored in)', () => {
    // What the string set wrote: each digest's 9 bytes in the order added, base64.
    const digests = Array.from({ length: 500 }, (_, i) => recordDigest({ i }));
    const legacy = Buffer.concat(digests.map((digest) => Buffer.from(digest, 'base64url'))).toString(
      'base64',
    );
    const set = DigestSet.decode(legacy);
    expect([...set.values()]).toEqual(digests);
    expect(set.encode()).toBe(legacy);
  });
});
