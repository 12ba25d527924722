/** Options of the DaaS configuration log source: the single source of its type, defaults, docs and options table. */
import { stringList } from '@ctxsiem/core';
import { z } from 'zod';

/** The streams: the configuration log's operations, and the site's sessions. */
export const DAAS_STREAMS = ['operations', 'daasSessions'] as const;
export type DaasStreamName = (typeof DAAS_STREAMS)[number];

export const DaasConfigLogOptionsSchema = z
  .object({
    type: z
      .literal('daasconfiglog')
      .describe('Selects the Citrix DaaS configuration log source (SOURCE=daasconfiglog).'),
    streams: stringList
      .pipe(
        z
          .array(z.enum(DAAS_STREAMS, { error: `must be one of ${DAAS_STREAMS.join(', ')}` }))
          .min(1, 'must name at least one stream'),
      )
      .optional()
      .describe(
        'Streams to collect (DAAS_STREAMS, comma-separated): `operations`, the configuration log, per UTC hour; `daasSessions`, the sessions the site lists, each time its state changes, per 15 minutes (as Microsoft’s Sentinel connector reads them). Default: both.',
      ),
    siteId: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .describe(
        'The DaaS site (sent as Citrix-InstanceId). Default: the customer’s site, from `GET /cvad/manage/me`; required when the customer has several (DAAS_SITE_ID).',
      ),
    pageSize: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(1000)
      .describe('Operations asked for per page (`limit`): Citrix allows at most 1000 (DAAS_PAGE_SIZE).'),
    lagMinutes: z
      .number()
      .int()
      .min(0)
      .max(720)
      .default(10)
      .describe(
        'An hour is read once it ended this long ago; the reconcile pass reads it again for operations logged late or ended since (LAG_MINUTES).',
      ),
    lowLevelPerWindow: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .default(250)
      .describe(
        'How many operations of a window get their low-level operations (the SDK calls, their parameters, the properties changed) embedded as `LowLevelOperations`, one more request each; 0: none (DAAS_LOW_LEVEL_PER_WINDOW). Past it an operation says `LowLevelOperationsStatus: "capped"`.',
      ),
    sessionsLagMinutes: z
      .number()
      .int()
      .min(0)
      .max(720)
      .default(2)
      .describe(
        'A quarter hour of session state changes is read once it ended this long ago: the API lists a session by its last change only, so a longer wait sees fewer of its states (DAAS_SESSIONS_LAG_MINUTES).',
      ),
  })
  .strict();

export type DaasConfigLogOptions = z.output<typeof DaasConfigLogOptionsSchema>;
export type DaasConfigLogOptionsInput = z.input<typeof DaasConfigLogOptionsSchema>;

/** The streams the options select: as listed, else both. */
export function selectedStreams(options: DaasConfigLogOptions): readonly DaasStreamName[] {
  return options.streams ?? DAAS_STREAMS;
}
