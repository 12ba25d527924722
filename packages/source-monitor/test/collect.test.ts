/**
 * The Monitor source driven by the real runner against the emulator over HTTP: windows, paging,
 * faults and limits, each compared with the emulator's own data.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkpointKey, type JsonRecord, recordJsonSchema, run, silentLogger } from '@ctxsiem/core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterEach, describe, expect, it } from 'vitest';
import { monitorModel, monitorSource, SNAPSHOT_TIME_FIELD } from '../src/index.ts';
import { type MonitorHarness, monitorHarness, NOW, versions } from './harness.ts';

const SIX_HOURS_AGO = new Date('2024-08-06T06:00:00Z');
const logger = silentLogger();
let h: MonitorHarness;
afterEach(async () => {
  await h?.cleanup();
});

async function collectInto(
  harness: MonitorHarness,
  options: Parameters<MonitorHarness['source']>[0] = {},
  extra: { concurrency?: number } = {},
) {
  const source = harness.source(options);
  const summary = await run({
    source,
    sink: harness.sink,
    checkpoints: harness.checkpoints,
    logger,
    clock: harness.clock,
    start: SIX_HOURS_AGO,
    ...extra,
  });
  return { source, summary };
}

/** Collects `entities` (without the sessions' user fields) from `start`. */
async function collectSince(harness: MonitorHarness, entities: string[], start: Date) {
  return run({
    source: harness.source({ entities, sessionUserFields: false }),
    sink: harness.sink,
    checkpoints: harness.checkpoints,
    logger,
    clock: harness.clock,
    start,
  });
}

/**
 * The emulator's truth for an entity set from `from` up to where the stream's checkpoint reached — a
 * summary set's rows of the slot length read — compared version by version (full key and cursor). A
 * snapshot set (no time column) is compared whole: each of its rows as it is now, once.
 */
async function expectComplete(harness: MonitorHarness, entitySet: string, to: string, from = SIX_HOURS_AGO) {
  const data = harness.emulator.data;
  const stored = await harness.stored(entitySet);
  if (data.isSnapshot(entitySet)) {
    const rows = (records: Iterable<JsonRecord>) =>
      [...records].map(({ [SNAPSHOT_TIME_FIELD]: _at, citrix_customer_id: _tenant, ...row }) =>
        JSON.stringify(row),
      );
    const truth = rows(data.monitor(entitySet, { from, to: new Date(to) }));
    expect(truth.length, `${entitySet}: the emulator has rows`).toBeGreaterThan(0);
    expect(rows(stored).sort(), `${entitySet}: every row once`).toEqual(truth.sort());
    return;
  }
  const cursor = data.cursorColumn(entitySet);
  const id = (record: JsonRecord) => `${data.recordKey(entitySet, record)}@${String(record[cursor])}`;
  const ofSlot = granularityOf(entitySet, cursor);
  const truth = [...data.monitor(entitySet, { from, to: new Date(to) })].filter(
    (record) => ofSlot === undefined || record.Granularity === ofSlot,
  );
  // A day summary publishes a day after the day: six hours hold none of its windows.
  if (to > from.toISOString())
    expect(truth.length, `${entitySet}: the emulator has data in range`).toBeGreaterThan(0);
  expect(stored.map(id).sort(), `${entitySet}: nothing lost, nothing duplicated`).toEqual(
    truth.map(id).sort(),
  );
}

/** The `Granularity` of the hourly rows of a summary set with that column (undefined for other sets). */
function granularityOf(entitySet: string, cursor: string, minutes: 60 | 1440 = 60): number | undefined {
  if (
    cursor !== 'SummaryDate' ||
    !monitorModel()
      .get(entitySet)
      ?.properties.some((p) => p.name === 'Granularity')
  )
    return undefined;
  return entitySet === 'MachineCostSavingsSummaries' ? (minutes === 60 ? 0 : 1) : minutes;
}

