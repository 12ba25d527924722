/** Options of the DaaS configuration log source: the single source of its type, defaults, docs and options table. */
import { z } from 'zod';

export const DaasConfigLogOptionsSchema = z
  .object({
    type: z
      .literal('daasconfiglog')
      .describe('Selects the Citrix DaaS configuration log source (SOURCE=daasconfiglog).'),
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
  })
  .strict();

export type DaasConfigLogOptions = z.output<typeof DaasConfigLogOptionsSchema>;
export type DaasConfigLogOptionsInput = z.input<typeof DaasConfigLogOptionsSchema>;
