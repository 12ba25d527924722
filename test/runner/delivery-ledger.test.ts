/**
 * The delivery ledger of SIEM API sinks, on the file checkpoint store's documents: a part is opened
 * once per content, goes through its requests, is recognised on retry and refused with other content,
 * and says which records' digests were delivered (all, some, or none of them).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CheckpointStore,
  checkpointKey,
  DeliveryLedger,
  manifestKey,
  PartExistsError,
  type PartName,
  recordDigest,
  StoredManifest,
} from '@ctxsiem/core';
import { fileCheckpointStore } from '@ctxsiem/sink-file';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const WINDOW = { from: new Date('2024-08-06T07:00:00Z'), to: new Date('2024-08-06T08:00:00Z') };
const part = (seq: number): PartName => ({
  tenant: 'acme',
  source: 'monitor',
  stream: 'Sessions',
  window: WINDOW,
  seq,
  kind: 'records',
});
const digests = Array.from({ length: 10 }, (_, i) => recordDigest({ id: i }));
const plan = (sha256 = 'a'.repeat(64)) => ({ location: 'api://x', sha256, digests, ends: [4, 7, 10] });

let dir: string;
let store: CheckpointStore;
let ledger: DeliveryLedger;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctxsiem-ledger-'));
  store = fileCheckpointStore({ directory: dir });
  ledger = new DeliveryLedger(store.manifests);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('delivery ledger', () => {
  it('sends each request once: a retry resumes with what was not accepted', async () => {
    const first = await ledger.open(part(0), plan());
    expect(first.resumed).toBe(false);
    expect(first.pending().map((r) => [r.start, r.end])).toEqual([
      [0, 4],
      [4, 7],
      [7, 10],
    ]);
    expect(await ledger.delivered(part(0))).toBeUndefined();
    await first.accept(0);
    await first.accept(2);
    expect(await ledger.delivered(part(0))).toEqual([...digests.slice(0, 4), ...digests.slice(7)]);

    const retry = await ledger.open(part(0), plan());
    expect(retry.resumed).toBe(true);
    expect(retry.complete).toBe(false);
    expect(retry.pending().map((r) => r.index)).toEqual([1]);
    await retry.accept(1);
    expect(retry.complete).toBe(true);
    expect(await ledger.delivered(part(0))).toEqual(digests);
  });

  it('keeps a request the API refused for its records: never pending again, not delivered, not cut again', async () => {
    const part0 = await ledger.open(part(3), plan());
    await part0.refuse(0, 'SecOps refused the request (400: inlineSource.logs[1]: bad)');
    await part0.accept(1);
    const retry = await ledger.open(part(3), plan());
    expect(retry.pending().map((r) => r.index)).toEqual([2]);
    expect(retry.refusedRecords()).toEqual([
      { start: 0, end: 4, reason: 'SecOps refused the request (400: inlineSource.logs[1]: bad)' },
    ]);
    // The unsent rest starts after the answered requests: cutting it again keeps the refused one.
    expect(retry.unsentFrom()).toBe(7);
    await retry.recut([8, 10]);
    expect(retry.pending().map((r) => [r.start, r.end])).toEqual([
      [7, 8],
      [8, 10],
    ]);
    expect(retry.refusedRecords()).toHaveLength(1);
    expect(await ledger.delivered(part(3))).toEqual(digests.slice(4, 7));
  });

  it('refuses other content at a part it delivered, and keeps parts and replays apart', async () => {
    await ledger.open(part(1), plan());
    await expect(ledger.open(part(1), plan('b'.repeat(64)))).rejects.toBeInstanceOf(PartExistsError);
    const replay = { ...part(1), replay: 0 };
    expect((await ledger.open(replay, plan('b'.repeat(64)))).resumed).toBe(false);
    expect(DeliveryLedger.keyOf(replay)).not.toBe(DeliveryLedger.keyOf(part(1)));
  });

  it("lives under the window's manifest: deleting the manifest deletes it", async () => {
    const key = manifestKey(checkpointKey('acme', 'monitor', 'Sessions'), WINDOW.from);
    expect(DeliveryLedger.keyOf(part(2)).startsWith(`${key}/`)).toBe(true);
    const opened = await ledger.open(part(2), plan());
    await opened.accept(0);
    const manifest = await StoredManifest.load(store.manifests, key, {
      tenant: 'acme',
      source: 'monitor',
      stream: 'Sessions',
      window: WINDOW,
    });
    await manifest.manifest.addPart({ seq: 2, kind: 'records', records: 4 }, digests.slice(0, 4));
    await manifest.save();
    await manifest.delete();
    expect(await store.manifests.list('acme/')).toEqual([]);
    expect(await ledger.delivered(part(2))).toBeUndefined();
  });
});
