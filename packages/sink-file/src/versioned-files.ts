/**
 * Conditional JSON documents as versioned files: lock-free compare-and-swap that holds across
 * processes on one machine (or any filesystem with POSIX hard links). The file checkpoint store keeps
 * its checkpoints and its window manifests this way.
 *
 * Layout. Version N of key K is the file `{directory}/{K}.v{N}.json` holding
 * `{ version: N, writeId, writtenAt, history, <field> }` (`state` for checkpoints, `document` for
 * manifests; `history` lists the versions it was written over, newest first, at most 32). The current
 * version is the highest N present. The version string a store hands out is `${N}:${writeId}`: the
 * write id is new on every write, so a version string can never match twice, even if a folder is wiped
 * and its counters start over.
 *
 * Writing over `ifVersion` (or creating, with `undefined`):
 *
 * 1. read the current version (highest N) and compare it with `ifVersion`: a mismatch is a
 *    `CheckpointConflictError`. Creating needs no current version, or a tombstone;
 * 2. write the new file under a temporary name next to the target, fsync it, and `link(temp, target)`
 *    with target `v{N+1}`. `link` fails with EEXIST when the name exists, atomically, so of any number
 *    of writers aiming at v{N+1} exactly one succeeds; the others get `CheckpointConflictError`. The
 *    temporary name is unlinked either way. A reader never sees a partly written version;
 * 3. list the versions again. None above N+1: the write won. Otherwise the `link` may have succeeded
 *    only because v{N+1} had already been written and then cleaned up by later writers (a stale
 *    write), or the write won and others wrote over it in the moment since. The lowest version above
 *    tells which: whatever was written after ours descends from it (ours is in its `history`), what
 *    was there before never does. A stale file is removed again and the write is a
 *    `CheckpointConflictError` (so is a win superseded by more than 32 writes in that moment: when in
 *    doubt, the caller stops without advancing, and there is never a second winner). Nobody reads a
 *    stale file as current: the highest version present only ever grows, and a higher one existed
 *    before the stale `link`;
 * 4. best effort, remove the versions below N+1 (and the key's file of the previous format, below).
 *
 * Step 1 is cheaper for the version this store last read or wrote of the key (a runner commits its
 * checkpoint over its own last write, page after page): instead of listing the folder and parsing the
 * highest version, it reads the first bytes of `v{N}` and checks they are exactly what this store wrote
 * or read there (the same version and write id). What is above N, if anything, step 2 and 3 find as
 * ever; any other answer (the file gone, another write id) takes the full step 1.
 *
 * `delete(key)` writes a tombstone version `{ version, writeId, writtenAt, history, deleted: true }`
 * the same way: counters never restart, so a version from before the delete can never match again (no
 * ABA); `read` and `list` treat a tombstone as absent, and creating over one succeeds. A reader whose
 * highest file vanished before it could read it (a writer's clean-up) lists again.
 *
 * Migration (checkpoints only, `legacyFiles`): the lock-based store kept `{directory}/{K}.json`
 * holding `{ version, state }`. While a key has no versioned file, that file is read as its current
 * state with the version `0:legacy`; the first write (over `0:legacy`) creates v1 and removes it.
 *
 * Nothing here takes a lock, so nothing is left behind by a crashed process but, at worst, a temporary
 * file (removed by a later write of the same key once it is an hour old) or an old version that the
 * next write removes. Keys are plain paths; their last segment may not end in `.v{digits}`, which would
 * make one key's file look like a version of another.
 */
import { randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  assertPlainKey,
  assertUnreserved,
  CheckpointConflictError,
  CtxsiemError,
  type DocumentKind,
  invalidDocumentError,
  isJsonObject,
} from '@ctxsiem/core';
import { createFileExclusive, removeFile } from './atomic-write.ts';

/** The version a key's file of the previous (lock-based) format is read with. */
export const LEGACY_FILE_VERSION = '0:legacy';

