/**
 * The conformance suite every pull source runs: each stream reads a window to its end, resuming from
 * any page's token yields exactly the rest, records are plain JSON objects, and the window policy is sane.
 */
import type { JsonRecord, Page, Source, Window } from '@ctxsiem/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

export interface SourceHarness {
  source: Source;
  /** A window holding at least two pages of data for every stream. */
  window: Window;
  /** Ground truth for a stream's window, when the backing service can tell it. */
  expected?: (stream: string, window: Window) => Promise<JsonRecord[]> | JsonRecord[];
  cleanup?: () => Promise<void>;
}

export interface TestSourceOptions {
  name: string;
  create: () => Promise<SourceHarness>;
  /** Streams to exercise (default all). */
  streams?: string[];
}

async function readAll(pages: AsyncIterable<Page>): Promise<Page[]> {
  const out: Page[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

export function testSource(options: TestSourceOptions): void {
  describe(`source conformance: ${options.name}`, () => {
    let harness: SourceHarness;
    beforeAll(async () => {
      harness = await options.create();
    });
    afterAll(async () => {
      await harness?.source.close?.();
      await harness?.cleanup?.();
    });

    it('has uniquely named streams with a sane window policy', () => {
      const names = harness.source.streams.map((s) => s.name);
      expect(names.length).toBeGreaterThan(0);
      expect(new Set(names).size).toBe(names.length);
      for (const stream of harness.source.streams) {
        expect(stream.cursorField.length).toBeGreaterThan(0);
        expect(stream.window.alignMs).toBeGreaterThan(0);
        expect(stream.window.maxWindowMs).toBeGreaterThan(0);
        expect(stream.window.lagMs).toBeGreaterThanOrEqual(0);
      }
      expect(harness.source.tenant.length).toBeGreaterThan(0);
    });

    it('reads every stream to the end of a window; only the last page lacks a resume token', async () => {
      for (const stream of selected(harness, options)) {
        const pages = await readAll(stream.read(harness.window, undefined, new AbortController().signal));
        expect(pages.length, `${stream.name}: pages`).toBeGreaterThan(1);
        for (const page of pages.slice(0, -1)) expect(page.next, `${stream.name}: next`).toBeTruthy();
        expect(pages.at(-1)?.next).toBeFalsy();
        for (const page of pages) for (const record of page.records) expect(isPlainObject(record)).toBe(true);
        if (harness.expected) {
          const got = pages.flatMap((p) => p.records);
          expect(got, `${stream.name}: records equal the service's own data`).toEqual(
            await harness.expected(stream.name, harness.window),
          );
        }
      }
    });

    it('resumes from any page token with exactly the remaining records', async () => {
      for (const stream of selected(harness, options)) {
        const pages = await readAll(stream.read(harness.window, undefined, new AbortController().signal));
        const all = pages.flatMap((p) => p.records);
        const cut = Math.floor(pages.length / 2) - 1;
        const token = pages[Math.max(0, cut)]?.next;
        expect(token).toBeTruthy();
        const before = pages.slice(0, Math.max(0, cut) + 1).flatMap((p) => p.records);
        const rest = (
          await readAll(stream.read(harness.window, token, new AbortController().signal))
        ).flatMap((p) => p.records);
        expect([...before, ...rest]).toEqual(all);
      }
    });

    it('stops reading when its signal is aborted (ending, or throwing an AbortError)', async () => {
      const stream = selected(harness, options)[0]!;
      const controller = new AbortController();
      let pages = 0;
      try {
        for await (const _ of stream.read(harness.window, undefined, controller.signal)) {
          pages++;
          controller.abort();
        }
      } catch (error) {
        expect((error as Error).name).toBe('AbortError');
      }
      expect(pages).toBe(1);
    });
  });
}

function selected(harness: SourceHarness, options: TestSourceOptions) {
  return harness.source.streams.filter((s) => !options.streams || options.streams.includes(s.name));
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
