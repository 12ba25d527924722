import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileExclusive } from '../src/atomic-write.ts';

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ctxsiem-atomic-write-'));
});
afterEach(() => rm(scratch, { recursive: true, force: true }));

describe('createFileExclusive', () => {
  it('creates the folders a file needs, and refuses a name that exists', async () => {
    const path = join(scratch, 'a', 'b', 'part.ndjson');
    expect(await createFileExclusive(path, 'one\n')).toBe(true);
    expect(await createFileExclusive(path, 'two\n')).toBe(false);
    expect(await readFile(path, 'utf8')).toBe('one\n');
  });

  it('creates many files in one folder at once (their folder fsyncs shared), each exactly once', async () => {
    const folder = join(scratch, 'stream', 'hour=07');
    const names = Array.from({ length: 40 }, (_, i) => join(folder, `part-${i}.ndjson`));
    const created = await Promise.all(names.map((path, i) => createFileExclusive(path, `${i}\n`)));
    expect(created.every(Boolean)).toBe(true);
    const again = await Promise.all(names.map((path) => createFileExclusive(path, 'other\n')));
    expect(again.some(Boolean)).toBe(false);
    for (const [i, path] of names.entries()) expect(await readFile(path, 'utf8')).toBe(`${i}\n`);
    expect((await readdir(folder)).sort()).toEqual(names.map((path) => path.slice(folder.length + 1)).sort());
  });

  it('makes a folder again when it was removed after an earlier write into it', async () => {
    const folder = join(scratch, 'stream', 'hour=07');
    expect(await createFileExclusive(join(folder, 'part-0.ndjson'), 'one\n')).toBe(true);
    await rm(join(scratch, 'stream'), { recursive: true });
    expect(await createFileExclusive(join(folder, 'part-1.ndjson'), 'two\n')).toBe(true);
    expect(await readFile(join(folder, 'part-1.ndjson'), 'utf8')).toBe('two\n');
  });
});
