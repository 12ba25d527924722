/**
 * A lease taken with an end (`LeaseOptions.until`: a function invocation's deadline plus a grace) never
 * outlasts it: not when taken, not when renewed. Without the end, a lease runs `leaseMs` from each
 * commit, and a function its platform killed would hold its streams that long.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, StreamCheckpoint } from '@ctxsiem/core';
import { fileCheckpointStore } from '@ctxsiem/sink-file';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const T0 = Date.parse('2026-12-07T06:00:00Z');
const LEASE_MS = 600_000;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctxsiem-lease-until-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A clock the test moves. */
function movableClock(): Clock & { at: number } {
  const clock = { at: T0, now: () => clock.at };
  return clock;
}

async function open(key: string, clock: Clock, until?: number) {
  const store = fileCheckpointStore({ directory: dir });
  const checkpoint = await StreamCheckpoint.open(
    store,
    key,
    clock,
    { owner: 'invocation', leaseMs: LEASE_MS, until },
    new Date(T0 - 3_600_000),
  );
  return { store, checkpoint };
}

describe('a lease with an end', () => {
  it('expires at the end when taken, and a renewal never moves it past it', async () => {
    const clock = movableClock();
    const until = T0 + 90_000;
    const { store, checkpoint } = await open('acme/monitor/Sessions', clock, until);
    await checkpoint.acquire();
    expect(checkpoint.state.lease?.expiresAt).toBe(new Date(until).toISOString());
    const version = (await store.read('acme/monitor/Sessions'))!.version;
    // Past half of leaseMs: without the end this renews; with it, a commit could not extend the lease.
    clock.at = T0 + 80_000;
    await checkpoint.renewIfDue();
    expect((await store.read('acme/monitor/Sessions'))!.version).toBe(version);
    // A commit (a page) keeps the end too.
    await checkpoint.commit(checkpoint.state);
    expect(checkpoint.state.lease?.expiresAt).toBe(new Date(until).toISOString());
  });

  it('without an end, lasts leaseMs from each commit', async () => {
    const clock = movableClock();
    const { checkpoint } = await open('acme/monitor/Machines', clock);
    await checkpoint.acquire();
    expect(checkpoint.state.lease?.expiresAt).toBe(new Date(T0 + LEASE_MS).toISOString());
    clock.at = T0 + 400_000;
    await checkpoint.renewIfDue();
    expect(checkpoint.state.lease?.expiresAt).toBe(new Date(T0 + 400_000 + LEASE_MS).toISOString());
  });
});
