/** Options of the System Log source: the single source of its type, defaults, docs and options table. */
import { z } from 'zod';

export const SystemLogOptionsSchema = z
  .object({
    type: z.literal('systemlog').describe('Selects the Citrix Cloud System Log source (SOURCE=systemlog).'),
    pageSize: z
      .number()
      .int()
      .min(1)
      .max(200)
      .default(200)
      .describe(
        'Records asked for per page (`Limit`): Citrix documents 50 as the default and 200 as the most; working clients use 200 (SYSTEMLOG_PAGE_SIZE).',
      ),
    lagMinutes: z
      .number()
      .int()
      .min(0)
      .max(720)
      .default(10)
      .describe(
        'An hour is read once it ended this long ago; the reconcile pass reads it again for events written later (LAG_MINUTES).',
      ),
  })
  .strict();

export type SystemLogOptions = z.output<typeof SystemLogOptionsSchema>;
export type SystemLogOptionsInput = z.input<typeof SystemLogOptionsSchema>;
