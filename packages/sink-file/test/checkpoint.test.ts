import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CheckpointConflictError, ConfigError, CtxsiemError, manifestKey } from '@ctxsiem/core';
import { testCheckpointStore } from '@ctxsiem/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { FileCheckpointConfigSchema, fileCheckpointStore } from '../src/index.ts';

let directory = '';
testCheckpointStore({
  name: 'file',
  async create() {
    directory = await mkdtemp(join(tmpdir(), 'ctxsiem-file-state-'));
    return {
      store: fileCheckpointStore({ directory }),
      cleanup: () => rm(directory, { recursive: true, force: true }),
    };
  },
  createPeer: async () => fileCheckpointStore({ directory }),
});

const KEY = 'acme/monitor/Sessions';
const A = { position: '2024-08-06T07:00:00.000Z' };
const B = { position: '2024-08-06T08:00:00.000Z' };
const C = { position: '2024-08-06T09:00:00.000Z' };

const folders: string[] = [];
async function folder(): Promise<string> {
  const path = await mkdtemp(join(tmpdir(), 'ctxsiem-file-cp-'));
  folders.push(path);
  return path;
}
afterEach(async () => {
  await Promise.all(folders.splice(0).map((path) => rm(path, { recursive: true, force: true })));
});

const json = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
const names = async (path: string) => (await readdir(path)).sort();

