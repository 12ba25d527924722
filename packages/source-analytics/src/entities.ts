/**
 * The Citrix Analytics for Performance (casodata) entities ctxsiem collects. Citrix documents `sessions`
 * as the supported one; `machines` and `users` are what the seed collector (and the emulator) read too.
 */

export const ANALYTICS_ENTITIES = ['sessions', 'machines', 'users'] as const;

export type AnalyticsEntity = (typeof ANALYTICS_ENTITIES)[number];

/** The seed's default `ENTITIES=sessions,machines,users`. */
export const DEFAULT_ENTITIES: readonly AnalyticsEntity[] = ANALYTICS_ENTITIES;

/**
 * The key of each entity's rows: one row per session, machine or user of an hour. INFERRED: Citrix's
 * casodata documentation lists the entities' fields, not a key; these are the fields that name the
 * session, machine and user the row is about (the seed collector's rows and the emulator's carry them).
 * A row is identified by its key and its content (the stream's `identity` is the `raw` row, whose
 * canonical JSON holds the key): it changes in place with no cursor moving, so a changed row is a new
 * version, delivered once, and one read again unchanged is not delivered again.
 */
export const ANALYTICS_KEYS: Readonly<Record<AnalyticsEntity, string>> = {
  sessions: 'sessionKey',
  machines: 'machineId',
  users: 'userName',
};
