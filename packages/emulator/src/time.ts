/**
 * Time arithmetic on millisecond epochs and the two wire formats for timestamps:
 * Monitor (.NET DateTimeOffset: trailing fractional zeros trimmed, e.g. 2024-07-30T01:02:49.37Z) and
 * casodata (plain ISO 8601 with milliseconds).
 */

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Index of the UTC hour that contains `ms` (hours since the epoch). */
export function hourIndex(ms: number): number {
  return Math.floor(ms / HOUR_MS);
}

/** Formats like the Monitor service does: `.470Z` → `.47Z`, `.000Z` → `Z`. */
export function formatMonitorDate(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.replace(/\.?0+Z$/, 'Z');
}

export function formatIsoDate(ms: number): string {
  return new Date(ms).toISOString();
}
