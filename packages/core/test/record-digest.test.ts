import { describe, expect, it } from 'vitest';
import { DigestSet, recordDigest } from '../src/index.ts';

describe('record digests', () => {
  it('are the same for the same record whatever its key order, and differ for another record', () => {
    const a = recordDigest({ id: 1, at: '2024-08-06T07:00:00Z', nested: { x: [1, 2], y: null } });
    const b = recordDigest({ nested: { y: null, x: [1, 2] }, at: '2024-08-06T07:00:00Z', id: 1 });
    expect(a).toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(recordDigest({ id: 2, at: '2024-08-06T07:00:00Z', nested: { x: [1, 2], y: null } })).not.toBe(a);
    expect(recordDigest({ id: 1, at: '2024-08-06T07:00:00Z', nested: { x: [2, 1], y: null } })).not.toBe(a);
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
});
