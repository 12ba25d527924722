/**
 * The local file sink: the embedded default. Same layout as the object sinks. Parts are create-only:
 * each is written to a temporary file, fsynced and hard-linked to its name, which fails instead of
 * replacing a file that exists (a SIEM feed watching the folder would ingest a replaced file again).
 * A part that exists is compared with the write: identical content is acknowledged without touching
 * the file (`created: false`), other content is refused with core's `PartExistsError`.
 */
import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  type Batch,
  batchKey,
  deadLetterListing,
  decodePart,
  digestOf,
  type EncodedPart,
  encodeNdjson,
  isGzip,
  type JsonRecord,
  type ListedPart,
  PartExistsError,
  type PartName,
  parseConfig,
  type Receipt,
  type Sink,
  SinkError,
  type SinkFactory,
} from '@ctxsiem/core';
import { createFileExclusive, removeStaleTemps } from './atomic-write.ts';
import { type FileSinkConfig, FileSinkConfigSchema } from './config.ts';

/** True when the stored gzip part holds exactly `plain` once decompressed (another zlib, same records). */
function sameWhenGunzipped(stored: Buffer, plain: Uint8Array): boolean {
  if (!isGzip(stored)) return false;
  try {
    return gunzipSync(stored).equals(plain);
  } catch {
    return false;
  }
}

export const fileSink: SinkFactory<unknown> = (input, deps) => {
  const config: FileSinkConfig = parseConfig('sink-file', FileSinkConfigSchema, input);
  const layout = { prefix: config.prefix, gzip: config.gzip };
  const pathOf = (part: PartName) => join(config.directory, batchKey(part, layout));

  /** The receipt for a part that already exists: identical content, or `PartExistsError`. */
  async function existing(path: string, part: EncodedPart, sha256: string): Promise<Receipt> {
    let stored: Buffer;
    try {
      stored = await readFile(path);
    } catch (error) {
      throw new SinkError(`${path} exists but could not be read to compare it with the write`, {
        cause: error,
        retryable: false,
      });
    }
    const storedSha256 = digestOf(stored).sha256;
    const same = storedSha256 === sha256 || (config.gzip && sameWhenGunzipped(stored, part.ndjson));
    if (!same) {
      throw new PartExistsError(path, `stored sha256 ${storedSha256}, this write's ${sha256}`);
    }
    return {
      location: path,
      records: part.count,
      bytes: stored.length,
      created: false,
      sha256: storedSha256,
    };
  }

  /** Folders this sink has written to: a killed run's temporary files there are removed first. */
  const swept = new Set<string>();

  /** Stores a part's NDJSON (gzipped when configured) create-only; `write` encodes the records first. */
  async function writeEncoded(part: EncodedPart): Promise<Receipt> {
    const path = pathOf(part);
    // A run killed between a part's temporary file and its link left the temporary file in the folder
    // of the window it was writing — the folder its successor writes to first.
    const folder = dirname(path);
    if (!swept.has(folder)) {
      swept.add(folder);
      const removed = await removeStaleTemps(folder);
      if (removed.length > 0)
        deps?.logger?.info({ folder, removed }, 'removed temporary files a killed run left behind');
    }
    const plain = Buffer.from(part.ndjson.buffer, part.ndjson.byteOffset, part.ndjson.byteLength);
    const body = config.gzip ? gzipSync(plain) : plain;
    const sha256 = digestOf(body).sha256;
    let created: boolean;
    try {
      created = await createFileExclusive(path, body);
    } catch (error) {
      throw new SinkError(`could not write ${path}`, { cause: error, retryable: false });
    }
    if (!created) return existing(path, part, sha256);
    return { location: path, records: part.count, bytes: body.length, created: true, sha256 };
  }

  const sink: Sink = {
    type: 'file',
    write: (batch: Batch) =>
      writeEncoded({ ...batch, ndjson: encodeNdjson(batch.records), count: batch.records.length }),
    writeEncoded,
    async readPart(part: PartName): Promise<JsonRecord[] | undefined> {
      const path = pathOf(part);
      let raw: Buffer;
      try {
        raw = await readFile(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new SinkError(`could not read the part ${path}`, { cause: error, retryable: false });
      }
      try {
        return decodePart(raw);
      } catch (error) {
        throw new SinkError(`the part ${path} is not ${config.gzip ? 'gzip ' : ''}NDJSON`, {
          cause: error,
          retryable: false,
        });
      }
    },
    async *listDeadLetters(): AsyncGenerator<ListedPart> {
      const listing = deadLetterListing(layout);
      // The folder every dead-letter key starts in (the prefix may end inside a folder name).
      const folder = join(config.directory, listing.prefix.slice(0, listing.prefix.lastIndexOf('/') + 1));
      let entries: Dirent[];
      try {
        entries = await readdir(folder, { recursive: true, withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw new SinkError(`could not list the dead letters under ${folder}`, { cause: error });
      }
      const keys = entries
        .filter((entry) => entry.isFile())
        .map((entry) => relative(config.directory, join(entry.parentPath, entry.name)).split(sep).join('/'))
        .sort();
      for (const key of keys) {
        const name = listing.parse(key);
        if (name) yield { name, location: join(config.directory, key) };
      }
    },
    async check() {
      const probe = join(
        config.directory,
        config.prefix.replaceAll('{tenant}', '_probe'),
        `.ctxsiem-probe-${process.pid}-${randomBytes(4).toString('hex')}`,
      );
      let overwritten: boolean;
      try {
        // The same create-only write as a part's, so a folder without hard links fails here; and a
        // second one must find the name taken (link() answers EEXIST on every filesystem it works on).
        await createFileExclusive(probe, '{}\n');
        overwritten = await createFileExclusive(probe, '{}\n');
        await rm(probe);
      } catch (error) {
        throw new SinkError(`the output folder ${config.directory} is not writable`, { cause: error });
      }
      if (overwritten)
        throw new SinkError(
          `the output folder ${config.directory} accepted a second create-only write of one name: parts could be overwritten and checkpoints advanced twice — use a local or POSIX filesystem`,
        );
      return `wrote (a second create-only write refused) and removed a probe file under ${config.directory}`;
    },
    async close() {},
  };
  return sink;
};
