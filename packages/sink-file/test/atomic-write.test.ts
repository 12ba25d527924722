import { mkdtemp, readFile, rm } from 'node:fs/promises';
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

  it('makes a folder again when it was removed after an earlier write into it', async () => {
    const folder = join(scratch, 'stream', 'hour=07');
    expect(await createFileExclusive(join(folder, 'part-0.ndjson'), 'one\n')).toBe(true);
    await rm(join(scratch, 'stream'), { recursive: true });
    expect(await createFileExclusive(join(folder, 'part-1.ndjson'), 'two\n')).toBe(true);
    expect(await readFile(join(folder, 'part-1.ndjson'), 'utf8')).toBe('two\n');
  });
});
