/**
 * The conformance suite every checkpoint store runs: conditional writes are the heart of it, for the
 * checkpoints and for the window manifests kept beside them (`manifests`). Every case can fail: stale
 * versions, versions from before a delete (ABA), many writers racing for one version across two
 * store instances, and state that must come back exactly as written.
 */
import {
  CheckpointConflictError,
  type CheckpointStore,
  type JsonRecord,
  manifestKey,
  type StreamState,
} from '@ctxsiem/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

export interface TestCheckpointStoreOptions {
  name: string;
  create: () => Promise<{ store: CheckpointStore; cleanup?: () => Promise<void> }>;
  /** A second store instance on the same backing storage (another runner). Defaults to `create`'s store. */
  createPeer?: () => Promise<CheckpointStore>;
}

/** How many writers race for one version in the concurrency cases (split over the two instances). */
const RACERS = 8;

/** A state using every field a runner stores, and JSON a future runner might add (stored as given). */
function richState(position: string): StreamState {
  return {
    position,
    window: {
      to: '2024-08-06T08:00:00.000Z',
      seq: 7,
      resume: 'https://api.example/odata?$skiptoken=a%2Fb&x="q"',
      readFrom: '2024-08-06T07:30:00.000Z',
      readTo: '2024-08-06T07:45:00.000Z',
    },
    lease: { owner: 'host-1/4242/3f2a', expiresAt: '2024-08-06T07:10:00.000Z' },
    updatedAt: '2024-08-06T07:05:00.123Z',
    future: { nested: [1, 2.5, -3, { deep: [null, true, false, 'ü ✓ \u0000'] }], empty: {}, list: [] },
  } as StreamState;
}

