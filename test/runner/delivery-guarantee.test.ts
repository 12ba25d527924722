/**
 * "Nothing lost, nothing duplicated" under what production does to a collector: overlapping runs with
 * clocks apart, a process killed between a part and its checkpoint, re-reads cut differently, query
 * timeouts mid-window, late rows, budgets, several tenants and sources in one folder. Real file sink
 * and file checkpoint store; every test compares what is stored with the source's ground truth.
 */
import {
  BudgetExhaustedError,
  checkpointKey,
  HOUR_MS,
  type JsonRecord,
  ManualClock,
  MINUTE_MS,
  QueryTimeoutError,
  type RunSummary,
  run,
  SourceError,
  silentLogger,
  type Window,
} from '@ctxsiem/core';
import { generatedSource } from '@ctxsiem/source-generated';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type FileSetup,
  fileSetup,
  holdFirstWrite,
  hookedSink,
  ids,
  mortalStore,
  partFiles,
} from './harness.ts';

const logger = silentLogger();
const START = new Date('2024-08-06T00:00:00Z');
const until = (iso: string): Window => ({ from: START, to: new Date(iso) });
const KEY = checkpointKey('test-tenant', 'generated', 'events');

/** Ids that occur more than once. */
const duplicates = (records: readonly JsonRecord[]) => {
  const seen = new Set<string>();
  return records.map((r) => String(r.id)).filter((id) => seen.has(id) || !seen.add(id));
};

let setup: FileSetup;
afterEach(async () => {
  await setup?.cleanup();
});

