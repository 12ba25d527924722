import { pathNameSchema, stringList } from '@ctxsiem/core';
import { z } from 'zod';
import { DEFAULT_ENTITIES, GRANULARITIES } from './entities.ts';

/** Options of the Monitor source (the tenant connection comes from the deployment's tenant). */
export const MonitorOptionsSchema = z
  .object({
    type: z.literal('monitor').describe('Selects the Citrix Monitor Service OData source.'),
    entities: stringList
      .pipe(z.array(pathNameSchema('stream')))
      .default([...DEFAULT_ENTITIES])
      .describe('Monitor entity sets to collect, one stream each (ENTITIES, comma-separated).'),
    pageSize: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .optional()
      .describe('Page-size hint sent as `Prefer: odata.maxpagesize` (PAGE_SIZE); the server may use less.'),
    useTimeFilter: z
      .boolean()
      .default(true)
      .describe(
        'Window queries with `$filter` on the cursor column (USE_TIME_FILTER). Off: every window reads the whole set and keeps the records whose cursor falls in it.',
      ),
    fallbackUnfiltered: z
      .boolean()
      .default(true)
      .describe(
        "When the API answers 400 to a filtered query, warn and read the set unfiltered, keeping the window's records client-side.",
      ),
    sessionUserFields: z
      .boolean()
      .default(true)
      .describe(
        'Add UserName and FullName to Sessions via `$expand=User($select=UserName,FullName)` (as the SecOps session-metadata sample).',
      ),
    cursorColumns: z
      .record(z.string(), z.string().min(1))
      .default({})
      .describe('Cursor column per entity set, overriding the built-in list (ModifiedDate by default).'),
    summaryGranularity: z
      .union(GRANULARITIES.map((minutes) => z.literal(minutes)))
      .default(60)
      .describe(
        'Slot length, in minutes, of the summary sets read (SUMMARY_GRANULARITY): 60 hourly rows, 1440 daily rows, 1 minute rows (DesktopOS/ServerOS desktop summaries only). Each summary window asks for `Granularity eq` this; the lag becomes the slot length plus 30 minutes, as a slot is published once it is over.',
      ),
    lagMinutes: z
      .number()
      .min(0)
      .optional()
      .describe(
        'Only data older than now minus this is read. Default by cursor column: 10 for ModifiedDate and CreatedDate (written as changes are recorded), 30 for CollectedDate, UserInitStartDate and EventTimestamp (event times uploaded later), the slot length plus 30 for SummaryDate. Later rows are caught by the reconcile pass.',
      ),
    maxWindowMinutes: z
      .number()
      .int()
      .min(1)
      .max(60)
      .default(60)
      .describe('Longest window per query (windows never cross an hour).'),
  })
  .strict();

export type MonitorOptions = z.output<typeof MonitorOptionsSchema>;
export type MonitorOptionsInput = z.input<typeof MonitorOptionsSchema>;
