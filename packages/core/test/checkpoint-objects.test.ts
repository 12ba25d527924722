import { describe, expect, it } from 'vitest';
import {
  CheckpointConflictError,
  CtxsiemError,
  checkpointKeysOf,
  checkpointObjectName,
  checkpointObjects,
  encodeCheckpointDocument,
  LEGACY_VERSION,
  MANIFESTS_FOLDER,
  manifestKey,
  manifestObjectName,
  manifestObjects,
  newCheckpointDocument,
  type ObjectBucket,
  type ObjectText,
  objectCheckpointStore,
  type PutOutcome,
  type WriteCondition,
} from '../src/index.ts';

const KEY = 'acme/monitor/Sessions';

describe('checkpoint object names', () => {
  it('puts a key at {prefix}/{key}.json, with or without slashes around the prefix', () => {
    expect(checkpointObjectName('_state', KEY)).toBe(`_state/${KEY}.json`);
    expect(checkpointObjectName('/citrix_monitor/_state/', KEY)).toBe(`citrix_monitor/_state/${KEY}.json`);
    expect(checkpointObjectName('', KEY)).toBe(`${KEY}.json`);
  });

  it("refuses keys that are not plain paths, and keys in the manifests' folder", () => {
    for (const key of ['acme/../x', './acme', 'acme//x', '', 'acme/']) {
      expect(() => checkpointObjectName('_state', key)).toThrow(CtxsiemError);
      expect(() => checkpointObjectName('_state', key)).toThrow(/not a plain path/);
    }
    expect(() => checkpointObjectName('_state', '_manifests/monitor/X')).toThrow(
      'checkpoint key "_manifests/monitor/X" starts with "_manifests/", which is reserved',
    );
    expect(checkpointObjectName('_state', 'acme/_manifests/X')).toBe('_state/acme/_manifests/X.json');
  });

  it('reads the keys back from listed names, sorted, ignoring what is not a checkpoint', () => {
    const names = [
      '_state/b/monitor/X.json',
      '_state/a/monitor/Y.json',
      '_state/notes.txt',
      'other/z.json',
      `_state/_manifests/a/monitor/Y/2024-08-06T070000.000Z.json`,
    ];
    expect(checkpointKeysOf('/_state/', names)).toEqual(['a/monitor/Y', 'b/monitor/X']);
    expect(checkpointKeysOf('', ['a/b.json', '_manifests/a/b/c.json'])).toEqual(['a/b']);
  });

  it('puts a manifest at {prefix}/_manifests/{key}.json', () => {
    const key = manifestKey(KEY, new Date('2024-08-06T07:00:00Z'));
    expect(MANIFESTS_FOLDER).toBe('_manifests');
    expect(manifestObjectName('/citrix/_state/', key)).toBe(
      `citrix/_state/_manifests/${KEY}/2024-08-06T070000.000Z.json`,
    );
    expect(manifestObjectName('', key)).toBe(`_manifests/${KEY}/2024-08-06T070000.000Z.json`);
    expect(() => manifestObjectName('_state', `${KEY}/../x`)).toThrow('manifest key');
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

describe('manifestObjects', () => {
  const KEY_M = manifestKey(KEY, new Date('2024-08-06T07:00:00Z'));
  const NAME = `_state/_manifests/${KEY_M}.json`;
  const memory = (objects: Record<string, string>) => ({
    location: (name: string) => `mem://b/${name}`,
    versionName: 'generation',
    readObject: async (name: string): Promise<ObjectText | undefined> =>
      objects[name] === undefined ? undefined : { text: objects[name], version: `v-${name}` },
  });

  it('reads the document under _manifests/ and lists manifest keys', async () => {
    const manifests = manifestObjects({
      prefix: '_state',
      ...memory({ [NAME]: JSON.stringify({ document: { parts: [1] }, writeId: 'w', writtenAt: 'now' }) }),
    });
    expect(manifests.objectName(KEY_M)).toBe(NAME);
    expect(await manifests.read(KEY_M)).toEqual({ content: { parts: [1] }, version: `v-${NAME}` });
    expect(manifests.listPrefix('acme/')).toBe('_state/_manifests/acme/');
    expect(manifests.keysOf([NAME, '_state/acme/monitor/Sessions.json'])).toEqual([KEY_M]);
  });

  it('names the object when it is not a manifest', async () => {
    const manifests = manifestObjects({ prefix: '_state', ...memory({ [NAME]: '[1, 2]' }) });
    await expect(manifests.read(KEY_M)).rejects.toThrow(
      `manifest mem://b/${NAME} is not a ctxsiem manifest (it is not a JSON object)`,
    );
  });

  it('creates only with no version; there is no seed fallback and no legacy version', () => {
    const manifests = manifestObjects({ prefix: '_state', ...memory({}) });
    expect(manifests.prepareWrite(KEY_M, {}, undefined)).toMatchObject({ create: true });
    expect(manifests.prepareWrite(KEY_M, {}, LEGACY_VERSION)).toMatchObject({
      create: false,
      ifVersion: LEGACY_VERSION,
    });
    expect(JSON.parse(manifests.prepareWrite(KEY_M, { a: [1] }, '3').body)).toMatchObject({
      document: { a: [1] },
    });
  });
});

describe("objectCheckpointStore over a service's requests", () => {
  /**
   * An in-memory service with conditional puts: versions never repeat (a counter, like generations).
   * `loseResponses` makes the next puts land but answer a refusal, like a retried request whose
   * first attempt succeeded.
   */
  function memoryBucket() {
    const objects = new Map<string, { text: string; version: string }>();
    let counter = 0;
    const calls: string[] = [];
    let loseResponses = 0;
    const bucket: ObjectBucket = {
      versionName: 'generation',
      location: (name) => `mem://b/${name}`,
      async get(name, noun) {
        calls.push(`get ${noun} ${name}`);
        return objects.get(name);
      },
      async put(name, body, condition: WriteCondition, noun): Promise<PutOutcome> {
        calls.push(`put ${noun} ${name}`);
        const current = objects.get(name);
        const ok = condition.create ? !current : current?.version === condition.ifVersion;
        if (!ok) return { refused: new Error('412') };
        const version = String(++counter);
        objects.set(name, { text: body, version });
        if (loseResponses > 0) {
          loseResponses--;
          return { refused: new Error('412 on retry') };
        }
        return { version };
      },
      async delete(name, noun) {
        calls.push(`delete ${noun} ${name}`);
        objects.delete(name);
      },
      async list(prefix, noun) {
        calls.push(`list ${noun} ${prefix}`);
        return [...objects.keys()].filter((name) => name.startsWith(prefix));
      },
    };
    return {
      bucket,
      objects,
      calls,
      loseNextResponse: () => {
        loseResponses++;
      },
    };
  }
  const MKEY = manifestKey(KEY, new Date('2024-08-06T07:00:00Z'));

  it('keeps checkpoints at {prefix}/{key}.json and manifests at {prefix}/_manifests/{key}.json', async () => {
    const mem = memoryBucket();
    const store = objectCheckpointStore({ type: 'mem', prefix: '_state', bucket: mem.bucket });
    const cv = await store.write(KEY, { position: 'p' }, undefined);
    const mv = await store.manifests.write(MKEY, { parts: [] }, undefined);
    expect([...mem.objects.keys()].sort()).toEqual([`_state/_manifests/${MKEY}.json`, `_state/${KEY}.json`]);
    expect(JSON.parse(mem.objects.get(`_state/_manifests/${MKEY}.json`)!.text)).toMatchObject({
      document: { parts: [] },
      writeId: expect.any(String),
      writtenAt: expect.any(String),
    });
    expect(await store.read(KEY)).toEqual({ state: { position: 'p' }, version: cv });
    expect(await store.manifests.read(MKEY)).toEqual({ document: { parts: [] }, version: mv });
    expect(store.type).toBe('mem');
    expect(store.objectName(KEY)).toBe(`_state/${KEY}.json`);
    expect(store.manifestObjectName(MKEY)).toBe(`_state/_manifests/${MKEY}.json`);
    expect(mem.calls).toContain(`put manifest _state/_manifests/${MKEY}.json`);
    expect(mem.calls).toContain(`put checkpoint _state/${KEY}.json`);
  });

  it('never lists manifests as checkpoints, nor checkpoints as manifests', async () => {
    const { bucket } = memoryBucket();
    const store = objectCheckpointStore({ type: 'mem', prefix: '', bucket });
    await store.write(KEY, { position: 'p' }, undefined);
    await store.manifests.write(MKEY, {}, undefined);
    await store.manifests.write(manifestKey('acme/monitor/Machines', new Date(0)), {}, undefined);
    expect(await store.list()).toEqual([KEY]);
    expect(await store.list('acme')).toEqual([KEY]);
    expect(await store.list('_')).toEqual([]);
    expect(await store.manifests.list(`${KEY}/`)).toEqual([MKEY]);
    expect(await store.manifests.list()).toEqual(['acme/monitor/Machines/1970-01-01T000000.000Z', MKEY]);
  });

  it('applies the seed state to checkpoints only, never to manifests', async () => {
    const mem = memoryBucket();
    mem.objects.set('state.json', { text: '{"last_hour_utc":"2024-08-06T07:00:00Z"}', version: '0' });
    const store = objectCheckpointStore({
      type: 'mem',
      prefix: '_state',
      legacyKey: 'state.json',
      bucket: mem.bucket,
    });
    expect(await store.read(KEY)).toEqual({
      state: { position: '2024-08-06T08:00:00.000Z' },
      version: LEGACY_VERSION,
    });
    expect(await store.manifests.read(MKEY)).toBeUndefined();
    await expect(store.manifests.write(MKEY, {}, LEGACY_VERSION)).rejects.toBeInstanceOf(
      CheckpointConflictError,
    );
    expect(await store.manifests.list()).toEqual([]);
    // The seed's object lies outside the prefix and is never listed or changed.
    expect(await store.list()).toEqual([]);
    await store.write(KEY, { position: '2024-08-06T09:00:00.000Z' }, LEGACY_VERSION);
    expect(mem.objects.get('state.json')?.version).toBe('0');
  });

  it('refuses stale, deleted and create-over-existing writes of both, with the object named', async () => {
    const { bucket } = memoryBucket();
    const store = objectCheckpointStore({ type: 'mem', prefix: '_state', bucket });
    const v1 = await store.manifests.write(MKEY, { n: 1 }, undefined);
    await store.manifests.write(MKEY, { n: 2 }, v1);
    const stale = store.manifests.write(MKEY, { n: 3 }, v1);
    await expect(stale).rejects.toBeInstanceOf(CheckpointConflictError);
    await expect(stale).rejects.toThrow(
      `expected generation ${v1} of mem://b/_state/_manifests/${MKEY}.json`,
    );
    await expect(store.manifests.write(MKEY, { n: 3 }, undefined)).rejects.toThrow('already exists');
    await store.manifests.delete(MKEY);
    await expect(store.manifests.write(MKEY, { n: 3 }, v1)).rejects.toThrow('it was deleted');
    await store.manifests.write(MKEY, { n: 3 }, undefined);
  });

  it('recognises its own retried write of a manifest or a checkpoint', async () => {
    const mem = memoryBucket();
    const store = objectCheckpointStore({ type: 'mem', prefix: '_state', bucket: mem.bucket });
    mem.loseNextResponse();
    const v1 = await store.manifests.write(MKEY, { n: 1 }, undefined);
    expect(await store.manifests.read(MKEY)).toEqual({ document: { n: 1 }, version: v1 });
    mem.loseNextResponse();
    const c1 = await store.write(KEY, { position: 'p' }, undefined);
    expect(await store.read(KEY)).toEqual({ state: { position: 'p' }, version: c1 });
  });

  it('names the object when a stored manifest is not a JSON object', async () => {
    const mem = memoryBucket();
    const store = objectCheckpointStore({ type: 'mem', prefix: '_state', bucket: mem.bucket });
    mem.objects.set(`_state/_manifests/${MKEY}.json`, { text: '[]', version: '9' });
    await expect(store.manifests.read(MKEY)).rejects.toThrow(
      `manifest mem://b/_state/_manifests/${MKEY}.json is not a ctxsiem manifest (it is not a JSON object)`,
    );
  });
});