describe('delivery guarantee', () => {
  it('two overlapping runners with clocks minutes apart and unordered pages: one works, the other is busy, nothing lost or duplicated', async () => {
    setup = await fileSetup();
    const source = generatedSource({ start: START, pageSize: 25, unordered: { seed: 1 } });
    const early = new ManualClock(new Date('2024-08-06T00:40:00Z'));
    const late = new ManualClock(new Date('2024-08-06T00:45:00Z'));
    // Whichever runner takes the stream holds its first write until the other has finished: the two
    // really overlap, whatever the scheduling.
    const sink = holdFirstWrite(setup.sink);
    const runs = [
      run({ source, sink, checkpoints: setup.checkpoints, logger, clock: early, owner: 'a' }),
      run({ source, sink, checkpoints: setup.checkpoints, logger, clock: late, owner: 'b' }),
    ];
    void Promise.race(runs).then(sink.release);
    const [a, b] = (await Promise.all(runs)) as [RunSummary, RunSummary];
    const statuses = [a.streams[0]?.status, b.streams[0]?.status].sort();
    expect(statuses).toEqual(['busy', 'ok']);
    // Whoever lost comes back later and continues from the winner's position.
    const again = await run({
      source,
      sink: setup.sink,
      checkpoints: setup.checkpoints,
      logger,
      clock: late,
    });
    expect(again.streams[0]?.status).toMatch(/ok|idle/);
    const stored = await setup.stored('events');
    expect(duplicates(stored)).toEqual([]);
    expect(ids(stored)).toEqual(ids(source.truth('events', until('2024-08-06T00:40:00Z'))));
  });

  it('a run killed between a part and its checkpoint blocks the stream until its lease expires; the successor resumes the same window and adopts the part', async () => {
    setup = await fileSetup();
    const source = generatedSource({ start: START, pageSize: 30, unordered: { seed: 7 } });
    const clock = new ManualClock(new Date('2024-08-06T01:10:00Z'));
    const store = mortalStore(setup.checkpoints);
    let parts = 0;
    const dying = hookedSink(setup.sink, {
      after: () => {
        if (++parts === 5) store.kill();
      },
    });
    const killed = await run({
      source,
      sink: dying,
      checkpoints: store,
      logger,
      clock,
      leaseMs: 5 * MINUTE_MS,
    });
    expect(killed.streams[0]?.status).toBe('failed');
    const claimed = (await setup.checkpoints.read(KEY))?.state;
    expect(claimed?.window?.to).toBe('2024-08-06T01:00:00.000Z');
    expect(claimed?.lease).toBeDefined();

    clock.advance(MINUTE_MS);
    const blocked = await run({ source, sink: setup.sink, checkpoints: setup.checkpoints, logger, clock });
    expect(blocked.streams[0]?.status).toBe('busy');
    expect(blocked.streams[0]?.error).toMatch(/holds this stream until/);

    clock.advance(5 * MINUTE_MS);
    const before = await partFiles(setup.directory);
    // The successor's API no longer knows the stored token, and answers the re-read in another order:
    // the part the killed run wrote after its last checkpoint holds other records than the re-read's
    // page of that number, so it is adopted, not overwritten.
    let refused = false;
    const reread = generatedSource({
      start: START,
      pageSize: 30,
      unordered: { seed: 8 },
      beforePage: ({ offset }) => {
        if (offset > 0 && !refused) {
          refused = true;
          throw new SourceError('REQUEST_REJECTED', 'the skiptoken has expired', { status: 410 });
        }
      },
    });
    const successor = await run({
      source: reread,
      sink: setup.sink,
      checkpoints: setup.checkpoints,
      logger,
      clock,
    });
    expect(refused).toBe(true);
    expect(successor.streams[0]?.status).toBe('ok');
    expect(successor.streams[0]?.adoptedParts).toBeGreaterThanOrEqual(1);
    // The same window was resumed: its parts all carry the claimed window's start.
    const after = await partFiles(setup.directory);
    for (const [path, identity] of before) expect(after.get(path), path).toBe(identity);
    const firstHour = [...after.keys()].filter((path) => path.includes('/hour=00/'));
    expect(firstHour.every((path) => path.includes('part-20240806T000000.000Z-'))).toBe(true);
    const stored = await setup.stored('events');
    expect(duplicates(stored)).toEqual([]);
    expect(successor.streams[0]?.to).toBe('2024-08-06T01:11:00.000Z');
    expect(ids(stored)).toEqual(ids(source.truth('events', until('2024-08-06T01:11:00Z'))));
  });

  it('a re-read with another order and page size delivers nothing twice and rewrites no part', async () => {
    setup = await fileSetup();
    const clock = new ManualClock(new Date('2024-08-06T01:10:00Z'));
    const controller = new AbortController();
    const first = generatedSource({ start: START, pageSize: 40, unordered: { seed: 3 } });
    let written = 0;
    const sink = hookedSink(setup.sink, {
      after: () => {
        if (++written === 6) controller.abort(new Error('shutdown'));
      },
    });
    await run({
      source: first,
      sink,
      checkpoints: setup.checkpoints,
      logger,
      clock,
      signal: controller.signal,
    });
    const before = await partFiles(setup.directory);
    expect(before.size).toBe(6);

    // The next run's API refuses the stored token: the window is read again, differently cut.
    let refused = 0;
    const expired = generatedSource({
      start: START,
      pageSize: 40,
      unordered: { seed: 4 },
      beforePage: ({ offset }) => {
        if (offset > 0 && refused === 0) {
          refused++;
          throw new SourceError('REQUEST_REJECTED', 'the skiptoken has expired', { status: 410 });
        }
      },
    });
    const second = await run({
      source: expired,
      sink: setup.sink,
      checkpoints: setup.checkpoints,
      logger,
      clock,
    });
    expect(refused).toBe(1);
    expect(second.streams[0]?.status).toBe('ok');
    expect(second.streams[0]?.skipped).toBeGreaterThan(0);
    const after = await partFiles(setup.directory);
    for (const [path, identity] of before) expect(after.get(path), path).toBe(identity);
    const stored = await setup.stored('events');
    expect(duplicates(stored)).toEqual([]);
    expect(ids(stored)).toEqual(ids(first.truth('events', until('2024-08-06T01:05:00Z'))));
  });

  it('a query timeout on a resumed page reads the range again in halves, duplicating nothing', async () => {
    setup = await fileSetup();
    const source = generatedSource({
      start: START,
      pageSize: 40,
      beforePage: ({ window, offset }) => {
        if (offset >= 80 && window.to.getTime() - window.from.getTime() > 15 * MINUTE_MS)
          throw new QueryTimeoutError('the query scanned too many rows');
      },
    });
    const summary = await run({
      source,
      sink: setup.sink,
      checkpoints: setup.checkpoints,
      logger,
      clock: new ManualClock(new Date('2024-08-06T01:05:00Z')),
    });
    expect(summary.streams[0]?.status).toBe('ok');
    expect(summary.streams[0]?.splits).toBeGreaterThanOrEqual(2);
    expect(summary.streams[0]?.skipped).toBeGreaterThan(0);
    const stored = await setup.stored('events');
    expect(duplicates(stored)).toEqual([]);
    expect(ids(stored)).toEqual(ids(source.truth('events', until('2024-08-06T01:00:00Z'))));
  });

  it('delivers late rows through the reconcile pass exactly once', async () => {
    setup = await fileSetup();
    const clock = new ManualClock(new Date('2024-08-06T01:10:00Z'));
    // Every fifth record reaches the API 20 minutes after its time: later than the 5-minute lag.
    const lateMs = (id: string) => (Number(id.split('-').at(-1)) % 5 === 0 ? 20 * MINUTE_MS : 0);
    const source = generatedSource({ start: START, pageSize: 50, late: { lateMs, clock } });
    const runAt = async (iso: string) => {
      clock.set(new Date(iso));
      return run({ source, sink: setup.sink, checkpoints: setup.checkpoints, logger, clock });
    };
    const first = await runAt('2024-08-06T01:10:00Z');
    expect(first.streams[0]?.lateRecords).toBe(0);
    const missing = [...source.truth('events', until('2024-08-06T01:05:00Z'))].length - first.totals.records;
    expect(missing).toBeGreaterThan(0);

    const second = await runAt('2024-08-06T01:40:00Z');
    expect(second.streams[0]?.reconciledWindows).toBeGreaterThanOrEqual(1);
    expect(second.streams[0]?.lateRecords).toBe(missing);
    // Later checks find nothing new: nothing is delivered twice.
    const third = await runAt('2024-08-06T03:00:00Z');
    const fourth = await runAt('2024-08-06T06:00:00Z');
    expect(third.streams[0]?.reconciledWindows).toBeGreaterThan(0);
    expect(fourth.streams[0]?.reconciledWindows).toBeGreaterThan(0);
    const stored = await setup.stored('events');
    expect(duplicates(stored)).toEqual([]);
    // Everything the API shows now, up to the position, is stored; rows still on their way are not.
    expect(ids(stored)).toEqual(ids(source.visible('events', until('2024-08-06T05:55:00Z'))));
    const state = (await setup.checkpoints.read(KEY))?.state;
    expect(state?.reconcile?.length).toBeGreaterThan(0);
  });

  it('aborts a page stuck in a long wait when the budget runs out, and resumes there', async () => {
    setup = await fileSetup();
    // The budget's deadline is on the runner's clock: it passes when the test moves the clock, never
    // while a slow machine delivers the pages before the wait.
    const clock = new ManualClock(new Date('2024-08-06T03:00:00Z'));
    let stalled = false;
    let ended: unknown;
    const offsets: number[] = [];
    const source = generatedSource({
      start: START,
      pageSize: 40,
      beforePage: async ({ offset }) => {
        offsets.push(offset);
        if (offset !== 80 || stalled) return;
        stalled = true;
        // The two pages before it are delivered and committed first.
        while ((await setup.checkpoints.read(KEY))?.state.window?.seq !== 2)
          await new Promise((resolve) => setImmediate(resolve));
        // A Retry-After wait far longer than the budget: the clock moves the whole hour on, past the
        // deadline; only the budget's signal ends it (its reason says so: not a stop at a boundary).
        await new Promise<void>((_resolve, reject) => {
          stuck.addEventListener(
            'abort',
            () => {
              ended = stuck.reason;
              reject(stuck.reason);
            },
            { once: true },
          );
          clock.advance(HOUR_MS);
          if (!stuck.aborted) reject(new Error('waited the whole hour'));
        });
      },
    });
    let stuck: AbortSignal = new AbortController().signal;
    const stream = source.streams[0]!;
    const read = stream.read.bind(stream);
    stream.read = (window, resume, signal) => {
      stuck = signal;
      return read(window, resume, signal);
    };
    const summary = await run({
      source,
      sink: setup.sink,
      checkpoints: setup.checkpoints,
      logger,
      clock,
      budgetMs: 10 * MINUTE_MS,
    });
    expect(ended).toBeInstanceOf(BudgetExhaustedError);
    expect(summary.budgetExhausted).toBe(true);
    expect(summary.streams[0]).toMatchObject({ status: 'partial', pages: 2, midWindow: true });
    expect((await setup.checkpoints.read(KEY))?.state.window?.seq).toBe(2);

    // The next run starts at the page the wait was in: the rest once, nothing lost.
    offsets.length = 0;
    const next = await run({ source, sink: setup.sink, checkpoints: setup.checkpoints, logger, clock });
    expect(next.streams[0]?.status).toBe('ok');
    expect(offsets[0]).toBe(80);
    const stored = await setup.stored('events');
    expect(duplicates(stored)).toEqual([]);
    expect(ids(stored)).toEqual(ids(source.truth('events', until(next.streams[0]!.to))));
  });

  it('two tenants and two sources in one folder: every part kept, nothing overwritten', async () => {
    setup = await fileSetup();
    const clock = new ManualClock(new Date('2024-08-06T01:05:00Z'));
    const sources = ['acme', 'globex'].flatMap((tenant) =>
      ['monitor', 'analytics'].map((type) =>
        generatedSource({
          tenant,
          type,
          start: START,
          pageSize: 100,
          streams: [{ name: 'sessions', recordsPerMinute: 3 }],
        }),
      ),
    );
    for (const source of sources)
      await run({ source, sink: setup.sink, checkpoints: setup.checkpoints, logger, clock });
    const stored = await setup.stored('sessions');
    const perSource = [...sources[0]!.truth('sessions', until('2024-08-06T01:00:00Z'))].length;
    expect(stored.length).toBe(4 * perSource);
    for (const tenant of ['acme', 'globex'])
      expect(stored.filter((record) => record.tenant === tenant)).toHaveLength(2 * perSource);
  });
});
