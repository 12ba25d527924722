/**
 * The Analytics source driven by the real runner against the emulator over HTTP, into the file sink:
 * catch-up over many hours, budgets, empty hours, failing entities, faults and the seed's legacy state,
 * each compared with the emulator's own data hour by hour.
 */
import {
  type Batch,
  checkpointKey,
  HOUR_MS,
  isoSeconds,
  MINUTE_MS,
  run,
  type Sink,
  silentLogger,
} from '@ctxsiem/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ANALYTICS_ENTITIES, ANALYTICS_KEYS } from '../src/entities.ts';
import {
  type AnalyticsHarness,
  analyticsHarness,
  expectExact,
  hoursBetween,
  LAST_DUE_HOUR,
  NOW,
} from './harness.ts';

const logger = silentLogger();
const TOP = 40;
const SIX_HOURS_AGO = new Date('2024-08-06T06:00:00Z');
/** The end of the last due hour at NOW: where a complete catch-up leaves every checkpoint. */
const CAUGHT_UP = new Date(LAST_DUE_HOUR.getTime() + HOUR_MS);

let h: AnalyticsHarness;
afterEach(async () => {
  await h?.cleanup();
});

async function collectInto(
  harness: AnalyticsHarness,
  options: Parameters<AnalyticsHarness['source']>[0] = {},
  extra: { start?: Date | undefined; budgetMs?: number; concurrency?: number; sink?: Sink } = {},
) {
  const source = harness.source({ top: TOP, ...options });
  const summary = await run({
    source,
    sink: extra.sink ?? harness.sink,
    checkpoints: harness.checkpoints,
    logger,
    clock: harness.clock,
    start: 'start' in extra ? extra.start : SIX_HOURS_AGO,
    budgetMs: extra.budgetMs,
    concurrency: extra.concurrency,
  });
  return { source, summary };
}

const key = (entity: string) => checkpointKey('demo', 'analytics', entity);

/** A failed stream's checkpoint: still at its start, no part acknowledged, its lease released. */
async function expectNotAdvanced(h: AnalyticsHarness, entity: string, position = SIX_HOURS_AGO) {
  const state = (await h.checkpoints.read(key(entity)))?.state;
  expect(state?.position).toBe(position.toISOString());
  expect(state?.window?.seq ?? 0).toBe(0);
  expect(state?.lease).toBeUndefined();
}

/** The casodata GETs the emulator received, as `path?query`. */
function casodataRequests(harness: AnalyticsHarness): string[] {
  return harness.emulator
    .stats()
    .log.filter((entry) => entry.method === 'GET' && entry.path.startsWith('/casodata/'))
    .map((entry) => entry.path);
}