export function testCheckpointStore(options: TestCheckpointStoreOptions): void {
  describe(`checkpoint store conformance: ${options.name}`, () => {
    let store: CheckpointStore;
    let peer: CheckpointStore;
    let cleanup: (() => Promise<void>) | undefined;
    let n = 0;
    /** A tenant no other case uses, so listings can be compared exactly. */
    const freshTenant = () => `tenant-${process.pid}-${++n}`;
    const freshKey = () => `${freshTenant()}/monitor/Stream${n}`;
    /** The i-th racer's store: half the writers on each instance. */
    const racer = (i: number) => (i % 2 === 0 ? store : peer);

    beforeAll(async () => {
      const created = await options.create();
      store = created.store;
      cleanup = created.cleanup;
      peer = options.createPeer ? await options.createPeer() : store;
    });
    afterAll(async () => {
      await cleanup?.();
    });

    /** Settles `RACERS` writes and checks exactly one won, every other with a conflict; the winner's index. */
    async function exactlyOneWins(
      write: (i: number) => Promise<string>,
    ): Promise<{ index: number; version: string }> {
      const results = await Promise.allSettled(Array.from({ length: RACERS }, (_, i) => write(i)));
      const won = results.flatMap((result, index) =>
        result.status === 'fulfilled' ? [{ index, version: result.value }] : [],
      );
      expect(won).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(CheckpointConflictError);
      }
      return won[0]!;
    }

    describe('checkpoints', () => {
      it('reads nothing for a stream never written', async () => {
        expect(await store.read(freshKey())).toBeUndefined();
      });

      it('creates, reads back and advances with the returned version', async () => {
        const key = freshKey();
        const v1 = await store.write(key, { position: '2024-08-06T07:00:00.000Z' }, undefined);
        expect(await store.read(key)).toEqual({
          state: { position: '2024-08-06T07:00:00.000Z' },
          version: v1,
        });
        const state = {
          position: '2024-08-06T07:00:00.000Z',
          window: { to: '2024-08-06T08:00:00.000Z', resume: 'p2', seq: 2 },
        };
        const v2 = await store.write(key, state, v1);
        expect(v2).not.toBe(v1);
        expect(await peer.read(key)).toEqual({ state, version: v2 });
      });

      it('stores the state exactly as given: lease, window range and any nested JSON', async () => {
        const key = freshKey();
        const state = richState('2024-08-06T07:00:00.000Z');
        const v1 = await store.write(key, state, undefined);
        expect(await peer.read(key)).toEqual({ state, version: v1 });
        // Fields a later write leaves out are gone, not merged in.
        const v2 = await peer.write(key, { position: '2024-08-06T08:00:00.000Z' }, v1);
        expect(await store.read(key)).toEqual({
          state: { position: '2024-08-06T08:00:00.000Z' },
          version: v2,
        });
      });

      it('never hands out the same version twice, even for the same state written again', async () => {
        const key = freshKey();
        const state = { position: '2024-08-06T07:00:00.000Z' };
        const v1 = await store.write(key, state, undefined);
        const v2 = await store.write(key, { position: '2024-08-06T08:00:00.000Z' }, v1);
        const v3 = await store.write(key, state, v2);
        expect(new Set([v1, v2, v3]).size).toBe(3);
        await expect(peer.write(key, state, v1)).rejects.toBeInstanceOf(CheckpointConflictError);
        expect(await store.read(key)).toEqual({ state, version: v3 });
      });

      it('refuses to create over an existing checkpoint', async () => {
        const key = freshKey();
        await store.write(key, { position: '2024-01-01T00:00:00.000Z' }, undefined);
        await expect(
          peer.write(key, { position: '2024-01-01T01:00:00.000Z' }, undefined),
        ).rejects.toBeInstanceOf(CheckpointConflictError);
        expect((await peer.read(key))?.state.position).toBe('2024-01-01T00:00:00.000Z');
      });

      it('refuses a stale version with a clear error and keeps the newer state', async () => {
        const key = freshKey();
        const v1 = await store.write(key, { position: '2024-01-01T00:00:00.000Z' }, undefined);
        await store.write(key, { position: '2024-01-01T01:00:00.000Z' }, v1);
        const stale = peer.write(key, { position: '2024-01-01T05:00:00.000Z' }, v1);
        await expect(stale).rejects.toBeInstanceOf(CheckpointConflictError);
        await expect(stale).rejects.toThrow(key);
        expect((await store.read(key))?.state.position).toBe('2024-01-01T01:00:00.000Z');
      });

      it('refuses a version it never handed out', async () => {
        const key = freshKey();
        await store.write(key, { position: '2024-01-01T00:00:00.000Z' }, undefined);
        for (const bogus of ['1', '0', '"etag"', 'legacy:none-ish']) {
          await expect(
            peer.write(key, { position: '2024-01-01T05:00:00.000Z' }, bogus),
          ).rejects.toBeInstanceOf(CheckpointConflictError);
        }
        await expect(
          peer.write(freshKey(), { position: '2024-01-01T05:00:00.000Z' }, '1'),
        ).rejects.toBeInstanceOf(CheckpointConflictError);
        expect((await store.read(key))?.state.position).toBe('2024-01-01T00:00:00.000Z');
      });

      it('lets exactly one of two concurrent writers with the same version win', async () => {
        const key = freshKey();
        const v1 = await store.write(key, { position: '2024-01-01T00:00:00.000Z' }, undefined);
        const results = await Promise.allSettled([
          store.write(key, { position: '2024-01-01T01:00:00.000Z' }, v1),
          peer.write(key, { position: '2024-01-01T02:00:00.000Z' }, v1),
        ]);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r) => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(CheckpointConflictError);
      });

      it(`lets exactly one of ${RACERS} concurrent writers on two instances win, and keeps the winner's state`, async () => {
        const key = freshKey();
        const v1 = await store.write(key, { position: '2024-01-01T00:00:00.000Z' }, undefined);
        const stateOf = (i: number) => richState(`2024-01-01T${String(i + 1).padStart(2, '0')}:00:00.000Z`);
        const winner = await exactlyOneWins((i) => racer(i).write(key, stateOf(i), v1));
        expect(await store.read(key)).toEqual({ state: stateOf(winner.index), version: winner.version });
        expect(await peer.read(key)).toEqual({ state: stateOf(winner.index), version: winner.version });
        // The losers' version is gone for good: a retry with it is refused too.
        await expect(peer.write(key, stateOf(0), v1)).rejects.toBeInstanceOf(CheckpointConflictError);
      });

      it(`lets exactly one of ${RACERS} concurrent creators win`, async () => {
        const key = freshKey();
        const stateOf = (i: number) => ({
          position: `2024-01-01T${String(i + 1).padStart(2, '0')}:00:00.000Z`,
        });
        const winner = await exactlyOneWins((i) => racer(i).write(key, stateOf(i), undefined));
        expect(await peer.read(key)).toEqual({ state: stateOf(winner.index), version: winner.version });
      });

      it('keeps one unbroken history under read-modify-write loops racing on two instances', async () => {
        const key = freshKey();
        const created = await store.write(key, { position: '2024-01-01T00:00:00.000Z' }, undefined);
        const wins: Array<{ over: string; version: string; state: StreamState }> = [];
        await Promise.all(
          Array.from({ length: 4 }, async (_, worker) => {
            for (let i = 0; i < 8; i++) {
              const current = await racer(worker).read(key);
              const state = {
                position: current!.state.position,
                lease: { owner: `w${worker}`, expiresAt: `${i}` },
              };
              try {
                const version = await racer(worker).write(key, state, current!.version);
                wins.push({ over: current!.version, version, state });
              } catch (error) {
                expect(error).toBeInstanceOf(CheckpointConflictError);
              }
            }
          }),
        );
        // Every win replaced the one before it: no two wins over one version, none over a version
        // that was refused, and the stored state is the last win's.
        const byOver = new Map(wins.map((win) => [win.over, win]));
        expect(byOver.size).toBe(wins.length);
        let last = { version: created, state: { position: '2024-01-01T00:00:00.000Z' } as StreamState };
        for (let next = byOver.get(created); next; next = byOver.get(next.version)) last = next;
        expect(wins).toContainEqual(expect.objectContaining({ version: last.version }));
        expect(await peer.read(key)).toEqual({ state: last.state, version: last.version });
        let length = 0;
        for (let next = byOver.get(created); next; next = byOver.get(next.version)) length++;
        expect(length).toBe(wins.length);
      });

      it('lists and deletes checkpoints', async () => {
        const key = freshKey();
        await store.write(key, { position: '2024-01-01T00:00:00.000Z' }, undefined);
        expect(await store.list(key.split('/')[0])).toContain(key);
        await store.delete(key);
        expect(await store.read(key)).toBeUndefined();
        expect(await peer.read(key)).toBeUndefined();
        expect(await store.list(key.split('/')[0])).not.toContain(key);
      });

      it('lists exactly the keys under a prefix, sorted', async () => {
        const tenant = freshTenant();
        const keys = [
          `${tenant}/monitor/Sessions`,
          `${tenant}/analytics/users`,
          `${tenant}/monitor/Machines`,
        ];
        for (const key of keys) await store.write(key, { position: '2024-01-01T00:00:00.000Z' }, undefined);
        expect(await peer.list(`${tenant}/`)).toEqual([...keys].sort());
        expect(await peer.list(`${tenant}/monitor/`)).toEqual([
          `${tenant}/monitor/Machines`,
          `${tenant}/monitor/Sessions`,
        ]);
        expect(await peer.list(`${tenant}-none`)).toEqual([]);
        expect(await peer.list()).toEqual(expect.arrayContaining(keys));
      });

      it('refuses, after a delete, a write over the version from before it; a create succeeds (no ABA)', async () => {
        const key = freshKey();
        const state = { position: '2024-01-01T00:00:00.000Z' };
        const v1 = await store.write(key, state, undefined);
        await store.delete(key);
        await expect(peer.write(key, state, v1)).rejects.toBeInstanceOf(CheckpointConflictError);
        expect(await store.read(key)).toBeUndefined();
        // The same state as before, created again: a new version, and the old one still never matches.
        const v2 = await peer.write(key, state, undefined);
        expect(v2).not.toBe(v1);
        expect(await store.read(key)).toEqual({ state, version: v2 });
        await expect(store.write(key, state, v1)).rejects.toBeInstanceOf(CheckpointConflictError);
        const v3 = await store.write(key, { position: '2024-01-01T01:00:00.000Z' }, v2);
        expect(await peer.read(key)).toEqual({
          state: { position: '2024-01-01T01:00:00.000Z' },
          version: v3,
        });
      });

      it('deletes a stream that was never written without complaint', async () => {
        const key = freshKey();
        await store.delete(key);
        expect(await store.read(key)).toBeUndefined();
        await store.write(key, { position: '2024-01-01T00:00:00.000Z' }, undefined);
      });
    });

    describe('window manifests (manifests)', () => {
      const FROM = new Date('2024-08-06T07:00:00.000Z');
      const manifest = (records: number): JsonRecord => ({
        tenant: 'acme',
        from: FROM.toISOString(),
        parts: Array.from({ length: records }, (_, seq) => ({
          seq,
          kind: 'records',
          records: 10,
          sha256: 'ab',
        })),
        digests: 'AAEC',
        nested: { list: [1, 'two', null, { three: [true] }], unicode: 'ü ✓' },
      });

      it('reads nothing for a window never written', async () => {
        expect(await store.manifests.read(manifestKey(freshKey(), FROM))).toBeUndefined();
      });

      it('creates, reads back exactly and advances with the returned version', async () => {
        const key = manifestKey(freshKey(), FROM);
        expect(key).toMatch(/\/2024-08-06T070000\.000Z$/);
        const v1 = await store.manifests.write(key, manifest(1), undefined);
        expect(await peer.manifests.read(key)).toEqual({ document: manifest(1), version: v1 });
        const v2 = await peer.manifests.write(key, manifest(2), v1);
        expect(v2).not.toBe(v1);
        expect(await store.manifests.read(key)).toEqual({ document: manifest(2), version: v2 });
      });

      it('refuses to create over an existing manifest, and a stale version', async () => {
        const key = manifestKey(freshKey(), FROM);
        const v1 = await store.manifests.write(key, manifest(1), undefined);
        await expect(peer.manifests.write(key, manifest(5), undefined)).rejects.toBeInstanceOf(
          CheckpointConflictError,
        );
        const v2 = await store.manifests.write(key, manifest(2), v1);
        await expect(peer.manifests.write(key, manifest(5), v1)).rejects.toBeInstanceOf(
          CheckpointConflictError,
        );
        expect(await store.manifests.read(key)).toEqual({ document: manifest(2), version: v2 });
      });

      it(`lets exactly one of ${RACERS} concurrent writers win, and keeps the winner's document`, async () => {
        const key = manifestKey(freshKey(), FROM);
        const v1 = await store.manifests.write(key, manifest(1), undefined);
        const winner = await exactlyOneWins((i) => racer(i).manifests.write(key, manifest(i + 2), v1));
        expect(await peer.manifests.read(key)).toEqual({
          document: manifest(winner.index + 2),
          version: winner.version,
        });
      });

      it('lists manifest keys under a prefix, sorted; the checkpoint list never shows them', async () => {
        const tenant = freshTenant();
        const stream = `${tenant}/monitor/Sessions`;
        const windows = [
          new Date('2024-08-06T08:00:00.000Z'),
          new Date('2024-08-06T07:00:00.000Z'),
          new Date('2024-08-06T07:30:00.000Z'),
        ];
        await store.write(stream, { position: '2024-08-06T07:00:00.000Z' }, undefined);
        for (const from of windows)
          await store.manifests.write(manifestKey(stream, from), manifest(1), undefined);
        await store.manifests.write(manifestKey(`${tenant}/monitor/Machines`, FROM), manifest(1), undefined);

        const keys = windows.map((from) => manifestKey(stream, from)).sort();
        expect(await peer.manifests.list(`${stream}/`)).toEqual(keys);
        expect(await peer.manifests.list(tenant)).toEqual(
          [manifestKey(`${tenant}/monitor/Machines`, FROM), ...keys].sort(),
        );
        expect(await peer.manifests.list()).toEqual(expect.arrayContaining(keys));
        expect(await peer.list(tenant)).toEqual([stream]);
        const all = await peer.list();
        expect(all).toContain(stream);
        for (const key of all) expect(key).not.toMatch(/_manifests|\/\d{4}-\d\d-\d\dT\d{6}\.\d{3}Z$/);
      });

      it('keeps manifests and checkpoints apart: deleting one leaves the other', async () => {
        const stream = freshKey();
        const key = manifestKey(stream, FROM);
        const cv = await store.write(stream, { position: '2024-08-06T07:00:00.000Z' }, undefined);
        const mv = await store.manifests.write(key, manifest(1), undefined);
        await store.delete(stream);
        expect(await peer.manifests.read(key)).toEqual({ document: manifest(1), version: mv });
        await store.write(stream, { position: '2024-08-06T07:00:00.000Z' }, undefined);
        await store.manifests.delete(key);
        expect(await peer.manifests.read(key)).toBeUndefined();
        expect((await peer.read(stream))?.version).not.toBe(cv);
        expect(await peer.read(stream)).toBeDefined();
      });

      it('deletes: read and list forget it, the old version never matches again, a create succeeds', async () => {
        const stream = freshKey();
        const key = manifestKey(stream, FROM);
        const v1 = await store.manifests.write(key, manifest(1), undefined);
        await store.manifests.delete(key);
        expect(await peer.manifests.read(key)).toBeUndefined();
        expect(await peer.manifests.list(stream)).toEqual([]);
        await expect(peer.manifests.write(key, manifest(1), v1)).rejects.toBeInstanceOf(
          CheckpointConflictError,
        );
        const v2 = await peer.manifests.write(key, manifest(1), undefined);
        expect(v2).not.toBe(v1);
        expect(await store.manifests.read(key)).toEqual({ document: manifest(1), version: v2 });
        expect(await store.manifests.list(stream)).toEqual([key]);
      });
    });
  });
}
