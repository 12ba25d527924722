import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  ConfigError,
  decodeNdjson,
  type JsonRecord,
  PartExistsError,
  SinkError,
  silentLogger,
  systemClock,
} from '@ctxsiem/core';
import { partName, sampleBatch, testSink } from '@ctxsiem/test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSink } from '../src/index.ts';

const deps = { logger: silentLogger(), clock: systemClock };

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
    .sort();
}

/** Inode and modification time (ns): both change when a file is replaced or rewritten. */
async function fileStat(path: string): Promise<string> {
  const info = await stat(path, { bigint: true });
  return `${info.ino}:${info.mtimeNs}`;
}

async function readRecords(path: string): Promise<JsonRecord[]> {
  const raw = await readFile(path);
  return decodeNdjson((path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8'));
}

for (const gzip of [false, true]) {
  testSink({
    name: `file${gzip ? ' (gzip)' : ''}`,
    storesEncodedParts: true,
    async create() {
      const directory = await mkdtemp(join(tmpdir(), 'ctxsiem-file-sink-'));
      return {
        sink: fileSink({ directory, prefix: 'citrix_monitor', gzip }, deps),
        inspect: {
          list: () => listFiles(directory),
          read: (key) => readRecords(join(directory, key)),
          stat: (key) => fileStat(join(directory, key)),
        },
        cleanup: () => rm(directory, { recursive: true, force: true }),
      };
    },
    additionalTests(harness) {
      it('leaves no temporary files behind', async () => {
        expect((await harness().inspect.list()).filter((k) => k.includes('.tmp-'))).toEqual([]);
      });

      it('receipts carry the SHA-256 of the stored bytes', async () => {
        const receipt = await harness().sink.write(sampleBatch({ seq: 40 }));
        const stored = await readFile(receipt.location);
        expect(receipt.sha256).toBe(createHash('sha256').update(stored).digest('hex'));
        expect(receipt.bytes).toBe(stored.length);
        expect(stored[0] === 0x1f && stored[1] === 0x8b).toBe(gzip);
      });
    },
  });
}

describe('file sink errors', () => {
  it('names the bad field in its config', () => {
    expect(() => fileSink({ directory: '' }, deps)).toThrow(ConfigError);
    expect(() => fileSink({ directory: '/tmp/x', gzip: 'yes' }, deps)).toThrow(/gzip/);
  });

  it('checks that a folder refuses a second create-only write, and leaves no probe behind', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'ctxsiem-file-sink-'));
    const sink = fileSink({ directory }, deps);
    expect(await sink.check()).toBe(
      `wrote (a second create-only write refused) and removed a probe file under ${directory}`,
    );
    expect(
      await readdir(directory, { recursive: true, withFileTypes: true }).then((all) =>
        all.filter((e) => e.isFile()),
      ),
    ).toEqual([]);
  });

  it('reports an unwritable folder as a clear sink error', async () => {
    // A regular file where the folder should be: nothing can be created beneath it.
    const parent = await mkdtemp(join(tmpdir(), 'ctxsiem-file-sink-'));
    const blocker = join(parent, 'not-a-folder');
    await writeFile(blocker, '');
    const sink = fileSink({ directory: blocker }, deps);
    await expect(sink.check()).rejects.toThrow(/not writable/);
    await expect(sink.write(sampleBatch())).rejects.toThrow(/could not write/);
    await expect(sink.readPart(partName(sampleBatch()))).rejects.toThrow(SinkError);
  });
});

describe('file sink create-only parts', () => {
  const folders: string[] = [];
  const folder = async () => {
    folders.push(await mkdtemp(join(tmpdir(), 'ctxsiem-file-sink-')));
    return folders.at(-1)!;
  };
  afterAll(async () => {
    for (const directory of folders) await rm(directory, { recursive: true, force: true });
  });

  it('never replaces a file that exists, even one another writer put there', async () => {
    const directory = await folder();
    const sink = fileSink({ directory }, deps);
    const batch = sampleBatch();
    const path = (await sink.write(batch)).location;
    await rm(path);
    await writeFile(path, 'not ours\n');
    const before = await fileStat(path);
    const error = await sink.write(batch).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PartExistsError);
    expect((error as Error).message).toMatch(
      /already exists with other content \(stored sha256 [0-9a-f]{64}, this write's [0-9a-f]{64}\)/,
    );
    expect(await readFile(path, 'utf8')).toBe('not ours\n');
    expect(await fileStat(path)).toBe(before);
    expect(await listFiles(directory)).toHaveLength(1);
  });

  it('removes the temporary files a killed run left in a folder before writing there again', async () => {
    const directory = await folder();
    const path = (await fileSink({ directory }, deps).write(sampleBatch())).location;
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const temps = {
      killed: `${path}.tmp-${dead}-0badf00d`,
      running: `${path}.tmp-${process.ppid}-1badf00d`,
      old: `${path}.tmp-${process.ppid}-2badf00d`,
    };
    for (const temp of Object.values(temps)) await writeFile(temp, '{"half":');
    const hoursAgo = new Date(Date.now() - 2 * 60 * 60_000);
    await utimes(temps.old, hoursAgo, hoursAgo);
    // The successor's first write into the folder.
    await fileSink({ directory }, deps).write(sampleBatch({ seq: 1 }));
    const left = (await listFiles(directory)).filter((name) => name.includes('.tmp-'));
    expect(left).toEqual([temps.running.slice(directory.length + 1)]);
  });

  it('acknowledges a gzip part with the same records compressed differently', async () => {
    const directory = await folder();
    const sink = fileSink({ directory, gzip: true }, deps);
    const batch = sampleBatch();
    const first = await sink.write(batch);
    // The same NDJSON at another compression level: other bytes, same content (another zlib, say).
    const plain = Buffer.from(batch.records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const other = gzipSync(plain, { level: 1 });
    await rm(first.location);
    await writeFile(first.location, other);
    const retried = await sink.write(batch);
    expect(retried.created).toBe(false);
    expect(retried.sha256).toBe(createHash('sha256').update(other).digest('hex'));
    expect(retried.sha256).not.toBe(first.sha256);
    expect(await readFile(first.location)).toEqual(other);
  });

  it('reports a part it cannot decode as a SinkError', async () => {
    const directory = await folder();
    const sink = fileSink({ directory }, deps);
    const batch = sampleBatch();
    const { location } = await sink.write(batch);
    await rm(location);
    await writeFile(location, '{"truncated": \n');
    await expect(sink.readPart(partName(batch))).rejects.toThrow(/the part .* is not NDJSON/);
  });

  it('reports a part it may not read as a SinkError, not as missing', async () => {
    if (process.getuid?.() === 0) return; // root reads anything
    const directory = await folder();
    const sink = fileSink({ directory }, deps);
    const batch = sampleBatch();
    const { location } = await sink.write(batch);
    await chmod(location, 0o000);
    await expect(sink.readPart(partName(batch))).rejects.toThrow(/could not read the part/);
  });

  it('lets one of two concurrent writers of the same part create it', async () => {
    const directory = await folder();
    const sinks = [fileSink({ directory }, deps), fileSink({ directory }, deps)];
    const batch = sampleBatch({ records: Array.from({ length: 2000 }, (_, n) => ({ n })) });
    const receipts = await Promise.all(sinks.map((sink) => sink.write(batch)));
    expect(receipts.map((r) => r.created).sort()).toEqual([false, true]);
    expect(receipts[0]!.sha256).toBe(receipts[1]!.sha256);
    expect(await listFiles(directory)).toHaveLength(1);
  });
});
