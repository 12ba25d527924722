/** Options of the licensing source: the single source of its type, defaults, docs and options table. */
import { stringList } from '@ctxsiem/core';
import { z } from 'zod';

/** The streams of the Citrix Cloud licensing API. */
export const LICENSING_STREAMS = ['usage', 'history'] as const;
export type LicensingStreamName = (typeof LICENSING_STREAMS)[number];

export const LicensingOptionsSchema = z
  .object({
    type: z.literal('licensing').describe('Selects the licensing source (SOURCE=licensing).'),
    streams: stringList
      .pipe(
        z
          .array(z.enum(LICENSING_STREAMS, { error: `must be one of ${LICENSING_STREAMS.join(', ')}` }))
          .min(1, 'must name at least one stream'),
      )
      .default([...LICENSING_STREAMS])
      .describe(
        '`usage`: the CVAD user/device license usage, one snapshot per UTC day; `history`: the monthly usage, each closed month once and the current month as it grows (LICENSING_STREAMS).',
      ),
    lagMinutes: z
      .number()
      .int()
      .min(0)
      .max(720)
      .default(15)
      .describe('A UTC day is collected once it ended this long ago (LAG_MINUTES).'),
  })
  .strict();

export type LicensingOptions = z.output<typeof LicensingOptionsSchema>;
export type LicensingOptionsInput = z.input<typeof LicensingOptionsSchema>;
