import { describe, expect, it } from 'vitest';
import {
  CheckpointConflictError,
  CtxsiemError,
  checkpointKeysOf,
  checkpointObjectName,
  checkpointObjects,
  encodeCheckpointDocument,
  LEGACY_VERSION,
  newCheckpointDocument,
  type ObjectText,
} from '../src/index.ts';

const KEY = 'acme/monitor/Sessions';

describe('checkpoint object names', () => {
  it('puts a key at {prefix}/{key}.json, with or without slashes around the prefix', () => {
    expect(checkpointObjectName('_state', KEY)).toBe(`_state/${KEY}.json`);
    expect(checkpointObjectName('/citrix_monitor/_state/', KEY)).toBe(`citrix_monitor/_state/${KEY}.json`);
    expect(checkpointObjectName('', KEY)).toBe(`${KEY}.json`);
  });

  it('refuses keys that are not plain paths', () => {
    for (const key of ['acme/../x', './acme', 'acme//x', '', 'acme/']) {
      expect(() => checkpointObjectName('_state', key)).toThrow(CtxsiemError);
      expect(() => checkpointObjectName('_state', key)).toThrow(/not a plain path/);
    }
  });

  it('reads the keys back from listed names, sorted, ignoring what is not a checkpoint', () => {
    const names = ['_state/b/monitor/X.json', '_state/a/monitor/Y.json', '_state/notes.txt', 'other/z.json'];
    expect(checkpointKeysOf('/_state/', names)).toEqual(['a/monitor/Y', 'b/monitor/X']);
    expect(checkpointKeysOf('', ['a/b.json'])).toEqual(['a/b']);
  });
});

describe('checkpointObjects', () => {
  /** An in-memory bucket standing in for the service's "get the object's text and version". */
  function bucket(objects: Record<string, string>) {
    const reads: string[] = [];
    const readObject = async (name: string): Promise<ObjectText | undefined> => {
      reads.push(name);
      const text = objects[name];
      return text === undefined ? undefined : { text, version: `v-${name}` };
    };
    return { reads, readObject, location: (name: string) => `mem://b/${name}`, versionName: 'generation' };
  }
  const LEGACY_KEY = 'citrix_monitor/state.json';
  const document = newCheckpointDocument({ position: '2024-08-06T12:00:00.000Z' });
  const stored = `citrix_monitor/_state/${KEY}.json`;

  it("reads a stream's own checkpoint with its object's version, and prefers it over the seed state", async () => {
    const mem = bucket({
      [stored]: encodeCheckpointDocument(document),
      [LEGACY_KEY]: '{"last_hour_utc":"2024-08-06T07:00:00Z"}',
    });
    const objects = checkpointObjects({ prefix: 'citrix_monitor/_state', legacyKey: LEGACY_KEY, ...mem });
    expect(objects.objectName(KEY)).toBe(stored);
    expect(await objects.load(KEY)).toEqual({ document, version: `v-${stored}` });
    expect(await objects.read(KEY)).toEqual({ state: document.state, version: `v-${stored}` });
  });

  it("continues a stream without an object at the hour after the seed's state", async () => {
    const mem = bucket({ [LEGACY_KEY]: '{"last_hour_utc":"2024-08-06T07:00:00Z"}' });
    const objects = checkpointObjects({ prefix: 'citrix_monitor/_state', legacyKey: LEGACY_KEY, ...mem });
    expect(await objects.load(KEY)).toBeUndefined();
    expect(await objects.read(KEY)).toEqual({
      state: { position: '2024-08-06T08:00:00.000Z' },
      version: LEGACY_VERSION,
    });
    expect(mem.reads).toEqual([stored, stored, LEGACY_KEY]);
  });

  it('reads nothing without an object and without a legacyKey or seed state, never touching other objects', async () => {
    const mem = bucket({});
    expect(await checkpointObjects({ prefix: '_state', ...mem }).read(KEY)).toBeUndefined();
    expect(
      await checkpointObjects({ prefix: '_state', legacyKey: LEGACY_KEY, ...mem }).read(KEY),
    ).toBeUndefined();
    expect(mem.reads).toEqual([`_state/${KEY}.json`, `_state/${KEY}.json`, LEGACY_KEY]);
  });

  it('names the object when it is not a checkpoint, or the seed state is not JSON', async () => {
    const broken = bucket({ [`_state/${KEY}.json`]: '{"hello":1}', [LEGACY_KEY]: 'not json' });
    await expect(checkpointObjects({ prefix: '_state', ...broken }).read(KEY)).rejects.toThrow(
      `checkpoint mem://b/_state/${KEY}.json is not a ctxsiem checkpoint`,
    );
    await expect(
      checkpointObjects({ prefix: 'elsewhere', legacyKey: LEGACY_KEY, ...broken }).read(KEY),
    ).rejects.toThrow(`the seed's state mem://b/${LEGACY_KEY} (legacyKey) is not JSON`);
  });

  it('prepares a write: the object, a fresh document, create-only or over the given version', () => {
    const objects = checkpointObjects({ prefix: '_state', legacyKey: LEGACY_KEY, ...bucket({}) });
    const state = { position: '2024-08-06T09:00:00.000Z' };
    const create = objects.prepareWrite(KEY, state, undefined);
    expect(create).toMatchObject({ name: `_state/${KEY}.json`, create: true });
    expect(JSON.parse(create.body)).toMatchObject({
      state,
      writeId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(objects.prepareWrite(KEY, state, LEGACY_VERSION)).toMatchObject({ create: true });
    expect(objects.prepareWrite(KEY, state, '7')).toMatchObject({ create: false, ifVersion: '7' });
    expect(objects.prepareWrite(KEY, state, '7').body).not.toBe(objects.prepareWrite(KEY, state, '7').body);
    expect(() => objects.prepareWrite('acme/../x', state, undefined)).toThrow(/not a plain path/);
  });

  it('settles a refused write by reading back: our own document is success, anything else a conflict', async () => {
    const objects: Record<string, string> = {};
    const mem = bucket(objects);
    const store = checkpointObjects({ prefix: '_state', ...mem });
    const write = store.prepareWrite(KEY, { position: '2024-08-06T09:00:00.000Z' }, '7');

    objects[`_state/${KEY}.json`] = write.body;
    expect(await write.refused(new Error('412'))).toBe(`v-_state/${KEY}.json`);

    objects[`_state/${KEY}.json`] = encodeCheckpointDocument(newCheckpointDocument({ position: 'x' }));
    const lost = write.refused(new Error('412'));
    await expect(lost).rejects.toBeInstanceOf(CheckpointConflictError);
    await expect(lost).rejects.toThrow(
      `expected generation 7 of mem://b/_state/${KEY}.json, found generation v-_state/${KEY}.json`,
    );
  });

  it('lists under the prefix and reads keys back from what was listed', () => {
    const objects = checkpointObjects({ prefix: '/citrix_monitor/_state/', ...bucket({}) });
    expect(objects.listPrefix('acme/monitor')).toBe('citrix_monitor/_state/acme/monitor');
    expect(objects.keysOf([`citrix_monitor/_state/${KEY}.json`, 'citrix_monitor/_state/x.txt'])).toEqual([
      KEY,
    ]);
  });
});