describe('Analytics source against the emulator', () => {
  it('catches up 30 hours of every entity exactly, one window per hour, in order', async () => {
    h = await analyticsHarness();
    const start = new Date(LAST_DUE_HOUR.getTime() - 29 * HOUR_MS);
    expect(start.toISOString()).toBe('2024-08-05T06:00:00.000Z');
    const { summary, source } = await collectInto(h, {}, { start });
    expect(summary.failed).toEqual([]);
    expect(summary.budgetExhausted).toBe(false);
    expect(summary.streams.map((s) => s.stream)).toEqual(['sessions', 'machines', 'users']);
    const empty: string[] = [];
    for (const stream of summary.streams) {
      expect(stream.status).toBe('ok');
      expect(stream.from).toBe(start.toISOString());
      expect(stream.to).toBe(CAUGHT_UP.toISOString());
      expect(stream.windows, `${stream.stream}: every hour read once`).toBe(30);
      expect(stream.midWindow).toBe(false);
      const emptyHours = await expectExact(h, stream.stream, { from: start, to: CAUGHT_UP, top: TOP });
      empty.push(...emptyHours.map((hour) => `${stream.stream}@${hour.toISOString()}`));
      const stored = (await h.files(stream.stream)).flatMap((f) => f.records).length;
      expect(stream.records).toBe(stored);
    }
    // Empty hours were met on the way: they produced no files but did not stop the catch-up.
    expect(empty.length).toBeGreaterThan(0);
    // Sessions: 200 an hour in pages of 40 → five full pages and a closing empty one, per non-empty hour.
    const sessions = summary.streams[0]!;
    expect(sessions.pages).toBeGreaterThan(5 * 25);
    expect(source.client.stats.retries).toBe(0);
    expect(source.metrics()).toEqual(source.client.stats);
    // Every request asked for one hour with $top and $skip, and every hour was asked for from $skip=0.
    const requests = casodataRequests(h);
    for (const path of requests)
      expect(path).toMatch(
        /^\/casodata\/(sessions|machines|users)\?year=\d{4}&month=\d\d&day=\d\d&hour=\d\d&\$top=40&\$skip=\d+$/,
      );
    for (const entity of ANALYTICS_ENTITIES) {
      const firstPages = requests.filter(
        (p) => p.startsWith(`/casodata/${entity}?`) && p.endsWith('&$skip=0'),
      );
      expect(firstPages, `${entity}: each hour started once, in order`).toEqual(
        hoursBetween(start, CAUGHT_UP).map(
          (hour) =>
            `/casodata/${entity}?year=${hour.getUTCFullYear()}&month=${String(hour.getUTCMonth() + 1).padStart(2, '0')}&day=${String(hour.getUTCDate()).padStart(2, '0')}&hour=${String(hour.getUTCHours()).padStart(2, '0')}&$top=40&$skip=0`,
        ),
      );
    }
  });

  it("starts a first run without a checkpoint at the seed's fallback hour, and reads an hour only once it is due", async () => {
    h = await analyticsHarness();
    // 12:10 with the default 75-minute lookback: the seed's fallback hour is floor(10:55) = 10:00, and
    // 11:00 is not due before 12:15 (complete, plus the 15-minute safety lag).
    h.clock.set(new Date('2024-08-06T12:10:00Z'));
    const first = await collectInto(h, {}, { start: undefined });
    expect(first.source.start.toISOString()).toBe('2024-08-06T10:00:00.000Z');
    for (const stream of first.summary.streams) {
      expect(stream.from).toBe('2024-08-06T10:00:00.000Z');
      expect(stream.to).toBe('2024-08-06T11:00:00.000Z');
      expect(stream.windows).toBe(1);
    }
    h.clock.set(new Date('2024-08-06T12:14:59Z'));
    const early = await collectInto(h, {}, { start: undefined });
    for (const stream of early.summary.streams) {
      expect(stream.status).toBe('idle');
      expect(stream.windows).toBe(0);
    }
    h.clock.set(new Date('2024-08-06T12:15:00Z'));
    const due = await collectInto(h, {}, { start: undefined });
    for (const stream of due.summary.streams) {
      expect(stream.from).toBe('2024-08-06T11:00:00.000Z');
      expect(stream.to).toBe(CAUGHT_UP.toISOString());
      expect(stream.windows).toBe(1);
    }
    for (const entity of ANALYTICS_ENTITIES)
      await expectExact(h, entity, { from: new Date('2024-08-06T10:00:00Z'), to: CAUGHT_UP, top: TOP });
  });

  it('stops at its budget mid-hour and resumes at the same hour and page, still exact', async () => {
    h = await analyticsHarness();
    // Each write takes a simulated minute; the budget holds about eight of them.
    const slowSink: Sink = {
      type: h.sink.type,
      async write(batch: Batch) {
        h.clock.advance(MINUTE_MS);
        return h.sink.write(batch);
      },
      readPart: (part) => h.sink.readPart(part),
      listDeadLetters: () => h.sink.listDeadLetters(),
      check: () => h.sink.check(),
      close: () => h.sink.close(),
    };
    const first = await collectInto(
      h,
      { entities: ['sessions'] },
      { sink: slowSink, budgetMs: 8 * MINUTE_MS },
    );
    const stopped = first.summary.streams[0]!;
    expect(first.summary.budgetExhausted).toBe(true);
    expect(stopped.status).toBe('partial');
    expect(stopped.midWindow).toBe(true);
    const saved = (await h.checkpoints.read(key('sessions')))!.state;
    expect(saved.position).toBe(stopped.to);
    const hour = new Date(saved.position);
    expect(hour.getTime()).toBeGreaterThan(SIX_HOURS_AGO.getTime());
    expect(saved.window).toBeDefined();
    const { resume, seq, to } = saved.window!;
    expect(to).toBe(new Date(hour.getTime() + HOUR_MS).toISOString());
    expect(seq).toBeGreaterThan(0);
    // The resume token is the next $skip: every page so far was full.
    expect(resume).toBe(String(seq * TOP));
    const partial = (await h.files('sessions')).filter(
      (f) => f.records[0]?.citrix_hour_utc === isoSeconds(hour),
    );
    expect(partial).toHaveLength(seq);
    expect(partial.flatMap((f) => f.records).map((r) => r.raw)).toEqual(
      h.emulator.data.casodata('sessions', hour).slice(0, seq * TOP),
    );

    h.emulator.resetStats();
    const second = await collectInto(h, { entities: ['sessions'] }, { sink: slowSink });
    const resumed = second.summary.streams[0]!;
    expect(resumed.from).toBe(saved.position);
    expect(resumed.status).toBe('ok');
    expect(resumed.to).toBe(CAUGHT_UP.toISOString());
    const hh = String(hour.getUTCHours()).padStart(2, '0');
    expect(casodataRequests(h)[0]).toBe(
      `/casodata/sessions?year=2024&month=08&day=06&hour=${hh}&$top=40&$skip=${resume}`,
    );
    await expectExact(h, 'sessions', { from: SIX_HOURS_AGO, to: CAUGHT_UP, top: TOP });
  });

  it('advances the checkpoint past an hour without data, writing no file for it', async () => {
    h = await analyticsHarness();
    const data = h.emulator.data;
    let found: { entity: string; hour: Date } | undefined;
    for (
      let t = LAST_DUE_HOUR.getTime();
      !found && t > LAST_DUE_HOUR.getTime() - 200 * HOUR_MS;
      t -= HOUR_MS
    ) {
      const entity = ANALYTICS_ENTITIES.find((e) => data.isEmptyCasodataHour(e, new Date(t)));
      if (entity) found = { entity, hour: new Date(t) };
    }
    expect(found, 'the emulator has an empty hour').toBeDefined();
    const { entity, hour } = found!;
    expect(data.casodata(entity, hour)).toEqual([]);
    // The empty hour is the only one due.
    h.clock.set(hour.getTime() + HOUR_MS + 15 * MINUTE_MS);
    const { summary } = await collectInto(h, { entities: [entity] }, { start: hour });
    const stream = summary.streams[0]!;
    expect(stream.status).toBe('ok');
    expect(stream.windows).toBe(1);
    expect(stream.records).toBe(0);
    expect(stream.to).toBe(new Date(hour.getTime() + HOUR_MS).toISOString());
    expect((await h.checkpoints.read(key(entity)))?.state).toMatchObject({
      position: new Date(hour.getTime() + HOUR_MS).toISOString(),
    });
    expect((await h.checkpoints.read(key(entity)))?.state.window).toBeUndefined();
    expect(await h.files(entity)).toEqual([]);
    expect(casodataRequests(h)).toHaveLength(1);
  });

  it("keeps a failing entity's checkpoint while the others advance", async () => {
    h = await analyticsHarness({ faults: { failEntity: ['machines'] } });
    const { summary } = await collectInto(h);
    expect(summary.failed).toEqual(['machines']);
    const machines = summary.streams.find((s) => s.stream === 'machines')!;
    expect(machines.error).toMatch(/casodata\/machines/);
    await expectNotAdvanced(h, 'machines');
    expect(await h.files('machines')).toEqual([]);
    for (const stream of summary.streams.filter((s) => s.stream !== 'machines')) {
      expect(stream.status).toBe('ok');
      expect(stream.to).toBe(CAUGHT_UP.toISOString());
      await expectExact(h, stream.stream, { from: SIX_HOURS_AGO, to: CAUGHT_UP, top: TOP });
    }
  });

  it('rides out a 429 storm with Retry-After and one without', async () => {
    for (const retryAfterSeconds of [0, null]) {
      h = await analyticsHarness({ faults: { rate429: 0.4, retryAfterSeconds } });
      const { summary, source } = await collectInto(h, { entities: ['sessions'] });
      expect(summary.failed, `Retry-After ${retryAfterSeconds}`).toEqual([]);
      expect(source.client.stats.throttled).toBeGreaterThan(3);
      await expectExact(h, 'sessions', { from: SIX_HOURS_AGO, to: CAUGHT_UP, top: TOP });
      await h.cleanup();
    }
  });

  it('retries 500, 503, connection resets and truncated bodies without losing or repeating a page', async () => {
    h = await analyticsHarness({
      faults: { rate500: 0.1, rate503: 0.1, resetRate: 0.1, truncateRate: 0.1, retryAfterSeconds: 0 },
    });
    const { summary, source } = await collectInto(h, { entities: ['sessions', 'users'] });
    expect(summary.failed).toEqual([]);
    expect(source.client.stats.retries).toBeGreaterThan(3);
    for (const stream of summary.streams)
      await expectExact(h, stream.stream, { from: SIX_HOURS_AGO, to: CAUGHT_UP, top: TOP });
    expect(Object.keys(h.emulator.stats().injected).length).toBeGreaterThanOrEqual(3);
  });

  it('re-authenticates when the token expires between pages and carries on', async () => {
    h = await analyticsHarness({ faults: { earlyTokenExpiry: true, earlyTokenExpiryAfterRequests: 3 } });
    const { summary, source } = await collectInto(h, { entities: ['sessions'] });
    expect(summary.failed).toEqual([]);
    expect(source.client.stats.reauthentications).toBeGreaterThan(1);
    await expectExact(h, 'sessions', { from: SIX_HOURS_AGO, to: CAUGHT_UP, top: TOP });
  });

  it('fails fast on 403 naming the missing permission, without retrying', async () => {
    h = await analyticsHarness({ faults: { forbidden: true } });
    const { summary, source } = await collectInto(h, { entities: ['sessions'] });
    expect(summary.failed).toEqual(['sessions']);
    expect(summary.streams[0]!.error).toMatch(/permission/i);
    expect(summary.streams[0]!.error).toMatch(/Analytics for Performance/);
    expect(summary.streams[0]!.error).toContain('PerformanceAnalytics.Read');
    expect(source.client.stats.requests).toBe(1);
    await expectNotAdvanced(h, 'sessions');
  });

  it('never has two requests in flight for one tenant, even with entities collected concurrently', async () => {
    h = await analyticsHarness({ latencyMs: 5 });
    const { summary } = await collectInto(h, {}, { concurrency: 3 });
    expect(summary.failed).toEqual([]);
    const stats = h.emulator.stats();
    expect(stats.maxConcurrentPerCustomer).toBe(1);
    expect(stats.rejectedConcurrent).toBe(0);
    for (const entity of ANALYTICS_ENTITIES)
      await expectExact(h, entity, { from: SIX_HOURS_AGO, to: CAUGHT_UP, top: TOP });
  });

  it('never splits an hour: a casodata query timeout fails the stream and keeps its checkpoint', async () => {
    h = await analyticsHarness({ queryTimeout: { maxScannedRows: 100, delayMs: 1 } });
    const { summary } = await collectInto(h, { entities: ['sessions'] });
    const sessions = summary.streams[0]!;
    expect(sessions.status).toBe('failed');
    expect(sessions.error).toMatch(/timed out/);
    expect(sessions.splits).toBe(0);
    await expectNotAdvanced(h, 'sessions');
    expect(casodataRequests(h).every((path) => path.includes('&hour=06&'))).toBe(true);
  });

  it("continues from the seed's legacy state at the next hour", async () => {
    h = await analyticsHarness();
    const legacyState = { last_hour_utc: '2024-08-06T07:00:00Z' };
    const { summary, source } = await collectInto(h, { legacyState }, { start: undefined });
    expect(source.start.toISOString()).toBe('2024-08-06T08:00:00.000Z');
    const from = new Date('2024-08-06T08:00:00Z');
    for (const stream of summary.streams) {
      expect(stream.from).toBe(from.toISOString());
      expect(stream.windows).toBe(4);
      await expectExact(h, stream.stream, { from, to: CAUGHT_UP, top: TOP });
    }
    // Once a checkpoint exists it wins over the legacy state: nothing is read twice.
    h.emulator.resetStats();
    const again = await collectInto(h, { legacyState }, { start: undefined });
    for (const stream of again.summary.streams) {
      expect(stream.from).toBe(CAUGHT_UP.toISOString());
      expect(stream.windows).toBe(0);
    }
    expect(casodataRequests(h)).toEqual([]);
  });

  it('checks each entity with a one-row query of the last complete hour', async () => {
    h = await analyticsHarness();
    const results = await h.source().check();
    expect(results.map((r) => [r.name, r.ok])).toEqual([
      ['sessions', true],
      ['machines', true],
      ['users', true],
    ]);
    expect(results[0]!.detail).toContain('2024-08-06T11:00:00Z');
    expect(casodataRequests(h)).toEqual(
      ANALYTICS_ENTITIES.map((e) => `/casodata/${e}?year=2024&month=08&day=06&hour=11&$top=1&$skip=0`),
    );
    await h.cleanup();

    h = await analyticsHarness({ faults: { forbidden: true } });
    const denied = await h.source({ entities: ['sessions'] }).check();
    expect(denied).toEqual([{ name: 'sessions', ok: false, detail: expect.stringMatching(/permission/i) }]);
  });
});