describe('file checkpoint layout: versioned files', () => {
  it('keeps version N at {key}.v{N}.json with {version, writeId, writtenAt, state}; the version is N:writeId', async () => {
    const dir = await folder();
    const store = fileCheckpointStore({ directory: dir });
    const v1 = await store.write(KEY, A, undefined);
    expect(v1).toMatch(/^1:[0-9a-f-]{36}$/);
    const stored = await json(join(dir, 'acme/monitor/Sessions.v1.json'));
    expect(stored).toEqual({
      version: 1,
      writeId: v1.slice(2),
      writtenAt: expect.any(String),
      history: [],
      state: A,
    });
    expect(Number.isNaN(Date.parse(stored.writtenAt as string))).toBe(false);

    const v2 = await store.write(KEY, B, v1);
    expect(v2).toMatch(/^2:/);
    expect(await json(join(dir, 'acme/monitor/Sessions.v2.json'))).toMatchObject({
      version: 2,
      history: [v1],
    });
    // Older versions are cleaned up; no temporary file is left behind.
    expect(await names(join(dir, 'acme/monitor'))).toEqual(['Sessions.v2.json']);
    expect(await store.read(KEY)).toEqual({ state: B, version: v2 });
  });

  it('records the versions each one was written over, newest first, at most 32', async () => {
    const dir = await folder();
    const store = fileCheckpointStore({ directory: dir });
    const versions = [await store.write(KEY, A, undefined)];
    for (let i = 0; i < 40; i++) versions.push(await store.write(KEY, A, versions.at(-1)));
    const stored = await json(join(dir, `acme/monitor/Sessions.v${versions.length}.json`));
    expect(stored.history).toEqual(versions.slice(0, -1).reverse().slice(0, 32));
  });

  it('deletes by writing a tombstone: counters never restart, a create over it succeeds', async () => {
    const dir = await folder();
    const store = fileCheckpointStore({ directory: dir });
    const v1 = await store.write(KEY, A, undefined);
    const v2 = await store.write(KEY, B, v1);
    await store.delete(KEY);
    expect(await names(join(dir, 'acme/monitor'))).toEqual(['Sessions.v3.json']);
    expect(await json(join(dir, 'acme/monitor/Sessions.v3.json'))).toMatchObject({
      version: 3,
      deleted: true,
    });
    expect(await store.read(KEY)).toBeUndefined();
    expect(await store.list()).toEqual([]);
    await store.delete(KEY); // already deleted: nothing more to write
    expect(await names(join(dir, 'acme/monitor'))).toEqual(['Sessions.v3.json']);

    const deleted = store.write(KEY, A, v2);
    await expect(deleted).rejects.toBeInstanceOf(CheckpointConflictError);
    await expect(deleted).rejects.toThrow(/it was deleted/);
    const v4 = await store.write(KEY, A, undefined);
    expect(v4).toMatch(/^4:/);
    expect(await store.read(KEY)).toEqual({ state: A, version: v4 });
  });

  it('refuses a version whose number matches but whose write id does not (a folder wiped and rewritten)', async () => {
    const dir = await folder();
    const store = fileCheckpointStore({ directory: dir });
    const old = await store.write(KEY, A, undefined);
    await rm(join(dir, 'acme'), { recursive: true });
    const fresh = await store.write(KEY, B, undefined);
    expect(fresh.split(':')[0]).toBe(old.split(':')[0]);
    await expect(store.write(KEY, C, old)).rejects.toThrow(`expected version ${old}, found ${fresh}`);
  });

  it('writes over its own last version only while that version is current (the quick check of it)', async () => {
    const dir = await folder();
    const mine = fileCheckpointStore({ directory: dir });
    const other = fileCheckpointStore({ directory: dir });
    const v1 = await mine.write(KEY, A, undefined);
    const v2 = await mine.write(KEY, B, v1);
    // Another runner wrote over it: the write over the version this store remembers is a conflict.
    const theirs = await other.write(KEY, C, v2);
    await expect(mine.write(KEY, A, v2)).rejects.toBeInstanceOf(CheckpointConflictError);
    expect(await mine.read(KEY)).toEqual({ state: C, version: theirs });
    // The folder wiped and written again up to the same number by another runner: another write id.
    const v4 = await mine.write(KEY, A, theirs);
    await rm(join(dir, 'acme'), { recursive: true });
    const fresh1 = await other.write(KEY, A, undefined);
    const fresh2 = await other.write(KEY, B, fresh1);
    const fresh3 = await other.write(KEY, C, fresh2);
    const fresh4 = await other.write(KEY, A, fresh3);
    expect(fresh4.split(':')[0]).toBe(v4.split(':')[0]);
    await expect(mine.write(KEY, B, v4)).rejects.toThrow(`expected version ${v4}, found ${fresh4}`);
    // A tombstone another runner wrote over it.
    const mineAgain = await mine.write(KEY, B, fresh4);
    await other.delete(KEY);
    await expect(mine.write(KEY, C, mineAgain)).rejects.toThrow(/it was deleted/);
    expect(await mine.read(KEY)).toBeUndefined();
  });

  it('keeps window manifests under _manifests/, apart from the checkpoints', async () => {
    const dir = await folder();
    const store = fileCheckpointStore({ directory: dir });
    const key = manifestKey(KEY, new Date('2024-08-06T07:00:00Z'));
    const version = await store.manifests.write(key, { parts: [], digests: '' }, undefined);
    expect(await json(join(dir, '_manifests/acme/monitor/Sessions/2024-08-06T070000.000Z.v1.json'))).toEqual({
      version: 1,
      writeId: version.slice(2),
      writtenAt: expect.any(String),
      history: [],
      document: { parts: [], digests: '' },
    });
    expect(await store.list()).toEqual([]);
    expect(await store.manifests.list()).toEqual([key]);
    await expect(store.write('_manifests/monitor/Sessions', A, undefined)).rejects.toThrow(/reserved/);
  });

  it('refuses keys that are not plain paths, or whose last part looks like a version', async () => {
    const store = fileCheckpointStore({ directory: await folder() });
    for (const key of ['acme/../x', './acme', 'acme//x', 'acme/', 'acme/monitor/Sessions.v2']) {
      await expect(store.read(key)).rejects.toMatchObject({ code: 'CHECKPOINT_KEY_INVALID' });
    }
    // A key merely containing ".v" is fine, and is not confused with another key's versions.
    const odd = 'acme/monitor/Sessions.v2x';
    await store.write(odd, A, undefined);
    await store.write(KEY, B, undefined);
    expect(await store.read(odd)).toMatchObject({ state: A });
    expect(await store.list()).toEqual([KEY, odd]);
  });

  it('names the file when it does not hold a checkpoint or a manifest', async () => {
    const dir = await folder();
    const store = fileCheckpointStore({ directory: dir });
    await mkdir(join(dir, 'acme/monitor'), { recursive: true });
    const path = join(dir, 'acme/monitor/Sessions.v1.json');
    for (const [text, reason] of [
      ['[1, 2]', 'it is not a JSON object'],
      ['not json', 'Unexpected token'],
      ['{"version": 1, "writeId": "w", "state": {}}', 'it has no state.position'],
      ['{"version": 2, "writeId": "w", "state": {"position": "x"}}', 'its version is 2, not 1'],
    ]) {
      await writeFile(path, text!);
      const read = store.read(KEY);
      await expect(read).rejects.toBeInstanceOf(CtxsiemError);
      await expect(read).rejects.toThrow(`checkpoint ${path} is not a ctxsiem checkpoint (`);
      await expect(read).rejects.toThrow(reason!);
    }
    // Still listed, so `ctxsiem state show` shows it, and it can be reset.
    expect(await store.list()).toEqual([KEY]);
    await store.delete(KEY);
    expect(await store.read(KEY)).toBeUndefined();
    expect(await names(join(dir, 'acme/monitor'))).toEqual(['Sessions.v2.json']);
    await mkdir(join(dir, 'acme/source'), { recursive: true });
    await writeFile(join(dir, 'acme/source/Old.json'), '{"version": 3}');
    await expect(store.read('acme/source/Old')).rejects.toThrow('it has no state.position');
    await store.delete('acme/source/Old');
    expect(await store.list()).toEqual([]);

    const key = manifestKey(KEY, new Date('2024-08-06T07:00:00Z'));
    const manifestPath = join(dir, '_manifests', `${key}.v1.json`);
    await mkdir(dirname(manifestPath), { recursive: true });
    await writeFile(manifestPath, '{"version": 1, "writeId": "w", "document": [1]}');
    await expect(store.manifests.read(key)).rejects.toThrow(
      `manifest ${manifestPath} is not a ctxsiem manifest (its document is not a JSON object)`,
    );
    await writeFile(manifestPath, '"text"');
    await expect(store.manifests.read(key)).rejects.toThrow(
      `manifest ${manifestPath} is not a ctxsiem manifest (it is not a JSON object)`,
    );
  });

  it('ignores temporary files and the lock files of the previous store', async () => {
    const dir = await folder();
    const store = fileCheckpointStore({ directory: dir });
    await store.write(KEY, A, undefined);
    await writeFile(join(dir, 'acme/monitor/Sessions.tmp-1-0123456789ab'), '{');
    await writeFile(join(dir, 'acme/monitor/Sessions.json.lock'), '');
    expect(await store.list()).toEqual([KEY]);
    expect(await store.read(KEY)).toMatchObject({ state: A });
  });
});

