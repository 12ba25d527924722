/**
 * Writing files so that a reader never sees a partial one: the content goes to a temporary file in the
 * same folder, is fsynced, and only then gets the target name: `createFileExclusive` hard-links the
 * temporary file to the target name, which fails with `EEXIST` instead of replacing an existing file,
 * then removes the temporary name. Parts and checkpoint versions are create-only: a SIEM feed watching
 * the folder ingests a replaced file again, and a checkpoint version must be won by one writer only.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A name beside `path` that no other writer uses; never ends in `.ndjson`, so feeds ignore it. */
const tempName = (path: string) => `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;

/** Writes `data` to a new temporary file beside `path`, fsynced; returns its name. */
async function writeTemp(path: string, data: Buffer | string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const temp = tempName(path);
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  return temp;
}

/** Makes a new directory entry durable. Best effort: some platforms cannot open or sync a folder. */
async function syncFolder(folder: string): Promise<void> {
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
    await rm(temp, { force: true });
  }
  await syncFolder(dirname(path));
  return true;
}
