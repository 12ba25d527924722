import { positionFromLegacyState, stringList } from '@ctxsiem/core';
import { z } from 'zod';
import { ANALYTICS_ENTITIES, DEFAULT_ENTITIES } from './entities.ts';

/** The largest `$top` casodata accepts (a larger one is answered 400). */
export const MAX_TOP = 10_000;

const entityList = stringList.pipe(
  z
    .array(
      z.enum(ANALYTICS_ENTITIES, {
        error: (issue) =>
          `unknown casodata entity ${JSON.stringify(issue.input)}: must be one of ${ANALYTICS_ENTITIES.join(', ')}`,
      }),
    )
    .refine((list) => new Set(list).size === list.length, { message: 'lists an entity more than once' }),
);

/**
 * The seed's `state.json`: `{"last_hour_utc": "2024-08-06T07:00:00Z"}`, the start of the last hour it
 * collected. Other keys are ignored.
 */
export const LegacyStateSchema = z
  .looseObject({
    last_hour_utc: z
      .string()
      .refine((value) => positionFromLegacyState({ last_hour_utc: value }) !== undefined, {
        message: 'must be a UTC date-time such as 2024-08-06T07:00:00Z (the seed writes it so)',
      })
      .describe('Start of the last hour the seed collected, UTC.'),
  })
  .describe("The seed collector's state.json.");

/** Options of the Analytics for Performance source (the tenant connection comes from the deployment). */
export const AnalyticsOptionsSchema = z
  .object({
    type: z.literal('analytics').describe('Source type (SOURCE=analytics).'),
    entities: entityList
      .default([...DEFAULT_ENTITIES])
      // The JSON Schema of a comma-separated list shows only its input side: name the allowed values.
      .meta({ items: { type: 'string', enum: [...ANALYTICS_ENTITIES] } })
      .describe(
        `casodata entities to collect, one stream each: ${ANALYTICS_ENTITIES.join(', ')} (ENTITIES, comma-separated).`,
      ),
    top: z
      .number()
      .int()
      .min(1)
      .max(MAX_TOP)
      .default(1000)
      .describe(
        `Page size: \`$top\` of each request, paging on with \`$skip\` until a short page (TOP_N; at most ${MAX_TOP}).`,
      ),
    lookbackMinutes: z
      .number()
      .int()
      .min(0)
      .default(75)
      .describe(
        'As the seed (LOOKBACK_MINUTES): an hour is read once it ended at least lookbackMinutes - 60 minutes ago, and a first run without a checkpoint starts at the hour containing now - lookbackMinutes.',
      ),
    legacyState: LegacyStateSchema.optional().describe(
      'The seed collector\'s state.json (`{"last_hour_utc": "…"}`): a first run without a checkpoint starts at the hour after it.',
    ),
  })
  .strict();

export type AnalyticsOptions = z.output<typeof AnalyticsOptionsSchema>;
export type AnalyticsOptionsInput = z.input<typeof AnalyticsOptionsSchema>;
export type LegacyState = z.output<typeof LegacyStateSchema>;