/** A temporary file older than this belonged to a writer that died: the next write of the key removes it. */
const STALE_TEMP_MS = 60 * 60 * 1000;
/** Reads that lose a race with writers' clean-ups this many times in a row give up. */
const READ_ATTEMPTS = 50;
/** How many of the versions a version was written over it records (`history`), newest first. */
const HISTORY = 32;
/** Unconditional deletes that lose to writers this many times in a row give up. */
const DELETE_ATTEMPTS = 20;

export interface VersionedFilesOptions<F extends string, T extends object> {
  /** The folder holding the documents: `{directory}/{key}.v{N}.json`. */
  directory: string;
  kind: DocumentKind<F, T>;
  /** Read a key's `{key}.json` of the previous format (`{ version, state }`) while it has no version. */
  legacyFiles?: boolean;
  /** A folder under `directory` holding other documents (`_manifests`): refused as a key, never listed. */
  reserved?: string;
}

export interface VersionedFiles<T> {
  /** The current content and version (`${N}:${writeId}`), or undefined (none, or deleted). */
  read(key: string): Promise<{ content: T; version: string } | undefined>;
  /** Writes `content` only if the current version is `ifVersion` (undefined: there is none). */
  write(key: string, content: T, ifVersion: string | undefined): Promise<string>;
  /** Writes a tombstone over whatever is current. */
  delete(key: string): Promise<void>;
  /** The keys starting with `prefix` that are not deleted, sorted. */
  list(prefix?: string): Promise<string[]>;
}

/** How many versions of keys a store remembers (`known`); past it, the memory starts over. */
const KNOWN_KEYS = 4096;

/** What a key's current version is. `n` 0 is the previous format's file. */
interface Current<T> {
  n: number;
  writeId: string;
  /** Undefined for a tombstone. */
  content: T | undefined;
  /** The versions this one was written over, newest first (`HISTORY` at most). */
  history: string[];
}

