/**
 * The state object the seed collectors (the Citrix → SecOps Lambda scripts) keep in `state.json`:
 * `{"last_hour_utc": "2024-08-06T07:00:00Z"}` — the start of the last hour they collected. A user moving
 * to ctxsiem continues at the next hour, so nothing is collected twice and nothing is skipped.
 */
import { HOUR_MS } from '../clock/durations.ts';

export interface LegacyState {
  last_hour_utc?: unknown;
}

/** The position (everything before it delivered) a seed's state means, or undefined if it holds none. */
export function positionFromLegacyState(state: unknown): Date | undefined {
  if (typeof state !== 'object' || state === null) return undefined;
  const value = (state as LegacyState).last_hour_utc;
  if (typeof value !== 'string') return undefined;
  // The seeds write naive UTC with a 'Z' (isoformat() + "Z"), sometimes with microseconds.
  const parsed = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`);
  if (Number.isNaN(parsed)) return undefined;
  return new Date(Math.floor(parsed / HOUR_MS) * HOUR_MS + HOUR_MS);
}
