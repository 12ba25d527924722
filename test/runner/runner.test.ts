import {
  checkpointKey,
  HOUR_MS,
  ManualClock,
  MINUTE_MS,
  QueryTimeoutError,
  run,
  SinkError,
  SourceError,
  silentLogger,
  type Window,
} from '@ctxsiem/core';
import { generatedSource } from '@ctxsiem/source-generated';
import { countingSink } from '@ctxsiem/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { type FileSetup, fileSetup, hookedSink, ids } from './harness.ts';

const logger = silentLogger();
const START = new Date('2024-08-06T00:00:00Z');
const all = (hours: number): Window => ({ from: START, to: new Date(START.getTime() + hours * HOUR_MS) });

let setup: FileSetup;
afterEach(async () => {
  await setup?.cleanup();
});

describe('runner', () => {
  it('delivers every record of every due window exactly once and advances to now - lag', async () => {
    setup = await fileSetup();
    const source = generatedSource({
      start: START,
      pageSize: 70,
      streams: [{ name: 'events', recordsPerMinute: 5 }],
    });
    const clock = new ManualClock(new Date('2024-08-06T03:10:00Z'));
    const summary = await run({ source, sink: setup.sink, checkpoints: setup.checkpoints, logger, clock });

    const horizon = new Date('2024-08-06T03:05:00Z');
    expect(summary.failed).toEqual([]);
    expect(summary.streams[0]).toMatchObject({
      stream: 'events',
      from: START.toISOString(),
      to: horizon.toISOString(),
      status: 'ok',
      windows: 4,
    });
    const truth = [...source.truth('events', { from: START, to: horizon })];
    expect(ids(await setup.stored('events'))).toEqual(ids(truth));
    expect(summary.totals.records).toBe(truth.length);
    expect((await setup.stored('events')).every((r) => r.tenant === 'test-tenant')).toBe(true);
  });

  it('never plans a window that ends after now - lag', async () => {
    setup = await fileSetup();
    const windows: Window[] = [];
    const source = generatedSource({
      start: START,
      policy: { lagMs: 7 * MINUTE_MS },
      beforePage: ({ window }) => {
        windows.push(window);
      },
    });
    const now = new Date('2024-08-06T05:33:00Z').getTime();
    await run({
      source,
      sink: setup.sink,
      checkpoints: setup.checkpoints,
      logger,
      clock: new ManualClock(now),
    });
    expect(windows.length).toBeGreaterThan(0);
    for (const w of windows) expect(w.to.getTime()).toBeLessThanOrEqual(now - 7 * MINUTE_MS);
    expect(Math.max(...windows.map((w) => w.to.getTime()))).toBe(now - 7 * MINUTE_MS);
  });

  it('resumes after an abort mid-window with no record lost or duplicated', async () => {
    setup = await fileSetup();
    const source = generatedSource({
      start: START,
      pageSize: 50,
      streams: [{ name: 'events', recordsPerMinute: 13 }],
    });
    const clock = new ManualClock(new Date('2024-08-06T02:30:00Z'));
    const controller = new AbortController();
    let delivered = 0;
    const sink = hookedSink(setup.sink, {
      // Abort once, in the middle of the first hour's window.
      after: () => {
        if (++delivered === 7) controller.abort(new Error('operator pressed ctrl-c'));
      },
    });
    const first = await run({
      source,
      sink,
      checkpoints: setup.checkpoints,
      logger,
      clock,
      signal: controller.signal,
    });
    expect(first.streams[0]).toMatchObject({ status: 'partial', midWindow: true });
    const state = await setup.checkpoints.read(checkpointKey('test-tenant', 'generated', 'events'));
    expect(state?.state.window?.seq).toBe(7);

    const second = await run({ source, sink: setup.sink, checkpoints: setup.checkpoints, logger, clock });
    expect(second.streams[0]?.status).toBe('ok');
    const truth = [...source.truth('events', { from: START, to: new Date('2024-08-06T02:25:00Z') })];
    const stored = await setup.stored('events');
    expect(stored.length).toBe(truth.length);
    expect(ids(stored)).toEqual(ids(truth));
  });

  it('reads a window again from its start when the API refuses the stored resume token, duplicating nothing', async () => {
    setup = await fileSetup();
    const clock = new ManualClock(new Date('2024-08-06T01:10:00Z'));
    const controller = new AbortController();
    const first = generatedSource({ start: START, pageSize: 50 });
    let written = 0;
    const sink = hookedSink(setup.sink, {
      after: () => {
        if (++written === 4) controller.abort(new Error('shutdown'));
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
    const key = checkpointKey('test-tenant', 'generated', 'events');
    expect((await setup.checkpoints.read(key))?.state.window).toMatchObject({ resume: '200', seq: 4 });

    // The next run's API no longer knows that token (an expired skiptoken).
    let refused = false;
    const expired = generatedSource({
      start: START,
      pageSize: 50,
      beforePage: ({ offset }) => {
        // Only the resumed request (the first one, at the stored offset) is refused.
        if (offset === 200 && !refused) {
          refused = true;
          throw new SourceError('REQUEST_REJECTED', 'GET …: the skiptoken has expired', { status: 400 });
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
    expect(refused).toBe(true);
    expect(second.streams[0]?.status).toBe('ok');
    expect(ids(await setup.stored('events'))).toEqual(
      ids(first.truth('events', { from: START, to: new Date('2024-08-06T01:05:00Z') })),
    );
  });

  it('reports a run aborted between windows as partial, and the next run finishes the rest, each page read once', async () => {
    setup = await fileSetup();
    const reads: string[] = [];
    let events: string[] = [];
    const source = generatedSource({
      start: START,
      pageSize: 1_000,
      beforePage: ({ window, offset }) => {
        reads.push(`${window.from.toISOString()}@${offset}`);
        events.push(`read ${window.from.toISOString()}`);
      },
    });
    const clock = new ManualClock(new Date('2024-08-06T04:10:00Z'));
    const controller = new AbortController();
    const sink = hookedSink(setup.sink, {
      // One page per hour-window: abort right after the second window's only page.
      after: (batch) => {
        if (batch.window.from.getUTCHours() === 1) controller.abort(new Error('shutdown'));
      },
    });
    const first = await run({
      source,
      sink,
      checkpoints: setup.checkpoints,
      logger,
      clock,
      signal: controller.signal,
    });
    expect(first.streams[0]).toMatchObject({
      status: 'partial',
      to: '2024-08-06T02:00:00.000Z',
      midWindow: false,
    });
    // The third window may have been read ahead (while the second closed): nothing of it was written.
    expect(new Set((await setup.stored('events')).map((r) => String(r.time).slice(0, 13)))).toEqual(
      new Set(['2024-08-06T00', '2024-08-06T01']),
    );
    reads.length = 0;
    events = [];
    const watched = hookedSink(setup.sink, {
      after: (batch) => {
        events.push(`wrote ${batch.window.from.toISOString()}`);
      },
    });
    const second = await run({ source, sink: watched, checkpoints: setup.checkpoints, logger, clock });
    expect(second.streams[0]).toMatchObject({ status: 'ok', from: '2024-08-06T02:00:00.000Z', windows: 3 });
    expect(ids(await setup.stored('events'))).toEqual(
      ids(source.truth('events', { from: START, to: new Date('2024-08-06T04:05:00Z') })),
    );
    // The next window's page is asked for while the window before it is written and closed, and each
    // page once: what was read ahead is delivered, never read again.
    expect(events.indexOf('read 2024-08-06T03:00:00.000Z')).toBeLessThan(
      events.indexOf('wrote 2024-08-06T02:00:00.000Z'),
    );
    expect(reads).toEqual([
      '2024-08-06T02:00:00.000Z@0',
      '2024-08-06T03:00:00.000Z@0',
      '2024-08-06T04:00:00.000Z@0',
    ]);
  });

  it('leaves the checkpoint unchanged when the sink fails, and says which stream failed', async () => {
    setup = await fileSetup();
    const source = generatedSource({
      start: START,
      pageSize: 40,
      streams: [
        { name: 'good', recordsPerMinute: 2 },
        { name: 'bad', recordsPerMinute: 2 },
      ],
    });
    const clock = new ManualClock(new Date('2024-08-06T01:30:00Z'));
    // First run completes the first window of both streams.
    await run({
      source,
      sink: setup.sink,
      checkpoints: setup.checkpoints,
      logger,
      clock: new ManualClock(new Date('2024-08-06T01:05:00Z')),
    });
    const key = checkpointKey('test-tenant', 'generated', 'bad');
    const before = await setup.checkpoints.read(key);

    const sink = hookedSink(setup.sink, {
      before: (batch) => {
        if (batch.stream === 'bad') throw new SinkError('bucket refused the write (simulated outage)');
      },
    });
    const summary = await run({ source, sink, checkpoints: setup.checkpoints, logger, clock });
    expect(summary.failed).toEqual(['bad']);
    expect(summary.streams.find((s) => s.stream === 'bad')?.error).toContain('simulated outage');
    expect(summary.streams.find((s) => s.stream === 'good')?.status).toBe('ok');
    // The next window was claimed (before any write), but nothing moved and the lease was released.
    const after = (await setup.checkpoints.read(key))?.state;
    expect(after?.position).toBe(before?.state.position);
    expect(after?.window).toMatchObject({ seq: 0, resume: '' });
    expect(after?.lease).toBeUndefined();
    expect(
      (await setup.checkpoints.read(checkpointKey('test-tenant', 'generated', 'good')))?.state.position,
    ).toBe('2024-08-06T01:25:00.000Z');
    // How the run ended is kept for `ctxsiem status`: the failure, and after a good run, both.
    expect(after?.lastRun).toMatchObject({ status: 'failed', records: 0, at: '2024-08-06T01:30:00.000Z' });
    expect(after?.lastRun?.error).toContain('simulated outage');
    expect(after?.lastFailure?.error).toContain('simulated outage');
    clock.set(new Date('2024-08-06T01:40:00Z'));
    await run({ source, sink: setup.sink, checkpoints: setup.checkpoints, logger, clock });
    const recovered = (await setup.checkpoints.read(key))?.state;
    expect(recovered?.lastRun).toMatchObject({ status: 'ok', at: '2024-08-06T01:40:00.000Z' });
    expect(recovered?.lastRun?.records).toBeGreaterThan(0);
    expect(recovered?.lastRun?.error).toBeUndefined();
    expect(recovered?.lastFailure).toEqual({
      at: '2024-08-06T01:30:00.000Z',
      error: after?.lastFailure?.error,
    });
  });

  it('stops inside its budget at a page boundary with the checkpoint written', async () => {
    setup = await fileSetup();
    const clock = new ManualClock(new Date('2024-08-06T12:00:00Z'));
    const source = generatedSource({ start: START, pageSize: 20 });
    // Each delivery takes 100 ms of (manual) time.
    const sink = hookedSink(setup.sink, { before: () => clock.advance(100) });
    const started = clock.now();
    const summary = await run({
      source,
      sink,
      checkpoints: setup.checkpoints,
      logger,
      clock,
      budgetMs: 1_050,
    });
    expect(clock.now() - started).toBeLessThanOrEqual(1_050);
    expect(summary.budgetExhausted).toBe(true);
    expect(summary.streams[0]?.status).toBe('partial');
    expect(summary.totals.pages).toBe(10);
    const state = await setup.checkpoints.read(checkpointKey('test-tenant', 'generated', 'events'));
    expect(state?.state.window?.seq ?? 0).toBeGreaterThan(0);
    // The next run picks up exactly there.
    const second = await run({ source, sink: setup.sink, checkpoints: setup.checkpoints, logger, clock });
    const reached = new Date(second.streams[0]!.to);
    expect(reached.getTime()).toBe(clock.now() - 5 * MINUTE_MS);
    expect(ids(await setup.stored('events'))).toEqual(
      ids(source.truth('events', { from: START, to: reached })),
    );
  });

  it('dead-letters records that fail their schema, with the reason, and delivers the rest', async () => {
    setup = await fileSetup();
    const source = generatedSource({
      start: START,
      invalidEvery: 4,
      streams: [{ name: 'events', recordsPerMinute: 8 }],
    });
    const summary = await run({
      source,
      sink: setup.sink,
      checkpoints: setup.checkpoints,
      logger,
      clock: new ManualClock(new Date('2024-08-06T01:05:00Z')),
    });
    const truth = [...source.truth('events', all(1))];
    const bad = truth.filter((r) => typeof r.value !== 'number');
    expect(bad.length).toBe(truth.length / 4);
    expect(summary.totals.deadLetters).toBe(bad.length);
    const dead = await setup.deadLetters('events');
    expect(ids(dead.map((d) => d.record as { id: string }))).toEqual(ids(bad));
    expect(String(dead[0]?.reason)).toContain('value');
    expect((await setup.stored('events')).length).toBe(truth.length - bad.length);
  });

  it('splits a window whose query times out and still delivers it completely', async () => {
    setup = await fileSetup();
    const source = generatedSource({
      start: START,
      pageSize: 30,
      beforePage: ({ window, offset }) => {
        if (offset === 0 && window.to.getTime() - window.from.getTime() > 20 * MINUTE_MS) {
          throw new QueryTimeoutError('the query scanned too many rows');
        }
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
    expect(ids(await setup.stored('events'))).toEqual(ids(source.truth('events', all(1))));
  });

  it('keeps memory flat over a 1,000,000-record window: the page queue never exceeds its bound', async () => {
    setup = await fileSetup();
    const source = generatedSource({
      start: START,
      pageSize: 5_000,
      streams: [{ name: 'big', recordsPerMinute: 16_667 }],
    });
    const sink = countingSink();
    let highWater = 0;
    let capacity = 0;
    const summary = await run({
      source,
      sink,
      checkpoints: setup.checkpoints,
      logger,
      clock: new ManualClock(new Date('2024-08-06T01:05:00Z')),
      queueCapacity: 3,
      onQueue: (_stream, queue) => {
        capacity = queue.capacity;
        // Read the high-water mark when the window ends.
        const original = queue.close.bind(queue);
        queue.close = () => {
          highWater = Math.max(highWater, queue.highWater);
          original();
        };
      },
    });
    expect(summary.totals.records).toBe(source.count('big', all(1)));
    expect(summary.totals.records).toBeGreaterThanOrEqual(1_000_000);
    expect(capacity).toBe(3);
    expect(highWater).toBeGreaterThan(0);
    expect(highWater).toBeLessThanOrEqual(3);
  });
});
