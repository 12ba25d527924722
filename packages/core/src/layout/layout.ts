/**
 * The object layout shared by the file, S3 and GCS sinks — the seeds' partition folders, which Google
 * SecOps feeds read, with deterministic part names instead of random UUIDs:
 *
 *   {prefix}/{stream}/year=YYYY/month=MM/day=DD/hour=HH/part-{windowStart}-{seq}-{source}-{tenant}.ndjson[.gz]
 *
 * The window start carries milliseconds, and the name carries source and tenant, so two windows, two
 * tenants or two sources (Monitor `Sessions` and Analytics `sessions` on a case-insensitive disk) can
 * never produce the same key, whatever the prefix. Dead-lettered records go under
 * `{prefix}/_deadletter/{stream}/…` with the same part name. `{tenant}` in the prefix is replaced by the
 * batch's tenant, for operators who want a folder per tenant.
 */

import { z } from 'zod';
import type { PartIdentity } from '../contracts/contracts.ts';
import { CtxsiemError } from '../errors/errors.ts';

export const DEAD_LETTER_FOLDER = '_deadletter';

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** `20240806T070000.000Z`: sortable, to the millisecond, free of characters object stores dislike. */
export function compactInstant(date: Date): string {
  return `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}T${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}.${pad(date.getUTCMilliseconds(), 3)}Z`;
}

/** What tenant, source and stream names must look like to become part of a path. */
const NAME_PATTERNS = {
  tenant: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/,
  source: /^[a-z][a-z0-9]{0,31}$/,
  stream: /^[A-Za-z][A-Za-z0-9_]{0,127}$/,
} as const;

const NAME_RULES = {
  tenant: 'letters, digits, `.`, `_` and `-`, starting with a letter or digit, at most 128',
  source: 'lowercase letters and digits, starting with a letter, at most 32',
  stream: 'letters, digits and `_`, starting with a letter, at most 128',
} as const;

/**
 * A config field holding a tenant, source or stream name that will become part of a path: checked
 * where it is configured, so a bad one is a config error naming the field, never a path outside its
 * folder.
 */
export function pathNameSchema(kind: keyof typeof NAME_PATTERNS) {
  return z
    .string()
    .regex(NAME_PATTERNS[kind], `must be a ${kind} name usable in paths: ${NAME_RULES[kind]}`)
    .refine((value) => !value.includes('..'), `must be a ${kind} name usable in paths: no ".."`);
}

/** Refuses a tenant, source or stream name that could escape its folder or make two keys collide. */
export function assertPathName(kind: keyof typeof NAME_PATTERNS, value: string): string {
  if (!NAME_PATTERNS[kind].test(value) || value.includes('..'))
    throw new CtxsiemError(
      'NAME_INVALID',
      `${kind} name ${JSON.stringify(value)} cannot be used in a path: expected ${NAME_PATTERNS[kind]}`,
    );
  return value;
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
  /** Where dead letters go (`{tenant}` allowed); default `{prefix}/_deadletter`. */
  deadLetterPrefix?: string | undefined;
}

/**
 * The prefix that keeps ctxsiem's own objects (checkpoints, manifests, dead letters) beside the data
 * prefix rather than under it, so a SIEM feed reading `{prefix}/` never ingests them:
 * `_ctxsiem/{prefix}` (or `_ctxsiem` for the bucket root).
 */
export function controlPrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed ? `_ctxsiem/${trimmed}` : '_ctxsiem';
}

/** The object key (or relative file path) of a part. */
export function batchKey(part: PartIdentity, options: LayoutOptions = {}): string {
  const tenant = assertPathName('tenant', part.tenant);
  const source = assertPathName('source', part.source);
  const stream = assertPathName('stream', part.stream);
  const prefix = normalizePrefix(options.prefix, tenant);
  const root =
    part.kind !== 'deadletter'
      ? prefix
      : options.deadLetterPrefix !== undefined
        ? normalizePrefix(options.deadLetterPrefix, tenant)
        : [prefix, DEAD_LETTER_FOLDER].filter(Boolean).join('/');
  const name = `part-${compactInstant(part.window.from)}-${pad(part.seq, 5)}-${source}-${tenant}.ndjson${options.gzip ? '.gz' : ''}`;
  return [root, stream, hourPartition(part.window.from), name].filter(Boolean).join('/');
}
