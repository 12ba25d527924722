/**
 * The object layout shared by the file, S3 and GCS sinks — the seeds' layout, which Google SecOps feeds
 * read, with deterministic part names instead of random UUIDs so a retried window overwrites:
 *
 *   {prefix}/{stream}/year=YYYY/month=MM/day=DD/hour=HH/part-{windowStart}-{seq}.ndjson[.gz]
 *
 * Dead-lettered records go under `{prefix}/_deadletter/{stream}/…` with the same part name.
 * `{tenant}` in the prefix is replaced by the batch's tenant, for several tenants in one bucket.
 */
import type { Batch } from './contracts.ts';

export const DEAD_LETTER_FOLDER = '_deadletter';

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** `20240806T070000Z`: sortable and free of characters object stores dislike. */
export function compactInstant(date: Date): string {
  return `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}T${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`;
}

/** `year=2024/month=08/day=06/hour=07` for the hour containing `date`. */
export function hourPartition(date: Date): string {
  return `year=${date.getUTCFullYear()}/month=${pad(date.getUTCMonth() + 1)}/day=${pad(date.getUTCDate())}/hour=${pad(date.getUTCHours())}`;
}

export function normalizePrefix(prefix: string | undefined, tenant: string): string {
  return (prefix ?? '').replaceAll('{tenant}', tenant).replace(/^\/+|\/+$/g, '');
}

export interface LayoutOptions {
  prefix?: string | undefined;
  gzip?: boolean | undefined;
}

/** The object key (or relative file path) of a batch. */
export function batchKey(batch: Batch, options: LayoutOptions = {}): string {
  const prefix = normalizePrefix(options.prefix, batch.tenant);
  const folder = batch.kind === 'deadletter' ? `${DEAD_LETTER_FOLDER}/${batch.stream}` : batch.stream;
  const name = `part-${compactInstant(batch.window.from)}-${pad(batch.seq, 5)}.ndjson${options.gzip ? '.gz' : ''}`;
  return [prefix, folder, hourPartition(batch.window.from), name].filter(Boolean).join('/');
}