describe('identity: a casodata row is its documented key and its content', () => {
  it('delivers a row changed by a reconcile check once, as a new version, and nothing of the unchanged rows', async () => {
    // The emulator's clock follows the runner's here: sessions of the hour go on, end and change.
    let apiNow = NOW.getTime();
    h = await analyticsHarness({ now: () => apiNow });
    const hour = LAST_DUE_HOUR;
    const collect = () => collectInto(h, { entities: ['sessions'] }, { start: hour });
    const check = async () =>
      (await h.checkpoints.read(key('sessions')))?.state.reconcile?.find(
        (entry) => entry.from === hour.toISOString(),
      );
    const canonical = (row: unknown) => JSON.stringify(row, Object.keys(row as object).sort());
    /** The raw rows stored for the hour, canonical, sorted. */
    const stored = async () =>
      (await h.files('sessions'))
        .flatMap((file) => file.records)
        .filter((record) => record.citrix_hour_utc === isoSeconds(hour))
        .map((record) => canonical(record.raw))
        .sort();
    const api = () => h.emulator.data.casodata('sessions', hour).map(canonical);

    expect((await collect()).summary.streams[0]?.status).toBe('ok');
    const first = api();
    expect(await stored()).toEqual([...first].sort());

    // At the first check some sessions of the hour have moved on (ended, reconnected): each is a new
    // version, delivered once; the others are read again unchanged and not delivered again.
    const entry = (await check())!;
    h.clock.set(new Date(entry.at));
    apiNow = h.clock.now();
    expect((await collect()).summary.streams[0]?.status).toBe('ok');
    const second = api();
    const changed = second.filter((row) => !first.includes(row));
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.length).toBeLessThan(second.length);
    // A new version of a row delivered before: the same key, other content.
    const keyOf = (row: string) => JSON.parse(row)[ANALYTICS_KEYS.sessions];
    for (const row of changed) expect(first.map(keyOf)).toContain(keyOf(row));
    expect(await stored()).toEqual([...first, ...changed].sort());

    // The next check finds every row as the last one did (the API's data has not moved): nothing more.
    const next = (await check())!;
    h.clock.set(new Date(next.at));
    expect((await collect()).summary.streams[0]?.status).toBe('ok');
    expect(api()).toEqual(second);
    expect(await stored()).toEqual([...first, ...changed].sort());
  });
});
