import { describe, expect, it } from 'vitest';
import { generatedSource } from '../../src/generated-source.ts';

const hour = { from: new Date('2024-08-06T07:00:00Z'), to: new Date('2024-08-06T08:00:00Z') };

async function readAll(source: ReturnType<typeof generatedSource>, window = hour, resume?: string) {
  const pages = [];
  for await (const page of source.streams[0]!.read(window, resume, new AbortController().signal))
    pages.push(page);
  return pages;
}

describe('generatedSource', () => {
  it('counts by arithmetic exactly what it enumerates, for spacings that do not divide a minute', () => {
    for (const recordsPerMinute of [1, 7, 13, 60, 1000, 16_667]) {
      const source = generatedSource({ streams: [{ name: 'events', recordsPerMinute }] });
      for (const window of [
        hour,
        { from: new Date('2024-08-06T07:00:00.123Z'), to: new Date('2024-08-06T07:03:59.999Z') },
      ]) {
        expect(source.count('events', window), `${recordsPerMinute}/min`).toBe(
          [...source.truth('events', window)].length,
        );
      }
    }
  });

  it('pages the window in order, the last page without a token, and resumes from any token', async () => {
    const source = generatedSource({ pageSize: 70, streams: [{ name: 'events', recordsPerMinute: 13 }] });
    const pages = await readAll(source);
    expect(pages.flatMap((p) => p.records)).toEqual([...source.truth('events', hour)]);
    expect(pages.at(-1)?.next).toBeUndefined();
    const rest = await readAll(source, hour, pages[3]?.next);
    expect(rest.flatMap((p) => p.records)).toEqual(pages.slice(4).flatMap((p) => p.records));
  });

  it('is deterministic and breaks the schema exactly where asked', () => {
    const a = [...generatedSource({ invalidEvery: 3 }).truth('events', hour)];
    const b = [...generatedSource({ invalidEvery: 3 }).truth('events', hour)];
    expect(a).toEqual(b);
    // 10 records a minute, indexes 0..9: every third (2, 5, 8) is broken — 3 a minute, 180 an hour.
    expect(a.filter((r) => typeof r.value !== 'number')).toHaveLength(180);
  });
});
