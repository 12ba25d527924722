/**
 * The range of `backfill --from --to`: each end an ISO-8601 instant (`2026-11-01T00:00:00Z`) or a
 * duration before the start of the current hour (`90m`, `36h`, `7d`), so that a range written in a
 * README or a runbook stays in the past — and inside the services' retention — whenever it is run, and
 * names the same windows for the whole hour (run it again after Ctrl-C and it resumes the same range).
 */
import { ConfigError, type ConfigIssue, floorTo, HOUR_MS } from '@ctxsiem/core';

const UNIT_MS: Record<string, number> = { m: 60_000, h: HOUR_MS, d: 24 * HOUR_MS };

/** `text` as an instant, relative ones counted back from the start of `now`'s hour; undefined if neither. */
export function pastInstant(text: string, now: number): Date | undefined {
  const relative = /^(\d+)([mhd])$/.exec(text.trim());
  if (relative) return new Date(floorTo(now, HOUR_MS) - Number(relative[1]) * UNIT_MS[relative[2]!]!);
  // Only a date with a time and a zone is an instant: `2026-11-01` alone would be read as UTC midnight
  // by Date but as local time by a reader, and `12` as a year.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(text.trim()))
    return undefined;
  const instant = new Date(text.trim());
  return Number.isNaN(instant.getTime()) ? undefined : instant;
}

/** Two instants, in order, in the past; else a usage error naming the option. */
export function backfillRange(fromText: string, toText: string, now: number): { from: Date; to: Date } {
  const issues: ConfigIssue[] = [];
  const expected =
    'an ISO-8601 instant with its zone (2026-11-01T00:00:00Z) or a duration before this hour (36h, 7d)';
  const from = pastInstant(fromText, now);
  const to = pastInstant(toText, now);
  if (!from) issues.push({ path: '--from', reason: `not ${expected}: ${fromText}` });
  if (!to) issues.push({ path: '--to', reason: `not ${expected}: ${toText}` });
  else if (to.getTime() > now)
    issues.push({ path: '--to', reason: 'is in the future: a backfill reads the past' });
  if (from && to && issues.length === 0 && to.getTime() <= from.getTime())
    issues.push({ path: '--to', reason: `must be after --from (${from.toISOString()})` });
  if (issues.length > 0) throw new ConfigError('backfill', issues);
  return { from: from!, to: to! };
}