describe('migration from the lock-based file store ({key}.json)', () => {
  async function legacyFolder(): Promise<string> {
    const dir = await folder();
    await mkdir(join(dir, 'acme/monitor'), { recursive: true });
    await writeFile(
      join(dir, 'acme/monitor/Sessions.json'),
      `${JSON.stringify({ version: 7, state: { ...A, window: { to: B.position, resume: 'p3', seq: 3 } } })}\n`,
    );
    return dir;
  }

  it('reads the old file as the current state with version 0:legacy, and lists it', async () => {
    const store = fileCheckpointStore({ directory: await legacyFolder() });
    expect(await store.read(KEY)).toEqual({
      state: { ...A, window: { to: B.position, resume: 'p3', seq: 3 } },
      version: '0:legacy',
    });
    expect(await store.list()).toEqual([KEY]);
  });

  it('creates v1 on the first write over 0:legacy and removes the old file', async () => {
    const dir = await legacyFolder();
    const store = fileCheckpointStore({ directory: dir });
    const v1 = await store.write(KEY, B, '0:legacy');
    expect(v1).toMatch(/^1:/);
    expect(await names(join(dir, 'acme/monitor'))).toEqual(['Sessions.v1.json']);
    expect(await store.read(KEY)).toEqual({ state: B, version: v1 });
    // A second runner that also read the old file loses.
    await expect(store.write(KEY, C, '0:legacy')).rejects.toBeInstanceOf(CheckpointConflictError);
  });

  it("refuses a create over the old file and the old store's numeric versions", async () => {
    const store = fileCheckpointStore({ directory: await legacyFolder() });
    await expect(store.write(KEY, B, undefined)).rejects.toThrow(/already exists at version 0:legacy/);
    await expect(store.write(KEY, B, '7')).rejects.toBeInstanceOf(CheckpointConflictError);
    expect((await store.read(KEY))?.version).toBe('0:legacy');
  });

  it('deletes an old-format checkpoint', async () => {
    const dir = await legacyFolder();
    const store = fileCheckpointStore({ directory: dir });
    await store.delete(KEY);
    expect(await store.read(KEY)).toBeUndefined();
    expect(await names(join(dir, 'acme/monitor'))).toEqual(['Sessions.v1.json']);
    expect(await store.write(KEY, B, undefined)).toMatch(/^2:/);
  });

  it('never reads an old-format file as a manifest', async () => {
    const dir = await folder();
    const key = manifestKey(KEY, new Date('2024-08-06T07:00:00Z'));
    await mkdir(dirname(join(dir, '_manifests', key)), { recursive: true });
    await writeFile(join(dir, '_manifests', `${key}.json`), '{"version": 1, "document": {"parts": []}}');
    const store = fileCheckpointStore({ directory: dir });
    expect(await store.manifests.read(key)).toBeUndefined();
    expect(await store.manifests.list()).toEqual([]);
  });
});

