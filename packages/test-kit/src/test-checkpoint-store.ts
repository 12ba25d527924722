/** The conformance suite every checkpoint store runs: conditional writes are the heart of it. */
import { CheckpointConflictError, type CheckpointStore } from '@ctxsiem/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

export interface TestCheckpointStoreOptions {
  name: string;
  create: () => Promise<{ store: CheckpointStore; cleanup?: () => Promise<void> }>;
  /** A second store instance on the same backing storage (another runner). Defaults to `create`'s store. */
  createPeer?: () => Promise<CheckpointStore>;
}

export function testCheckpointStore(options: TestCheckpointStoreOptions): void {
  describe(`checkpoint store conformance: ${options.name}`, () => {
    let store: CheckpointStore;
    let peer: CheckpointStore;
    let cleanup: (() => Promise<void>) | undefined;
    let n = 0;
    const freshKey = () => `tenant-${process.pid}/monitor/Stream${++n}`;

    beforeAll(async () => {
      const created = await options.create();
      store = created.store;
      cleanup = created.cleanup;
      peer = options.createPeer ? await options.createPeer() : store;
    });
    afterAll(async () => {
      await cleanup?.();
    });

    it('reads nothing for a stream never written', async () => {
      expect(await store.read(freshKey())).toBeUndefined();
    });

    it('creates, reads back and advances with the returned version', async () => {
      const key = freshKey();
      const v1 = await store.write(key, { position: '2024-08-06T07:00:00.000Z' }, undefined);
      expect(await store.read(key)).toEqual({ state: { position: '2024-08-06T07:00:00.000Z' }, version: v1 });
      const state = {
        position: '2024-08-06T07:00:00.000Z',
        window: { to: '2024-08-06T08:00:00.000Z', resume: 'p2', seq: 2 },
      };
      const v2 = await store.write(key, state, v1);
      expect(v2).not.toBe(v1);
      expect(await peer.read(key)).toEqual({ state, version: v2 });
    });

    it('refuses to create over an existing checkpoint', async () => {
      const key = freshKey();
      await store.write(key, { position: '2024-01-01T00:00:00.000Z' }, undefined);
      await expect(
        peer.write(key, { position: '2024-01-01T01:00:00.000Z' }, undefined),
      ).rejects.toBeInstanceOf(CheckpointConflictError);
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

    it('lists and deletes checkpoints', async () => {
      const key = freshKey();
      await store.write(key, { position: '2024-01-01T00:00:00.000Z' }, undefined);
      expect(await store.list(key.split('/')[0])).toContain(key);
      await store.delete(key);
      expect(await store.read(key)).toBeUndefined();
    });
  });
}
