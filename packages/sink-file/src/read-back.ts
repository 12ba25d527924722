/**
 * Reads back what the file sink wrote: every `.ndjson` / `.ndjson.gz` part under a folder, in path
 * order (which is time order, by the layout), decoded (core's `decodePart`). For tests, tooling and
 * audits.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { decodePart, type JsonRecord } from '@ctxsiem/core';

export interface StoredFile {
  /** Path relative to the folder read, with `/` separators. */
  path: string;
  records: JsonRecord[];
}

/** Every part under `root` (recursively), sorted by path; an absent folder holds none. */
export async function readStoredFiles(root: string): Promise<StoredFile[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    },
  );
  const paths = entries
    .filter((entry) => entry.isFile() && /\.ndjson(\.gz)?$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  const files: StoredFile[] = [];
  for (const path of paths) {
    const records = decodePart(await readFile(path));
    files.push({ path: relative(root, path).split(sep).join('/'), records });
  }
  return files;
}

/** Every record under `root`, in path order. */
export async function readStoredRecords(root: string): Promise<JsonRecord[]> {
  return (await readStoredFiles(root)).flatMap((file) => file.records);
}
