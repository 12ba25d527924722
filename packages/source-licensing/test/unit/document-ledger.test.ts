/**
 * The ledger of received documents on the file checkpoint store's documents (conditional writes): a
 * content assigned once whatever name it comes under, versions per name, a window's documents in the
 * order received, listings remembered, and two runners that receive at once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DocumentStore } from '@ctxsiem/core';
import { fileCheckpointStore } from '@ctxsiem/sink-file';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DocumentLedger } from '../../src/document-ledger.ts';

const KEY = 'acme/licensing/telemetry';
const W1 = new Date('2026-03-14T00:00:00Z');
const W2 = new Date('2026-03-15T00:00:00Z');
const APRIL = new Date('2026-04-01T00:00:00Z');
const NOW = new Date('2026-03-15T08:00:00Z');
const doc = (name: string, sha256: string, stamp = `s-${name}-${sha256}`) => ({
  name,
  sha256,
  size: 10,
  stamp,
});

let directory: string;
let store: DocumentStore;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'ctxsiem-ledger-'));
  store = fileCheckpointStore({ directory }).manifests;
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('the document ledger', () => {
  it('assigns each content once, numbers versions per name, and lists a window in the order received', async () => {
    const ledger = await DocumentLedger.open(store, KEY);
    const first = await ledger.assign(
      W1,
      [doc('b.json', 'x1'), doc('a.xml', 'y1'), doc('copy.json', 'x1')],
      NOW,
    );
    expect(first.map((e) => [e.name, e.version, e.window])).toEqual([
      ['b.json', 1, W1.toISOString()],
      ['a.xml', 1, W1.toISOString()],
    ]);
    await ledger.assign(W2, [doc('b.json', 'x2'), doc('a.xml', 'y1', 'touched')], NOW);
    await ledger.assign(APRIL, [doc('b.json', 'x3')], NOW);

    const reopened = await DocumentLedger.open(store, KEY);
    expect(reopened.documentsOf(W1).map((e) => e.name)).toEqual(['b.json', 'a.xml']);
    expect(reopened.documentsOf(W2).map((e) => [e.name, e.version])).toEqual([['b.json', 2]]);
    expect(reopened.documentsOf(APRIL).map((e) => [e.name, e.version])).toEqual([['b.json', 3]]);
    expect(reopened.withContent('y1')?.name).toBe('a.xml');
    expect(reopened.sameListing('b.json', 's-b.json-x2')).toBe(true);
    expect(reopened.sameListing('b.json', 's-b.json-x9')).toBe(false);
    expect(await store.list(`${KEY}/_documents/`)).toEqual([
      `${KEY}/_documents/2026-03`,
      `${KEY}/_documents/2026-04`,
    ]);
  });

  it('remembers a listing whose content it has, so it is not hashed again', async () => {
    const ledger = await DocumentLedger.open(store, KEY);
    await ledger.assign(W1, [doc('a.xml', 'y1')], NOW);
    expect(ledger.sameListing('copy.xml', 'c1')).toBe(false);
    expect(await ledger.assign(W2, [], NOW, [{ name: 'copy.xml', stamp: 'c1', sha256: 'y1' }])).toEqual([]);
    const reopened = await DocumentLedger.open(store, KEY);
    expect(reopened.sameListing('copy.xml', 'c1')).toBe(true);
    expect(reopened.documentsOf(W2)).toEqual([]);
  });

  it('lets two runners that received the same content at once assign it once, each keeping what only it had', async () => {
    const live = await DocumentLedger.open(store, KEY);
    const backfill = await DocumentLedger.open(store, KEY);
    await live.assign(W2, [doc('a.xml', 'y1'), doc('b.json', 'x1')], NOW);
    const late = await backfill.assign(W1, [doc('b.json', 'x1'), doc('c.json', 'z1')], NOW);
    expect(late.map((e) => e.name)).toEqual(['c.json']);
    const reopened = await DocumentLedger.open(store, KEY);
    expect(reopened.documentsOf(W2).map((e) => e.name)).toEqual(['a.xml', 'b.json']);
    expect(reopened.documentsOf(W1).map((e) => e.name)).toEqual(['c.json']);
  });
});
