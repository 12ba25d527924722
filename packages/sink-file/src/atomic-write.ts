/**
 * Writing files so that a reader never sees a partial one: the content goes to a temporary file in the
 * same folder, is fsynced, and only then gets the target name: `createFileExclusive` hard-links the
 * temporary file to the target name, which fails with `EEXIST` instead of replacing an existing file,
 * then removes the temporary name, and fsyncs the folder (the new name is durable when it returns).
 * Parts and checkpoint versions are create-only: a SIEM feed watching the folder ingests a replaced
 * file again, and a checkpoint version must be won by one writer only.
 *
 * Folder fsyncs are **group commits**: writers linking into one folder at once (tenants side by side
 * write their parts into the same hour folder) share one fsync of the folder, as long as it began after
 * their link — a writer that finds one running waits for the next, which starts when it ends and serves
 * everyone who came meanwhile. Every caller still returns only once an fsync of the folder that began
 * after its own link has finished: the same promise as one fsync each, in fewer system calls.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { processAlive } from '@ctxsiem/core';

/** A name beside `path` that no other writer uses; never ends in `.ndjson`, so feeds ignore it. */
const tempName = (path: string) => `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;

/**
 * Folders this process made or found (and made durable): a write into one skips `mkdir`, a system call
 * per part otherwise. Bounded (cleared when full); a folder removed since is made again on ENOENT.
 */
const knownFolders = new Set<string>();
const KNOWN_FOLDERS_KEPT = 4096;

/** Makes `folder` (and its parents) exist, each new entry durable in its parent. */
async function ensureFolder(folder: string): Promise<void> {
  const created = await mkdir(folder, { recursive: true });
  // Every folder just created is an entry in its parent: made durable like the file's own entry, or a
  // power cut could lose the folder with the fsynced part in it.
  if (created !== undefined) {
    const parents: string[] = [];
    for (let made = folder; made.startsWith(created); made = dirname(made)) parents.push(dirname(made));
    await Promise.all(parents.map(syncFolder));
  }
  if (knownFolders.size >= KNOWN_FOLDERS_KEPT) knownFolders.clear();
  knownFolders.add(folder);
}

/** Writes `data` to a new temporary file beside `path`, fsynced; returns its name. */
async function writeTemp(path: string, data: Buffer | string): Promise<string> {
  const folder = dirname(path);
  if (!knownFolders.has(folder)) await ensureFolder(folder);
  const temp = tempName(path);
  const handle = await open(temp, 'wx').catch(async (error: NodeJS.ErrnoException) => {
    // The folder was removed since this process last wrote into it.
    if (error.code !== 'ENOENT' || !knownFolders.delete(folder)) throw error;
    await ensureFolder(folder);
    return open(temp, 'wx');
  });
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await removeFile(temp);
    throw error;
  }
  await handle.close();
  return temp;
}

/** Removes a file; one already gone is no error (`rm(path, { force: true })` without its `lstat`). */
export async function removeFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Per folder, the fsync running and the one queued to start when it ends (shared by its waiters). */
const folderSyncs = new Map<string, { running: Promise<void>; next: Promise<void> | undefined }>();

/**
 * Makes the entries made in `folder` before this call durable: resolves once an fsync of the folder
 * that began after the call has finished. One running may have begun before the caller's entry was
 * made, so the caller waits for the next — queued once, for everyone who comes while this one runs.
 */
function syncFolder(folder: string): Promise<void> {
  const current = folderSyncs.get(folder);
  if (current === undefined) return startFolderSync(folder);
  current.next ??= current.running.then(() => startFolderSync(folder));
  return current.next;
}

function startFolderSync(folder: string): Promise<void> {
  const sync = {
    running: fsyncFolder(folder).finally(() => {
      if (folderSyncs.get(folder) === sync) folderSyncs.delete(folder);
    }),
    next: undefined,
  };
  folderSyncs.set(folder, sync);
  return sync.running;
}

/** One fsync of a folder. Best effort: some platforms cannot open or sync a folder. */
async function fsyncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Windows and some network filesystems refuse; the file itself is already fsynced.
  }
}

/** A temporary name `tempName` gives: the process id, and the random suffix. */
const TEMP = /\.tmp-(\d+)-[0-9a-f]{8}$/;

/** Temporary files older than this are a dead writer's whatever their process id says. */
const STALE_TEMP_MS = 60 * 60_000;

/**
 * Removes the temporary files a killed writer left in `folder` (between its temporary file and the
 * link): those of a process of this host that is gone, and any older than an hour (a writer holds one
 * for the time of one write). Returns the names removed. A missing folder has none.
 */
export async function removeStaleTemps(folder: string, now = Date.now()): Promise<string[]> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const pid = TEMP.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid) continue;
    const path = join(folder, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) continue;
    if (processAlive(Number(pid)) && now - info.mtimeMs < STALE_TEMP_MS) continue;
    await removeFile(path);
    removed.push(name);
  }
  return removed;
}

/**
 * Creates the file `path` with `data` unless a file of that name exists, atomically, and never
 * replaces one. Returns false (having written nothing under `path`) when it exists. The folder must
 * support hard links (every local POSIX filesystem and NTFS do; FAT and some network shares do not:
 * `link` then fails with EPERM/ENOTSUP/ENOSYS and so does this).
 */
export async function createFileExclusive(path: string, data: Buffer | string): Promise<boolean> {
  const temp = await writeTemp(path, data);
  try {
    await link(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await removeFile(temp);
  }
  await syncFolder(dirname(path));
  return true;
}