/** A failed stream's checkpoint: still where the run found it, no part acknowledged, its lease released. */
async function expectNotAdvanced(h: MonitorHarness, entitySet: string, position: string) {
  const state = (await h.checkpoints.read(checkpointKey('demo', 'monitor', entitySet)))?.state;
  expect(state?.position).toBe(position);
  expect(state?.window?.seq ?? 0).toBe(0);
  expect(state?.lease).toBeUndefined();
}

describe('Monitor source against the emulator', () => {
  it('collects six hours of the default entity sets exactly, page by page, tagged with the tenant', async () => {
    h = await monitorHarness();
    const { summary, source } = await collectInto(h);
    expect(summary.failed).toEqual([]);
    expect(summary.streams.map((s) => s.stream)).toEqual([
      'Machines',
      'Sessions',
      'Connections',
      'Applications',
      'Users',
    ]);
    const horizon = new Date(NOW.getTime() - 10 * 60_000).toISOString();
    for (const stream of summary.streams) {
      expect(stream.to).toBe(horizon);
      await expectComplete(h, stream.stream, stream.to);
    }
    const sessions = await h.stored('Sessions');
    expect(sessions.every((s) => s.citrix_customer_id === 'demo')).toBe(true);
    expect(sessions.some((s) => typeof s.UserName === 'string' && typeof s.FullName === 'string')).toBe(true);
    expect(summary.streams.find((s) => s.stream === 'Sessions')!.pages).toBeGreaterThan(6);
    expect(source.client.stats.retries).toBe(0);
  });

  it('collects six hours of every entity set the service publishes exactly, each on its cursor column', async () => {
    h = await monitorHarness();
    const entities = [...h.emulator.data.entitySets()];
    const { summary } = await collectInto(h, { entities, sessionUserFields: false }, { concurrency: 4 });
    expect(summary.failed).toEqual([]);
    expect(summary.streams.map((s) => s.stream)).toEqual(entities);
    expect(entities.length).toBe(74);
    expect(summary.totals.deadLetters, 'every record passes its schema').toBe(0);
    expect(
      summary.streams.flatMap((s) => s.drift ?? []),
      'no schema drift',
    ).toEqual([]);
    for (const stream of summary.streams) await expectComplete(h, stream.stream, stream.to);
  });

  it("stores records that each match their set's JSON Schema, made from the same $metadata", async () => {
    h = await monitorHarness();
    const entities = [...h.emulator.data.entitySets()];
    const { source, summary } = await collectInto(
      h,
      { entities, sessionUserFields: false },
      { concurrency: 4 },
    );
    expect(summary.failed).toEqual([]);
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats.default(ajv);
    for (const stream of source.streams) {
      const validate = ajv.compile(
        recordJsonSchema({
          title: `monitor/${stream.name}`,
          columns: stream.columns!,
          timeField: stream.cursorField,
          tenantField: 'citrix_customer_id',
        }),
      );
      const stored = await h.stored(stream.name);
      // A day summary publishes a day after the day: six hours hold none of its windows.
      if (stored.length === 0) {
        expect(stream.window.lagMs, stream.name).toBeGreaterThan(24 * 3_600_000);
        continue;
      }
      for (const record of stored)
        expect(validate(record), `${stream.name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      expect(validate({ ...stored[0], [stream.cursorField]: 'yesterday' }), stream.name).toBe(false);
    }
  });

  it('reads daily summaries with summaryGranularity 1440: each set asks for its day rows, a day after the day', async () => {
    h = await monitorHarness();
    const from = new Date('2024-08-03T00:00:00Z');
    const entities = [
      'SessionActivitySummaries',
      'MachineCostSavingsSummaries',
      'ResourceUtilizationSummary',
    ];
    const source = h.source({ entities, summaryGranularity: 1440 });
    const summary = await run({
      source,
      sink: h.sink,
      checkpoints: h.checkpoints,
      logger,
      clock: h.clock,
      start: from,
    });
    expect(summary.failed).toEqual([]);
    for (const stream of summary.streams) {
      // A day's rows exist once the day is over: windows end 24.5 hours before now.
      expect(stream.to).toBe(new Date(NOW.getTime() - 1470 * 60_000).toISOString());
      const data = h.emulator.data;
      const truth = [...data.monitor(stream.stream, { from, to: new Date(stream.to) })].filter(
        (record) => record.Granularity === granularityOf(stream.stream, 'SummaryDate', 1440),
      );
      expect(truth.length, stream.stream).toBeGreaterThan(0);
      const stored = await h.stored(stream.stream);
      const id = (record: JsonRecord) => String(data.recordKey(stream.stream, record));
      expect(stored.map(id).sort(), stream.stream).toEqual(truth.map(id).sort());
    }
    const requests = h.emulator.stats().log.map((entry) => decodeURIComponent(entry.path));
    expect(
      requests.some(
        (path) => path.includes('MachineCostSavingsSummaries') && path.includes('Granularity eq 1'),
      ),
    ).toBe(true);
    expect(
      requests.some(
        (path) => path.includes('SessionActivitySummaries') && path.includes('Granularity eq 1440'),
      ),
    ).toBe(true);
  });

  it('refuses a summary granularity a set does not have, naming the option', () => {
    expect(() =>
      monitorSource(
        {
          options: { type: 'monitor', entities: ['MachineCostSavingsSummaries'], summaryGranularity: 1 },
          connection: { customerId: 'c', clientId: 'i', clientSecret: 's' },
        },
        { logger, clock: { now: Date.now } },
      ),
    ).toThrow(/summaryGranularity: MachineCostSavingsSummaries has no rows at 1-minute granularity/);
  });

  it('falls back to an unfiltered read when the API refuses the filter, keeping each window exact', async () => {
    h = await monitorHarness({ faults: { rejectFilter: ['Applications'] } });
    const { summary } = await collectInto(h, { entities: ['Applications', 'Users'] });
    expect(summary.failed).toEqual([]);
    for (const stream of summary.streams) await expectComplete(h, stream.stream, stream.to);
    // Refused once: later windows of the run go straight to the unfiltered read.
    expect(h.emulator.stats().injected.rejectFilter).toBe(1);
  });

  it('continues an unfiltered read in the same mode after a restart: the mode travels in the resume token', async () => {
    h = await monitorHarness({ faults: { rejectFilter: ['Users'] } });
    const controller = new AbortController();
    let written = 0;
    const first = await run({
      source: h.source({ entities: ['Users'], pageSize: 10 }),
      sink: {
        ...h.sink,
        async write(batch) {
          const receipt = await h.sink.write(batch);
          if (++written === 2) controller.abort(new Error('shutdown'));
          return receipt;
        },
      },
      checkpoints: h.checkpoints,
      logger,
      clock: h.clock,
      start: SIX_HOURS_AGO,
      signal: controller.signal,
    });
    expect(first.streams[0]).toMatchObject({ status: 'partial', midWindow: true });
    const token = (await h.checkpoints.read(checkpointKey('demo', 'monitor', 'Users')))?.state.window?.resume;
    expect(token).toMatch(/^unfiltered:/);

    // A new process: its source has not seen the refusal, the token tells it.
    const requestsBefore = h.emulator.stats().log.length;
    const { summary } = await collectInto(h, { entities: ['Users'], pageSize: 10 });
    expect(summary.streams[0]?.status).toBe('ok');
    const resumed = h.emulator
      .stats()
      .log.slice(requestsBefore)
      .find((entry) => entry.path.includes('Users'));
    expect(resumed?.path).toContain('skiptoken');
    expect(resumed?.path).not.toContain('filter');
    await expectComplete(h, 'Users', summary.streams[0]!.to);
  });

  it('reads unfiltered with USE_TIME_FILTER off, still delivering each record version once', async () => {
    h = await monitorHarness();
    const { summary } = await collectInto(h, { entities: ['Users'], useTimeFilter: false });
    expect(summary.failed).toEqual([]);
    await expectComplete(h, 'Users', summary.streams[0]!.to);
    expect(h.emulator.stats().log.every((entry) => !entry.path.includes('filter'))).toBe(true);
  });

  it('fails the stream on a refused filter when the fallback is off', async () => {
    h = await monitorHarness({ faults: { rejectFilter: ['Applications'] } });
    const { summary } = await collectInto(h, { entities: ['Applications'], fallbackUnfiltered: false });
    expect(summary.failed).toEqual(['Applications']);
    expect(summary.streams[0]!.error).toContain('$filter is not supported');
  });

  it('asks for its page size with Prefer: odata.maxpagesize', async () => {
    h = await monitorHarness();
    const { summary } = await collectInto(h, { entities: ['Sessions'], pageSize: 20 });
    const sessions = summary.streams[0]!;
    expect(sessions.status).toBe('ok');
    // The emulator's own page size is 50: 20-record pages mean the hint was honoured.
    expect(sessions.pages).toBeGreaterThanOrEqual(Math.ceil(sessions.records / 20));
    await expectComplete(h, 'Sessions', sessions.to);
  });

  it('re-authenticates when the token expires between pages and resumes', async () => {
    h = await monitorHarness({ faults: { earlyTokenExpiry: true, earlyTokenExpiryAfterRequests: 3 } });
    const { summary, source } = await collectInto(h, { entities: ['Sessions'] });
    expect(summary.failed).toEqual([]);
    expect(source.client.stats.reauthentications).toBeGreaterThan(1);
    await expectComplete(h, 'Sessions', summary.streams[0]!.to);
  });

  it('rides out a 429 storm with Retry-After and one without', async () => {
    for (const retryAfterSeconds of [0, null]) {
      h = await monitorHarness({ faults: { rate429: 0.4, retryAfterSeconds } });
      const { summary, source } = await collectInto(h, { entities: ['Sessions'] });
      expect(summary.failed, `Retry-After ${retryAfterSeconds}`).toEqual([]);
      expect(source.client.stats.throttled).toBeGreaterThan(3);
      await expectComplete(h, 'Sessions', summary.streams[0]!.to);
      await h.cleanup();
    }
  });

  it('retries 500, 503, connection resets and truncated bodies without losing a page', async () => {
    h = await monitorHarness({
      faults: { rate500: 0.1, rate503: 0.1, resetRate: 0.1, truncateRate: 0.1, retryAfterSeconds: 0 },
    });
    const { summary, source } = await collectInto(h, { entities: ['Sessions', 'Connections'] });
    expect(summary.failed).toEqual([]);
    expect(source.client.stats.retries).toBeGreaterThan(3);
    for (const stream of summary.streams) await expectComplete(h, stream.stream, stream.to);
    const injected = h.emulator.stats().injected;
    expect(Object.keys(injected).length).toBeGreaterThanOrEqual(3);
  });

  it('never has two requests in flight for one tenant, even with streams collected concurrently', async () => {
    h = await monitorHarness({ latencyMs: 5 });
    const { summary } = await collectInto(h, {}, { concurrency: 5 });
    expect(summary.failed).toEqual([]);
    const stats = h.emulator.stats();
    expect(stats.maxConcurrentPerCustomer).toBe(1);
    expect(stats.rejectedConcurrent).toBe(0);
  });

  it('splits a window whose query times out and completes it', async () => {
    // ModifiedDate is not indexed for Sessions: each row examined costs ten against the limit.
    h = await monitorHarness({ sessionsPerHour: 400, queryTimeout: { maxScannedRows: 3_000, delayMs: 5 } });
    const { summary } = await collectInto(h, { entities: ['Sessions'] });
    const sessions = summary.streams[0]!;
    expect(sessions.error).toBeUndefined();
    expect(sessions.status).toBe('ok');
    expect(sessions.splits).toBeGreaterThan(0);
    await expectComplete(h, 'Sessions', sessions.to);
  });

  it('collects a large tenant (200,000 sessions a day) under the service’s default query timeout, unsplit', {
    timeout: 180_000,
  }, async () => {
    h = await monitorHarness({ sessionsPerHour: 8_334, pageSize: 1_000 });
    const start = new Date(NOW.getTime() - 3_600_000);
    const summary = await collectSince(h, ['Sessions', 'Connections', 'SessionMetrics'], start);
    expect(summary.failed).toEqual([]);
    for (const stream of summary.streams) {
      expect({ stream: stream.stream, splits: stream.splits }).toEqual({ stream: stream.stream, splits: 0 });
      await expectComplete(h, stream.stream, stream.to, start);
    }
    expect(h.emulator.stats().injected.queryTimeout ?? 0).toBe(0);
  });

  it('splits and retries a window on a column Citrix does not index, where one as large on an indexed column passes', async () => {
    // Sessions are windowed on ModifiedDate, which Citrix's OpenAPI does not index for them (a row costs
    // ten); SessionMetrics on CollectedDate, which it does. An hour of either is a few thousand rows.
    h = await monitorHarness({ sessionsPerHour: 600, queryTimeout: { maxScannedRows: 4_000, delayMs: 5 } });
    const start = new Date(NOW.getTime() - 2 * 3_600_000);
    const summary = await collectSince(h, ['Sessions', 'SessionMetrics'], start);
    expect(summary.failed).toEqual([]);
    const sessions = summary.streams.find((s) => s.stream === 'Sessions')!;
    const metrics = summary.streams.find((s) => s.stream === 'SessionMetrics')!;
    expect(sessions.splits).toBeGreaterThan(0);
    expect(metrics.splits).toBe(0);
    expect(metrics.records).toBeGreaterThan(sessions.records);
    for (const stream of summary.streams) await expectComplete(h, stream.stream, stream.to, start);
  });

  it('stops the stream when a nextLink points at another origin, and never sends the token there', async () => {
    const seen: string[] = [];
    const foreign = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      res.end('{}');
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
    try {
      h = await monitorHarness({ faults: { foreignNextLink: origin } });
      const { summary } = await collectInto(h, { entities: ['Sessions', 'Users'] });
      const sessions = summary.streams.find((s) => s.stream === 'Sessions')!;
      expect(sessions.status).toBe('failed');
      expect(sessions.error).toContain(origin);
      await expectNotAdvanced(h, 'Sessions', sessions.from);
      expect(seen).toEqual([]);
    } finally {
      foreign.close();
    }
  });

  it('fails fast on 403 with the missing permission, without retrying', async () => {
    h = await monitorHarness({ faults: { forbidden: true } });
    const { summary, source } = await collectInto(h, { entities: ['Sessions'] });
    expect(summary.failed).toEqual(['Sessions']);
    expect(summary.streams[0]!.error).toMatch(/permission/i);
    // The service's $metadata, refused with 403 like every query: the stream fails at once.
    expect(source.client.stats.requests).toBe(1);
  });

  it("keeps a failing entity's checkpoint while the others advance", async () => {
    h = await monitorHarness({ faults: { failEntity: ['Connections'] } });
    const { summary } = await collectInto(h);
    expect(summary.failed).toEqual(['Connections']);
    const connections = summary.streams.find((s) => s.stream === 'Connections')!;
    await expectNotAdvanced(h, 'Connections', connections.from);
    for (const stream of summary.streams.filter((s) => s.stream !== 'Connections')) {
      expect(stream.status).toBe('ok');
      await expectComplete(h, stream.stream, stream.to);
    }
  });

  it('resumes from its checkpoint on the next run and reads only the new windows', async () => {
    h = await monitorHarness();
    const first = await collectInto(h, { entities: ['Sessions'] });
    const firstTo = first.summary.streams[0]!.to;
    h.clock.advance(60 * 60_000);
    const { summary } = await collectInto(h, { entities: ['Sessions'] });
    const second = summary.streams[0]!;
    expect(second.from).toBe(firstTo);
    expect(second.windows).toBe(2);
    // Records changed since the first run show up again with their new ModifiedDate: a new version.
    const data = h.emulator.data;
    const truth = [...data.monitor('Sessions', { from: new Date(firstTo), to: new Date(second.to) })];
    const stored = (await h.stored('Sessions')).filter(
      (r) => Date.parse(String(r.ModifiedDate)) >= Date.parse(firstTo),
    );
    expect(versions(stored, 'SessionKey', 'ModifiedDate')).toEqual(
      versions(truth, 'SessionKey', 'ModifiedDate'),
    );
  });

  it('checks again a window continued long after its first page: an offset-paged read steps over rows', async () => {
    // Unordered pages are cut by offset: when rows leave the window between two pages (their session
    // changed), the rows after them shift back and the next page starts past some that stayed.
    h = await monitorHarness({ faults: { unordered: true } });
    const controller = new AbortController();
    const start = new Date(NOW.getTime() - 2 * 3_600_000);
    const sink = {
      ...h.sink,
      async write(batch: Parameters<typeof h.sink.write>[0]) {
        const receipt = await h.sink.write(batch);
        controller.abort(new Error('killed after the first page'));
        return receipt;
      },
    };
    const collect = (signal?: AbortSignal) =>
      run({
        source: h.source({ entities: ['Connections'], pageSize: 20 }),
        sink: signal ? sink : h.sink,
        checkpoints: h.checkpoints,
        logger,
        clock: h.clock,
        start,
        signal,
      });
    const first = await collect(controller.signal);
    expect(first.streams[0]).toMatchObject({ status: 'partial', midWindow: true });
    const claimed = (await h.checkpoints.read(checkpointKey('demo', 'monitor', 'Connections')))?.state.window;
    expect(claimed?.resume).toMatch(/skiptoken/);
    const window = { from: start, to: new Date(claimed!.to) };
    const missing = async () => {
      const truth = versions(h.emulator.data.monitor('Connections', window), 'Id', 'ModifiedDate');
      const stored = versions(await h.stored('Connections'), 'Id', 'ModifiedDate');
      expect(new Set(stored).size).toBe(stored.length);
      return truth.filter((version) => !stored.includes(version));
    };

    // Much later, the next run continues the window from its stored token and steps over rows.
    h.clock.advance(100 * 60_000);
    expect((await collect()).streams[0]?.status).toBe('ok');
    expect((await missing()).length, 'rows the continued read stepped over').toBeGreaterThan(0);
    const checks = (await h.checkpoints.read(checkpointKey('demo', 'monitor', 'Connections')))?.state
      .reconcile;
    // Read 100 minutes late, it would be checked at twice its age; continued, 30 minutes after it closed.
    expect(checks?.find((entry) => entry.from === start.toISOString())?.at).toBe(
      new Date(h.clock.now() + 30 * 60_000).toISOString(),
    );

    h.clock.advance(31 * 60_000);
    const third = (await collect()).streams[0]!;
    expect(third.lateRecords).toBeGreaterThan(0);
    expect(await missing()).toEqual([]);
  });
});

describe('rows that move while a window is read', () => {
  it('checks a window read past the horizon (a catch-up): the rows its offset-paged read stepped over are delivered', async () => {
    // Unordered pages are cut by offset: rows that leave the window between two pages of one read
    // (their session changed) shift the rows after them back, and the next page starts past some that
    // stayed. Here the reconcile horizon is an hour (its sessions still change then) and a catch-up
    // reads a window older than that, whose first page takes 100 minutes.
    h = await monitorHarness({ faults: { unordered: true } });
    const start = new Date(NOW.getTime() - 2 * 3_600_000);
    const window = { from: start, to: new Date(Math.ceil(start.getTime() / 3_600_000) * 3_600_000) };
    expect(NOW.getTime() - window.to.getTime()).toBeGreaterThan(3_600_000);
    let slowed = false;
    const sink = {
      ...h.sink,
      async write(batch: Parameters<typeof h.sink.write>[0]) {
        const receipt = await h.sink.write(batch);
        if (!slowed && batch.kind === 'records') {
          slowed = true;
          h.clock.advance(100 * 60_000);
        }
        return receipt;
      },
    };
    const collect = () =>
      run({
        source: h.source({ entities: ['Connections'], pageSize: 20 }),
        sink,
        checkpoints: h.checkpoints,
        logger,
        clock: h.clock,
        start,
        budgetMs: 48 * 3_600_000,
        reconcile: { horizonMs: 3_600_000, firstCheckMs: 30 * 60_000 },
      });
    const missing = async () => {
      const truth = versions(h.emulator.data.monitor('Connections', window), 'Id', 'ModifiedDate');
      const stored = versions(await h.stored('Connections'), 'Id', 'ModifiedDate');
      expect(new Set(stored).size).toBe(stored.length);
      return truth.filter((version) => !stored.includes(version));
    };

    expect((await collect()).streams[0]?.status).toBe('ok');
    expect((await missing()).length, 'rows the read stepped over').toBeGreaterThan(0);
    // Read past the horizon, the window still gets a check: half an hour after it was read.
    const checks = (await h.checkpoints.read(checkpointKey('demo', 'monitor', 'Connections')))?.state
      .reconcile;
    expect(checks?.find((entry) => entry.from === start.toISOString())).toMatchObject({
      checks: 0,
      at: new Date(h.clock.now() + 30 * 60_000).toISOString(),
    });

    h.clock.advance(31 * 60_000);
    const check = (await collect()).streams[0]!;
    expect(check.lateRecords).toBeGreaterThan(0);
    expect(await missing()).toEqual([]);
  });
});

describe('identity per set: a summary row changed in place', () => {
  const ENTITY = 'LogOnSummaries';
  const start = new Date('2024-08-06T10:00:00Z');
  const collect = () =>
    run({
      source: h.source({ entities: [ENTITY] }),
      sink: h.sink,
      checkpoints: h.checkpoints,
      logger,
      clock: h.clock,
      start,
    });
  /** The stream's reconcile entry of the window starting at `start`. */
  const check = async () =>
    (await h.checkpoints.read(checkpointKey('demo', 'monitor', ENTITY)))?.state.reconcile?.find(
      (entry) => entry.from === start.toISOString(),
    );
  /** The hour rows the API serves for the window now (the source reads Granularity 60). */
  const truth = (to: string) =>
    [...h.emulator.data.monitor(ENTITY, { from: start, to: new Date(to) })].filter(
      (row) => row.Granularity === 60,
    );
  /** Each row's key and content (what the SIEM holds of it), sorted. */
  const contents = (records: Iterable<JsonRecord>) =>
    [...records]
      .map(({ citrix_customer_id: _tenant, ...row }) => JSON.stringify(row, Object.keys(row).sort()))
      .sort();
  /** What the SIEM holds of the window's rows (later runs read later windows too). */
  const stored = async (to: string) =>
    contents(
      (await h.stored(ENTITY)).filter(
        (row) =>
          Date.parse(String(row.SummaryDate)) >= start.getTime() &&
          Date.parse(String(row.SummaryDate)) < Date.parse(to),
      ),
    );
  const api = (rows: JsonRecord[]) => contents(rows.map((row) => JSON.parse(JSON.stringify(row))));

  it('delivers a row recomputed within the reconcile horizon (same key and SummaryDate, new counts) again, once, as a new version', async () => {
    // Rows are recomputed two hours after they were published: after the window's read, before its check.
    h = await monitorHarness({ faults: { recomputedSummaries: { afterMinutes: 120 } } });
    expect((await collect()).streams[0]?.status).toBe('ok');
    const entry = await check();
    const first = truth(entry!.to);
    expect(first.length).toBeGreaterThan(0);
    expect(await stored(entry!.to)).toEqual(api(first));

    h.clock.set(new Date(entry!.at));
    expect((await collect()).streams[0]?.status).toBe('ok');
    const recomputed = truth(entry!.to);
    expect(recomputed.map((row) => row.Id)).toEqual(first.map((row) => row.Id));
    expect(recomputed.map((row) => row.SummaryDate)).toEqual(first.map((row) => row.SummaryDate));
    expect(recomputed.map((row) => row.TotalCount)).toEqual(first.map((row) => Number(row.TotalCount) + 1));
    // Both versions of every row, each once.
    expect(await stored(entry!.to)).toEqual([...api(first), ...api(recomputed)].sort());

    // The next check re-reads the window: nothing changed since, nothing is delivered again.
    const next = await check();
    expect(Date.parse(next!.at)).toBeGreaterThan(Date.parse(entry!.at));
    h.clock.set(new Date(next!.at));
    expect((await collect()).streams[0]?.status).toBe('ok');
    expect((await stored(entry!.to)).length).toBe(2 * first.length);
  });

  it('re-reads a summary window at its checks (a count cannot see a row change) and delivers none of its unchanged rows again', async () => {
    h = await monitorHarness();
    expect((await collect()).streams[0]?.status).toBe('ok');
    const to = (await check())!.to;
    const delivered = await stored(to);
    expect(delivered).toEqual(api(truth(to)));
    expect(delivered.length).toBeGreaterThan(0);
    for (let checks = 0; checks < 2; checks++) {
      h.clock.set(new Date((await check())!.at));
      h.emulator.resetStats();
      expect((await collect()).streams[0]?.status).toBe('ok');
      const requests = h.emulator.stats().log.map((entry) => decodeURIComponent(entry.path));
      // The window itself is read again (not counted): its filter, without $count.
      const filter = `SummaryDate ge ${start.toISOString().replace('.000Z', 'Z')} and SummaryDate lt ${to.replace('.000Z', 'Z')}`;
      expect(requests.filter((path) => path.includes(filter) && !path.includes('$count')).length).toBe(1);
      expect(await stored(to)).toEqual(delivered);
    }
  });
});

describe("the service's $metadata, read once for every stream", () => {
  it('is not cancelled for the other streams when the stream that asked first gives up its read', async () => {
    h = await monitorHarness({ latencyMs: 300 });
    const source = h.source({ entities: ['Sessions', 'Machines'] });
    // The token first, so that the next request the emulator sees is the $metadata one.
    await source.client.getJson('monitorodata/Sessions?$top=1');
    const streamNamed = (name: string) => source.streams.find((stream) => stream.name === name)!;
    const range = { from: new Date(NOW.getTime() - 2 * 3600_000), to: new Date(NOW.getTime() - 3600_000) };
    const before = h.emulator.stats().requests;

    const first = new AbortController();
    const firstRead = streamNamed('Sessions')
      .read(range, undefined, first.signal)
      [Symbol.asyncIterator]()
      .next();
    firstRead.catch(() => undefined);
    // Until the $metadata request it asked for is at the emulator (liveness only: no timing is asserted).
    for (let waited = 0; h.emulator.stats().requests === before; waited += 5) {
      if (waited > 30_000) throw new Error('the $metadata request never reached the emulator');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const secondRead = streamNamed('Machines').read(range, undefined, new AbortController().signal);
    const second = secondRead[Symbol.asyncIterator]().next();
    first.abort();

    await expect(firstRead).rejects.toThrow(/abort/i);
    // The other stream still gets the model, and its page.
    const page = await second;
    expect(page.done).toBe(false);
    expect(Array.isArray(page.value?.records)).toBe(true);
  });
});
