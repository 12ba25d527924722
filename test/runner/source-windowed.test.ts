/**
 * Two things a document-reading stream needs from the runner, on real components (file sink and
 * checkpoints): records the source rejected itself reach the dead letters with its reason, and a stream
 * the source windows keeps records whatever their times, with no reconcile checks of its closed windows.
 */
import {
  HOUR_MS,
  type JsonRecord,
  ManualClock,
  type Page,
  type PullStream,
  run,
  type Source,
  silentLogger,
  type Window,
} from '@ctxsiem/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type FileSetup, fileSetup, ids } from './harness.ts';

const START = new Date('2024-08-06T00:00:00Z');
const NOW = new Date('2024-08-06T02:00:00Z');

let setup: FileSetup;
afterEach(async () => {
  await setup?.cleanup();
});

/** A stream whose every window yields the same two pages: records of another day, and rejected ones. */
function documentStream(windowedBy: PullStream['windowedBy']): PullStream & { reads: Window[] } {
  const reads: Window[] = [];
  return {
    name: 'documents',
    cursorField: 'eventTime',
    windowedBy,
    window: { alignMs: HOUR_MS, maxWindowMs: HOUR_MS, lagMs: 0 },
    reads,
    async *read(window: Window): AsyncIterable<Page> {
      reads.push(window);
      const hour = window.from.toISOString().slice(11, 13);
      const record = (n: number): JsonRecord => ({ id: `${hour}-${n}`, eventTime: '2020-01-01T00:00:00Z' });
      yield { records: [record(1), record(2)], next: '1' };
      yield {
        records: [record(3)],
        rejected: [
          { record: { id: `${hour}-bad`, event: { st: 'yesterday' } }, reason: 'st: must be a date' },
        ],
      };
    },
  };
}

async function collect(stream: PullStream, reconcile = true) {
  const source: Source = { type: 'docs', tenant: 'test-tenant', streams: [stream] };
  return run({
    source,
    sink: setup.sink,
    checkpoints: setup.checkpoints,
    logger: silentLogger(),
    clock: new ManualClock(NOW),
    start: START,
    ...(reconcile ? {} : { reconcile: false }),
  });
}

describe('a stream the source windows', () => {
  it('keeps records whatever their cursor, dead-letters what the source rejected with its reason', async () => {
    setup = await fileSetup();
    const summary = await collect(documentStream('source'));
    const [stream] = summary.streams;
    expect(stream).toMatchObject({ status: 'ok', records: 6, deadLetters: 2, outsideWindow: 0 });
    expect(ids(await setup.stored('documents'))).toEqual(['00-1', '00-2', '00-3', '01-1', '01-2', '01-3']);
    const dead = await setup.deadLetters('documents');
    expect(dead.map((letter) => letter.reason)).toEqual(['st: must be a date', 'st: must be a date']);
    expect(dead.map((letter) => (letter.record as JsonRecord).id).sort()).toEqual(['00-bad', '01-bad']);
  });

  it('schedules no reconcile check of its closed windows, and a second run reads nothing again', async () => {
    setup = await fileSetup();
    const stream = documentStream('source');
    await collect(stream);
    expect(stream.reads).toHaveLength(2);
    const checkpoint = await setup.checkpoints.read('test-tenant/docs/documents');
    expect(checkpoint?.state.reconcile ?? []).toEqual([]);
    await collect(stream);
    expect(stream.reads).toHaveLength(2);
  });

  it('a stream windowed by its cursor drops the same records as outside the window, and checks its windows again', async () => {
    setup = await fileSetup();
    const summary = await collect(documentStream('cursor'));
    expect(summary.streams[0]).toMatchObject({ records: 0, deadLetters: 2, outsideWindow: 6 });
    const checkpoint = await setup.checkpoints.read('test-tenant/docs/documents');
    expect(checkpoint?.state.reconcile).toHaveLength(2);
  });
});