describe('file checkpoint config', () => {
  it('still accepts the deprecated lockStaleMs, and ignores it', async () => {
    const dir = await folder();
    const store = fileCheckpointStore({ directory: dir, lockStaleMs: 1 });
    const v1 = await store.write(KEY, A, undefined);
    expect(await store.write(KEY, B, v1)).toMatch(/^2:/);
    expect(FileCheckpointConfigSchema.parse({ directory: dir })).toEqual({ type: 'file', directory: dir });
  });

  it('is strict: an unknown option is an error naming it', () => {
    expect(() => fileCheckpointStore({ directory: '/tmp/x', lockTimeoutMs: 5 })).toThrow(ConfigError);
    expect(() => fileCheckpointStore({ directory: '/tmp/x', lockTimeoutMs: 5 })).toThrow(/lockTimeoutMs/);
    expect(() => fileCheckpointStore({ directory: '/tmp/x', lockStaleMs: -1 })).toThrow(/lockStaleMs/);
  });
});

describe('two OS processes writing one checkpoint', () => {
  const script = fileURLToPath(new URL('./support/hammer-checkpoint.ts', import.meta.url));
  const run = promisify(execFile);

  interface Success {
    writer: string;
    version: string;
    over: string | null;
    state: { position: string; lease: { owner: string } };
  }

  it('hands every successful write a unique version, in one unbroken chain; the last winner holds the checkpoint', async () => {
    const dir = await folder();
    const attempts = 150;
    const outputs = await Promise.all(
      ['p1', 'p2', 'p3'].map((writer) =>
        run(
          process.execPath,
          ['--conditions=@ctxsiem/source', '--no-warnings', script, dir, KEY, writer, String(attempts)],
          { cwd: dirname(script), maxBuffer: 16 * 1024 * 1024 },
        ),
      ),
    );
    const lines = outputs.flatMap((output) =>
      output.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Success | { writer: string; conflicts: number }),
    );
    const successes = lines.filter((line): line is Success => 'version' in line);
    const conflicts = lines.reduce((sum, line) => sum + ('conflicts' in line ? line.conflicts : 0), 0);
    expect(successes.length + conflicts).toBe(3 * attempts);
    expect(successes.length).toBeGreaterThan(0);

    // Unique versions, numbered 1..n with no gap, each written over the one before it.
    expect(new Set(successes.map((s) => s.version)).size).toBe(successes.length);
    const chain = [...successes].sort(
      (a, b) => Number(a.version.split(':')[0]) - Number(b.version.split(':')[0]),
    );
    chain.forEach((success, i) => {
      expect(Number(success.version.split(':')[0])).toBe(i + 1);
      expect(success.over).toBe(i === 0 ? null : chain[i - 1]!.version);
    });

    const last = chain.at(-1)!;
    const store = fileCheckpointStore({ directory: dir });
    expect(await store.read(KEY)).toEqual({ state: last.state, version: last.version });
    expect(await names(join(dir, 'acme/monitor'))).toEqual([`Sessions.v${chain.length}.json`]);
  }, 120_000);
});
