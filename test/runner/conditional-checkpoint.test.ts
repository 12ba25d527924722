import { checkpointKey, ManualClock, run, silentLogger } from '@ctxsiem/core';
import { generatedSource } from '@ctxsiem/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { type FileSetup, fileSetup, ids } from './harness.ts';

let setup: FileSetup;
afterEach(async () => {
  await setup?.cleanup();
});

describe('two runners on one stream', () => {
  it('only one advances the checkpoint; the other stops with a conflict and duplicates nothing', async () => {
    setup = await fileSetup();
    const start = new Date('2024-08-06T00:00:00Z');
    const source = generatedSource({ start, pageSize: 25 });
    const clock = new ManualClock(new Date('2024-08-06T00:45:00Z'));
    const [a, b] = await Promise.all([
      run({ source, sink: setup.sink, checkpoints: setup.checkpoints, logger: silentLogger(), clock }),
      run({ source, sink: setup.sink, checkpoints: setup.checkpoints, logger: silentLogger(), clock }),
    ]);
    const outcomes = [a.streams[0]?.status, b.streams[0]?.status].sort();
    expect(outcomes).toEqual(['failed', 'ok']);
    const loser = [a, b].find((s) => s.streams[0]?.status === 'failed')!;
    expect(loser.streams[0]?.error).toMatch(/changed by another runner/);
    const state = await setup.checkpoints.read(checkpointKey('test-tenant', 'generated', 'events'));
    expect(state?.state.position).toBe('2024-08-06T00:40:00.000Z');
    expect(ids(await setup.stored('events'))).toEqual(
      ids(source.truth('events', { from: start, to: new Date('2024-08-06T00:40:00Z') })),
    );
  });
});
