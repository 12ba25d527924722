import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ConfigError, decodeNdjson, type JsonRecord, silentLogger, systemClock } from '@ctxsiem/core';
import { sampleBatch, testSink } from '@ctxsiem/test-kit';
import { describe, expect, it } from 'vitest';
import { fileSink } from '../src/index.ts';

const deps = { logger: silentLogger(), clock: systemClock };

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
    .sort();
}

async function readRecords(path: string): Promise<JsonRecord[]> {
  const raw = await readFile(path);
  return decodeNdjson((path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8'));
}

for (const gzip of [false, true]) {
  testSink({
    name: `file${gzip ? ' (gzip)' : ''}`,
    async create() {
      const directory = await mkdtemp(join(tmpdir(), 'ctxsiem-file-sink-'));
      return {
        sink: fileSink({ directory, prefix: 'citrix_monitor', gzip }, deps),
        inspect: { list: () => listFiles(directory), read: (key) => readRecords(join(directory, key)) },
        cleanup: () => rm(directory, { recursive: true, force: true }),
      };
    },
    additionalTests(harness) {
      it('leaves no temporary files behind', async () => {
        expect((await harness().inspect.list()).filter((k) => k.includes('.tmp-'))).toEqual([]);
      });
    },
  });
}

describe('file sink errors', () => {
  it('names the bad field in its config', () => {
    expect(() => fileSink({ directory: '' }, deps)).toThrow(ConfigError);
    expect(() => fileSink({ directory: '/tmp/x', gzip: 'yes' }, deps)).toThrow(/gzip/);
  });

  it('reports an unwritable folder as a clear sink error', async () => {
    // A regular file where the folder should be: nothing can be created beneath it.
    const parent = await mkdtemp(join(tmpdir(), 'ctxsiem-file-sink-'));
    const blocker = join(parent, 'not-a-folder');
    await writeFile(blocker, '');
    const sink = fileSink({ directory: blocker }, deps);
    await expect(sink.check()).rejects.toThrow(/not writable/);
    await expect(sink.write(sampleBatch())).rejects.toThrow(/could not write/);
  });
});
