/**
 * The Citrix Analytics for Performance (casodata) entities ctxsiem collects. Citrix documents `sessions`
 * as the supported one; `machines` and `users` are what the seed collector (and the emulator) read too.
 */

export const ANALYTICS_ENTITIES = ['sessions', 'machines', 'users'] as const;

export type AnalyticsEntity = (typeof ANALYTICS_ENTITIES)[number];

/** The seed's default `ENTITIES=sessions,machines,users`. */
export const DEFAULT_ENTITIES: readonly AnalyticsEntity[] = ANALYTICS_ENTITIES;