const VERSION_FILE = /^(.*)\.v([1-9]\d*)\.json$/;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const errno = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function versionedFiles<F extends string, T extends object>(
  options: VersionedFilesOptions<F, T>,
): VersionedFiles<T> {
  const { directory, kind, reserved } = options;
  const legacyFiles = options.legacyFiles ?? false;
  const { noun } = kind;

  /** Where a key's files lie: its folder, and the names of its versions, temporaries and old file. */
  function placeOf(key: string) {
    assertPlainKey(key, noun);
    if (reserved !== undefined) assertUnreserved(key, reserved, noun);
    const segments = key.split('/');
    const base = segments.pop() as string;
    if (/\.v\d+$/.test(base) || base.includes('\\')) {
      throw new CtxsiemError(
        'CHECKPOINT_KEY_INVALID',
        `${noun} key "${key}" cannot be stored as a file: its last part may not end in ".v<digits>"`,
      );
    }
    const dir = join(directory, ...segments);
    const escaped = escapeRegExp(base);
    return {
      dir,
      base,
      versions: new RegExp(`^${escaped}\\.v([1-9]\\d*)\\.json$`),
      // What `createFileExclusive` leaves behind when a writer dies between its temp file and the link.
      temps: new RegExp(`^${escaped}\\.v\\d+\\.json\\.tmp-\\d+-[0-9a-f]{8}$`),
      file: (n: number) => join(dir, `${base}.v${n}.json`),
      legacy: join(dir, `${base}.json`),
    };
  }
  type Place = ReturnType<typeof placeOf>;

  /**
   * The versions present, highest first, the temporary files (by name) of the key, and whether its file
   * of the previous format is there.
   */
  async function scan(place: Place): Promise<{ versions: number[]; temps: string[]; legacy: boolean }> {
    let names: string[];
    try {
      names = await readdir(place.dir);
    } catch (error) {
      if (errno(error) === 'ENOENT') return { versions: [], temps: [], legacy: false };
      throw readFailed(place.dir, error);
    }
    const versions: number[] = [];
    const temps: string[] = [];
    const legacyName = `${place.base}.json`;
    let legacy = false;
    for (const name of names) {
      const match = place.versions.exec(name);
      if (match) versions.push(Number(match[1]));
      else if (place.temps.test(name)) temps.push(name);
      else if (name === legacyName) legacy = true;
    }
    return { versions: versions.sort((a, b) => b - a), temps, legacy };
  }

  function readFailed(path: string, error: unknown) {
    return new CtxsiemError('CHECKPOINT_READ_FAILED', `could not read the ${noun} ${path}`, {
      cause: error,
    });
  }

  /** A file's JSON, or undefined when it does not exist (anymore). */
  async function readJson(path: string): Promise<unknown> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (errno(error) === 'ENOENT') return undefined;
      throw readFailed(path, error);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw invalidDocumentError(noun, path, (error as Error).message, error);
    }
  }

  /** Version `n`'s file as a current version, or undefined when it vanished. */
  async function readVersion(place: Place, n: number): Promise<Current<T> | undefined> {
    const path = place.file(n);
    const value = await readJson(path);
    if (value === undefined) return undefined;
    if (!isJsonObject(value)) throw invalidDocumentError(noun, path, 'it is not a JSON object');
    if (value.version !== n) {
      throw invalidDocumentError(noun, path, `its version is ${JSON.stringify(value.version)}, not ${n}`);
    }
    if (typeof value.writeId !== 'string') throw invalidDocumentError(noun, path, 'it has no writeId');
    const history = Array.isArray(value.history)
      ? value.history.filter((v): v is string => typeof v === 'string')
      : [];
    if (value.deleted === true) return { n, writeId: value.writeId, content: undefined, history };
    const accepted = kind.accept(value[kind.field]);
    if ('reason' in accepted) throw invalidDocumentError(noun, path, accepted.reason);
    return { n, writeId: value.writeId, content: accepted.content, history };
  }

  /** The previous format's file as version 0, or undefined when there is none. */
  async function readLegacy(place: Place): Promise<Current<T> | undefined> {
    const value = await readJson(place.legacy);
    if (value === undefined) return undefined;
    if (!isJsonObject(value)) throw invalidDocumentError(noun, place.legacy, 'it is not a JSON object');
    const accepted = kind.accept(value[kind.field]);
    if ('reason' in accepted) throw invalidDocumentError(noun, place.legacy, accepted.reason);
    return { n: 0, writeId: LEGACY_FILE_VERSION.slice(2), content: accepted.content, history: [] };
  }

  /** The key's current version (maybe a tombstone), or undefined when it has none at all. */
  async function current(place: Place): Promise<Current<T> | undefined> {
    for (let attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
      if (attempt > 5) await pause(Math.min(attempt, 20));
      const { versions } = await scan(place);
      const highest = versions[0];
      if (highest === undefined) {
        if (!legacyFiles) return undefined;
        const legacy = await readLegacy(place);
        if (legacy) return legacy;
        // The old file is gone: a first write removed it, or there never was one. Look again.
        if ((await scan(place)).versions.length === 0) return undefined;
        continue;
      }
      const found = await readVersion(place, highest);
      if (found) return found;
      // The highest version was removed by a writer's clean-up after a newer one appeared: look again.
    }
    throw new CtxsiemError(
      'CHECKPOINT_READ_FAILED',
      `${noun} files ${join(place.dir, place.base)}.v*.json changed under ${READ_ATTEMPTS} reads in a row`,
    );
  }

  const versionOf = (found: Pick<Current<T>, 'n' | 'writeId'>) => `${found.n}:${found.writeId}`;
  /** The `history` of a version written over `found`. */
  const historyAfter = (found: Omit<Current<T>, 'content'> | undefined) =>
    found ? [versionOf(found), ...found.history].slice(0, HISTORY) : [];

  /**
   * The live version this store last read or wrote of each key (its number, write id and history):
   * what a write over it checks first (`known`). Never a tombstone.
   */
  const remembered = new Map<string, Omit<Current<T>, 'content'>>();
  const remember = (key: string, found: Current<T> | undefined) => {
    if (found?.content === undefined || found.n === 0) {
      remembered.delete(key);
      return;
    }
    if (remembered.size >= KNOWN_KEYS) remembered.clear();
    remembered.set(key, { n: found.n, writeId: found.writeId, history: found.history });
  };
  /** How a version's file written by `commit` begins (`JSON.stringify(record, null, 2)`). */
  const headOf = (n: number, writeId: string) =>
    `{\n  "version": ${n},\n  "writeId": ${JSON.stringify(writeId)},`;

  /**
   * The version `ifVersion` as current, when it is the one this store last read or wrote of the key and
   * its file is still there with that write id (its first bytes say so); undefined otherwise — the
   * caller then reads the key in full. What was written above it, the write's link and listing find.
   */
  async function known(
    key: string,
    place: Place,
    ifVersion: string | undefined,
  ): Promise<Omit<Current<T>, 'content'> | undefined> {
    const last = remembered.get(key);
    if (last === undefined || ifVersion !== versionOf(last)) return undefined;
    const head = headOf(last.n, last.writeId);
    let handle: Awaited<ReturnType<typeof open>> | undefined;
    try {
      handle = await open(place.file(last.n), 'r');
      const buffer = Buffer.alloc(Buffer.byteLength(head));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      return bytesRead === buffer.length && buffer.toString('utf8') === head ? last : undefined;
    } catch {
      return undefined;
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }

  /** Removes what the write of version `n` made obsolete; failures are left for a later write. */
  async function cleanUp(
    place: Place,
    n: number,
    { versions, temps, legacy }: Awaited<ReturnType<typeof scan>>,
  ): Promise<void> {
    const obsolete = versions.filter((v) => v < n).map((v) => place.file(v));
    if (legacyFiles && legacy) obsolete.push(place.legacy);
    const now = Date.now();
    for (const name of temps) {
      const path = join(place.dir, name);
      const info = await stat(path).catch(() => undefined);
      if (info && now - info.mtimeMs > STALE_TEMP_MS) obsolete.push(path);
    }
    await Promise.all(obsolete.map((path) => removeFile(path).catch(() => undefined)));
  }

  /**
   * Makes `record` version `n` of the key: `won`, `taken` (another writer made version `n` first) or
   * `stale` (version `n` had already been written and cleaned up by later writes: the file is removed
   * again). `version` is the record's version string, `${n}:${writeId}`.
   */
  async function commit(
    place: Place,
    n: number,
    version: string,
    record: object,
  ): Promise<'won' | 'taken' | 'stale'> {
    const target = place.file(n);
    let created: boolean;
    try {
      created = await createFileExclusive(target, `${JSON.stringify(record, null, 2)}\n`);
    } catch (error) {
      throw new CtxsiemError('CHECKPOINT_WRITE_FAILED', `could not write the ${noun} ${target}`, {
        cause: error,
      });
    }
    if (!created) return 'taken';
    for (let attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
      const listed = await scan(place);
      const above = listed.versions.filter((v) => v > n);
      if (above.length === 0) {
        await cleanUp(place, n, listed);
        return 'won';
      }
      // Newer versions exist. Either they were written after ours, over it (it was current: a win
      // already superseded), or they were there before our link (stale). The lowest of them tells:
      // what was written after ours descends from it, what was there before never does.
      const successor = await readVersion(place, Math.min(...above)).catch(() => undefined);
      if (successor === undefined) continue; // cleaned up meanwhile: look again
      if (successor.history.includes(version)) return 'won';
      // Stale, or superseded by more than HISTORY writes in the moment since the link: when in
      // doubt, a conflict (the caller stops without advancing), never a second winner.
      await removeFile(target);
      return 'stale';
    }
    await removeFile(target);
    return 'stale';
  }

  return {
    async read(key) {
      const found = await current(placeOf(key));
      remember(key, found);
      return found?.content === undefined ? undefined : { content: found.content, version: versionOf(found) };
    },

    async write(key, content, ifVersion) {
      const place = placeOf(key);
      const refuse = (detail: string) => {
        remembered.delete(key);
        return new CheckpointConflictError(key, detail);
      };
      let found: Omit<Current<T>, 'content'> | undefined = await known(key, place, ifVersion);
      if (found === undefined) {
        const read = await current(place);
        const live = read?.content === undefined ? undefined : read;
        if (ifVersion === undefined) {
          if (live) throw refuse(`it already exists at version ${versionOf(live)}`);
        } else if (!live || versionOf(live) !== ifVersion) {
          const what = live ? `found ${versionOf(live)}` : read ? 'it was deleted' : 'found none';
          throw refuse(`expected version ${ifVersion}, ${what}`);
        }
        found = read;
      }
      const n = (found?.n ?? 0) + 1;
      const writeId = randomUUID();
      const record = {
        version: n,
        writeId,
        writtenAt: new Date().toISOString(),
        history: historyAfter(found),
        [kind.field]: content,
      };
      const outcome = await commit(place, n, `${n}:${writeId}`, record);
      const expected = ifVersion === undefined ? 'to create it' : `version ${ifVersion}`;
      if (outcome === 'taken') {
        throw refuse(`expected ${expected}, but another runner wrote version ${n} first`);
      }
      if (outcome === 'stale') {
        throw refuse(`expected ${expected}, but a version newer than ${n} was written meanwhile`);
      }
      remember(key, { n, writeId, content, history: record.history });
      return `${n}:${writeId}`;
    },

    async delete(key) {
      const place = placeOf(key);
      remembered.delete(key);
      for (let attempt = 1; attempt <= DELETE_ATTEMPTS; attempt++) {
        const found = await current(place).catch(async (error: unknown) => {
          // A file that is not a document is deleted all the same: `ctxsiem state reset` is the way
          // out its error names. The tombstone goes above it.
          if ((error as CtxsiemError).code !== 'CHECKPOINT_READ_FAILED') throw error;
          const highest = (await scan(place)).versions[0] ?? 0;
          return { n: highest, writeId: 'unreadable', content: {} as T, history: [] as string[] };
        });
        if (found?.content === undefined) return;
        const n = found.n + 1;
        const writeId = randomUUID();
        const tombstone = {
          version: n,
          writeId,
          writtenAt: new Date().toISOString(),
          history: historyAfter(found),
          deleted: true,
        };
        if ((await commit(place, n, `${n}:${writeId}`, tombstone)) === 'won') return;
      }
      throw new CtxsiemError(
        'CHECKPOINT_DELETE_FAILED',
        `could not delete the ${noun} "${key}": other runners kept writing it (${DELETE_ATTEMPTS} attempts)`,
      );
    },

    async list(prefix = '') {
      const candidates = new Set<string>();
      for (const path of await filesUnder(directory, reserved)) {
        const version = VERSION_FILE.exec(path);
        const key = version
          ? version[1]
          : legacyFiles && path.endsWith('.json')
            ? path.slice(0, -5)
            : undefined;
        if (key?.startsWith(prefix)) candidates.add(key);
      }
      const keys: string[] = [];
      for (const key of [...candidates].sort()) {
        let place: Place;
        try {
          place = placeOf(key);
        } catch {
          continue; // not a name this store writes
        }
        try {
          const found = await current(place);
          if (found?.content !== undefined) keys.push(key);
        } catch {
          keys.push(key); // a document that cannot be read is still listed: `ctxsiem state show` shows it
        }
      }
      return keys;
    },
  };
}

/** Every file under `root` as a `/`-separated relative path, leaving out the top folder `skip`. */
async function filesUnder(root: string, skip: string | undefined): Promise<string[]> {
  const found: string[] = [];
  async function walk(dir: string, relative: string): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') return;
      throw new CtxsiemError('CHECKPOINT_LIST_FAILED', `could not list ${dir}`, { cause: error });
    }
    for (const entry of entries) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!(relative === '' && entry.name === skip)) await walk(join(dir, entry.name), path);
      } else if (entry.isFile()) found.push(path);
    }
  }
  await walk(root, '');
  return found;
}
