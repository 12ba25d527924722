/**
 * The object layout shared by the file, S3 and GCS sinks — the seeds' partition folders, which Google
 * SecOps feeds read, with deterministic part names instead of random UUIDs:
 *
 *   {prefix}/{stream}/year=YYYY/month=MM/day=DD/hour=HH/part-{windowStart}-{seq}-{source}-{tenant}.ndjson[.gz]
 *
 * The window start carries milliseconds, and the name carries source and tenant, so two windows, two
 * tenants or two sources (Monitor `Sessions` and Analytics `sessions` on a case-insensitive disk) can
 * never produce the same key, whatever the prefix. Dead-lettered records go under
 * `{prefix}/_deadletter/{stream}/…` (or the sink's dead-letter prefix) with the same part name; records
 * replayed from a dead-letter part go beside the data as `part-…-{tenant}-replay{round}.ndjson`.
 * `{tenant}` in a prefix is replaced by the batch's tenant, for operators who want a folder per tenant.
 */

import { z } from 'zod';
import type { PartName } from '../contracts/sink.ts';
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

/** A path without its leading and trailing slashes. */
const trimSlashes = (value: string) => value.replace(/^\/+|\/+$/g, '');

/** A prefix as a key starts with it: `{tenant}` replaced, no edge slashes. */
export function normalizePrefix(prefix: string | undefined, tenant: string): string {
  return trimSlashes((prefix ?? '').replaceAll('{tenant}', tenant));
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
  const trimmed = trimSlashes(prefix ?? '');
  return trimmed ? `_ctxsiem/${trimmed}` : '_ctxsiem';
}

/** The folder template a part of `kind` goes under, `{tenant}` not yet replaced, without edge slashes. */
function rootTemplate(kind: PartName['kind'], options: LayoutOptions): string {
  const prefix = trimSlashes(options.prefix ?? '');
  if (kind !== 'deadletter') return prefix;
  if (options.deadLetterPrefix !== undefined) return trimSlashes(options.deadLetterPrefix);
  return [prefix, DEAD_LETTER_FOLDER].filter(Boolean).join('/');
}

/**
 * A part's number as names carry it: `00042`, or `p3-01234` for a part of a partitioned log
 * (partition 3, batch starting at offset 1234); `-replay{round}` for a replayed dead-letter part.
 */
export function partNumber(part: Pick<PartName, 'seq' | 'partition' | 'replay'>): string {
  const partition = part.partition === undefined ? '' : `p${part.partition}-`;
  const replay = part.replay === undefined ? '' : `-replay${part.replay}`;
  return `${partition}${pad(part.seq, 5)}${replay}`;
}

/** The object key (or relative file path) of a part. */
export function batchKey(part: PartName, options: LayoutOptions = {}): string {
  const tenant = assertPathName('tenant', part.tenant);
  const source = assertPathName('source', part.source);
  const stream = assertPathName('stream', part.stream);
  const root = normalizePrefix(rootTemplate(part.kind, options), tenant);
  const number = partNumber({ seq: part.seq, partition: part.partition });
  const replay = part.replay === undefined ? '' : `-replay${part.replay}`;
  const name = `part-${compactInstant(part.window.from)}-${number}-${source}-${tenant}${replay}.ndjson${options.gzip ? '.gz' : ''}`;
  return [root, stream, hourPartition(part.window.from), name].filter(Boolean).join('/');
}

/** How a sink finds its dead-letter parts: list the keys under `prefix`, keep those `parse` names. */
export interface DeadLetterListing {
  /** Every dead-letter key starts with this (the dead-letter folder up to its first `{tenant}`). */
  prefix: string;
  /** The part a key names, or undefined for a key that is not a dead-letter part of this layout. */
  parse(key: string): PartName | undefined;
}

const escapeRegExp = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `20240806T070000.000Z` back to its instant. */
function parseCompactInstant(value: string): Date {
  const iso = `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}T${value.slice(9, 11)}:${value.slice(11, 13)}:${value.slice(13)}`;
  return new Date(iso);
}

export function deadLetterListing(options: LayoutOptions = {}): DeadLetterListing {
  const root = rootTemplate('deadletter', options);
  const fixed = root.split('{tenant}')[0] ?? '';
  const prefix = fixed === root && root ? `${root}/` : fixed;
  const rootPattern = root.split('{tenant}').map(escapeRegExp).join('[^/]+');
  const pattern = new RegExp(
    `^${rootPattern ? `${rootPattern}/` : ''}(?<stream>[^/]+)/year=\\d{4}/month=\\d{2}/day=\\d{2}/hour=\\d{2}/` +
      `part-(?<start>\\d{8}T\\d{6}\\.\\d{3}Z)-(?:p(?<partition>\\d+)-)?(?<seq>\\d{5,})-(?<source>[a-z][a-z0-9]*)-(?<tenant>[^/]+?)\\.ndjson(?:\\.gz)?$`,
  );
  return {
    prefix,
    parse(key) {
      const groups = pattern.exec(key)?.groups;
      if (!groups) return undefined;
      const name: PartName = {
        tenant: groups.tenant!,
        source: groups.source!,
        stream: groups.stream!,
        window: { from: parseCompactInstant(groups.start!) },
        seq: Number(groups.seq),
        kind: 'deadletter',
        ...(groups.partition === undefined ? {} : { partition: Number(groups.partition) }),
      };
      // Only a key this layout would give the part (tenant folder, hour, compression included).
      try {
        return batchKey(name, options) === key ? name : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
