/** One casodata stream read directly: the seed's query, `$skip` paging, resume tokens and bad answers. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Batch, HOUR_MS, ManualClock, type Page, run, SourceError, silentLogger } from '@ctxsiem/core';
import { fileCheckpointStore } from '@ctxsiem/sink-file';
import { countingSink } from '@ctxsiem/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { type AnalyticsSource, analyticsSource } from '../src/index.ts';
import { type FakeCasodata, fakeCasodata } from './fake-casodata.ts';
import { type AnalyticsHarness, analyticsHarness, NOW } from './harness.ts';

const HOUR = new Date('2024-08-06T10:00:00Z');
const window = { from: HOUR, to: new Date(HOUR.getTime() + HOUR_MS) };

async function readAll(pages: AsyncIterable<Page>): Promise<Page[]> {
  const out: Page[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

const signal = () => new AbortController().signal;

let h: AnalyticsHarness | undefined;
let fake: FakeCasodata | undefined;
const sources: AnalyticsSource[] = [];
afterEach(async () => {
  for (const source of sources.splice(0)) await source.close();
  await h?.cleanup();
  await fake?.close();
  h = undefined;
  fake = undefined;
});

function fakeSource(server: FakeCasodata, top: number): AnalyticsSource {
  const source = analyticsSource(
    {
      options: { type: 'analytics', entities: ['sessions'], top },
      connection: {
        customerId: 'demo',
        clientId: 'demo',
        clientSecret: 'demo',
        apiBase: server.url,
        backoff: { baseMs: 1, maxMs: 5 },
        maxAttempts: 2,
      },
    },
    { logger: silentLogger(), clock: new ManualClock(NOW) },
  );
  sources.push(source);
  return source;
}

const hourQuery = (top: number, skip: number) =>
  `/casodata/sessions?year=2024&month=08&day=06&hour=10&$top=${top}&$skip=${skip}`;

describe('casodata stream', () => {
  it("pages one hour with the seed's query, $skip as resume token, and an empty page after a full one", async () => {
    h = await analyticsHarness();
    const stream = h.source({ top: 40 }).streams[0]!;
    const truth = h.emulator.data.casodata('sessions', HOUR);
    expect(truth).toHaveLength(200);
    const pages = await readAll(stream.read(window, undefined, signal()));
    expect(pages.map((p) => [p.records.length, p.next])).toEqual([
      [40, '40'],
      [40, '80'],
      [40, '120'],
      [40, '160'],
      [40, '200'],
      [0, undefined],
    ]);
    expect(pages.flatMap((p) => p.records).map((r) => r.raw)).toEqual(truth);
    expect(pages[0]!.records[0]).toEqual({
      citrix_entity: 'sessions',
      citrix_hour_utc: '2024-08-06T10:00:00Z',
      collection_timestamp: NOW.toISOString(),
      raw: truth[0],
    });
    const requests = h.emulator
      .stats()
      .log.filter((e) => e.method === 'GET')
      .map((e) => e.path);
    expect(requests).toEqual([0, 40, 80, 120, 160, 200].map((skip) => hourQuery(40, skip)));
  });

  it('ends on a short page, and resumes from a token with exactly the rest', async () => {
    h = await analyticsHarness();
    const stream = h.source({ top: 60 }).streams[0]!;
    const pages = await readAll(stream.read(window, undefined, signal()));
    expect(pages.map((p) => [p.records.length, p.next])).toEqual([
      [60, '60'],
      [60, '120'],
      [60, '180'],
      [20, undefined],
    ]);
    const rest = await readAll(stream.read(window, '120', signal()));
    expect(rest.flatMap((p) => p.records)).toEqual(pages.slice(2).flatMap((p) => p.records));
  });

  it('reads an empty hour as one empty last page', async () => {
    h = await analyticsHarness();
    const data = h.emulator.data;
    let hour = HOUR.getTime();
    while (!data.isEmptyCasodataHour('users', new Date(hour))) hour -= HOUR_MS;
    const stream = h.source({ entities: ['users'] }).streams[0]!;
    const pages = await readAll(
      stream.read({ from: new Date(hour), to: new Date(hour + HOUR_MS) }, undefined, signal()),
    );
    expect(pages).toEqual([{ records: [], next: undefined }]);
  });

  it('refuses a window that is not one whole UTC hour, and a resume token that is not an offset', async () => {
    h = await analyticsHarness();
    const stream = h.source().streams[0]!;
    const half = { from: HOUR, to: new Date(HOUR.getTime() + HOUR_MS / 2) };
    const unaligned = {
      from: new Date(HOUR.getTime() + 60_000),
      to: new Date(HOUR.getTime() + HOUR_MS + 60_000),
    };
    for (const bad of [half, unaligned])
      await expect(readAll(stream.read(bad, undefined, signal()))).rejects.toMatchObject({
        code: 'INVALID_WINDOW',
      });
    await expect(readAll(stream.read(window, 'https://elsewhere/?$skip=5', signal()))).rejects.toMatchObject({
      code: 'INVALID_RESUME',
    });
    expect(h.emulator.stats().apiRequests).toBe(0);
  });

  it('fails with INVALID_RESPONSE when a body has no value array', async () => {
    fake = await fakeCasodata(() => ({ items: [] }));
    const stream = fakeSource(fake, 10).streams[0]!;
    const error = await readAll(stream.read(window, undefined, signal())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ code: 'INVALID_RESPONSE' });
  });

  it('stops with PAGING_LOOP instead of looping when the server ignores $skip', async () => {
    const full = Array.from({ length: 10 }, (_, i) => ({ sessionKey: `k${i}` }));
    fake = await fakeCasodata(() => ({ value: full }));
    const stream = fakeSource(fake, 10).streams[0]!;
    const seen: Page[] = [];
    const error = await (async () => {
      for await (const page of stream.read(window, undefined, signal())) seen.push(page);
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PAGING_LOOP' });
    expect(seen).toHaveLength(1);
    expect(fake.requests).toHaveLength(2);
  });

  it('dead-letters records that are not JSON objects, with the reason, and keeps the rest', async () => {
    fake = await fakeCasodata((url) =>
      url.searchParams.get('$skip') === '0'
        ? { value: [{ sessionKey: 'a' }, 7, ['x'], null] }
        : { value: [] },
    );
    const source = fakeSource(fake, 10);
    const batches: Batch[] = [];
    const sink = countingSink({ onWrite: (batch) => void batches.push(batch) });
    const directory = await mkdtemp(join(tmpdir(), 'ctxsiem-analytics-dl-'));
    try {
      const clock = new ManualClock(NOW);
      const summary = await run({
        source,
        sink,
        checkpoints: fileCheckpointStore({ directory }),
        logger: silentLogger(),
        clock,
        start: new Date('2024-08-06T11:00:00Z'),
      });
      expect(summary.streams[0]).toMatchObject({ status: 'ok', records: 1, deadLetters: 3, windows: 1 });
      const records = batches.find((b) => b.kind === 'records')!;
      expect(records.records).toEqual([
        {
          citrix_entity: 'sessions',
          citrix_hour_utc: '2024-08-06T11:00:00Z',
          collection_timestamp: NOW.toISOString(),
          raw: { sessionKey: 'a' },
          citrix_customer_id: 'demo',
        },
      ]);
      const dead = batches.find((b) => b.kind === 'deadletter')!;
      expect(dead.records.map((r) => (r.record as { raw: unknown }).raw)).toEqual([7, ['x'], null]);
      for (const r of dead.records) expect(String(r.reason)).toMatch(/raw must be a JSON object/);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
