import { describe, expect, it } from 'vitest';
import { encodeNdjson, ndjsonExceeds } from '../src/index.ts';

describe('ndjsonExceeds', () => {
  it('measures the NDJSON bytes encodeNdjson would write (UTF-8, newline included)', () => {
    const records = [{ a: 'é' }, { b: 2 }, { text: '✓ "quoted"\nline' }];
    const exact = encodeNdjson(records).length;
    expect(ndjsonExceeds(records, exact)).toBe(false);
    expect(ndjsonExceeds(records, exact - 1)).toBe(true);
    expect(ndjsonExceeds([], 0)).toBe(false);
  });

  it('stops reading records as soon as the limit is passed', () => {
    let serialised = 0;
    const counted = (i: number) => ({
      toJSON() {
        serialised++;
        return { i };
      },
    });
    const records = Array.from({ length: 1000 }, (_, i) => ({ record: counted(i) }));
    expect(ndjsonExceeds(records, 50)).toBe(true);
    expect(serialised).toBeLessThan(10);
  });
});
