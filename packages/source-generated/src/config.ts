/**
 * The generated source's configuration: which streams, how many records a minute each, and the page
 * size. It needs no credentials and reaches no API.
 */
import { pathNameSchema } from '@ctxsiem/core';
import { z } from 'zod';

export const GeneratedSourceConfigSchema = z
  .object({
    type: z.literal('generated'),
    streams: z
      .array(
        z
          .object({
            name: pathNameSchema('stream').describe('The stream’s name (a path segment of its parts).'),
            recordsPerMinute: z
              .number()
              .int()
              .positive()
              .describe('Records the stream produces in every UTC minute, spread evenly.'),
          })
          .strict(),
      )
      .min(1)
      .default([{ name: 'events', recordsPerMinute: 10 }])
      .describe('The streams, each with its own rate.'),
    pageSize: z.number().int().positive().default(100).describe('Records per page (`PAGE_SIZE`).'),
  })
  .strict()
  .describe('A deterministic generated source (tests, benchmarks, the foundation demo).');

export type GeneratedSourceConfig = z.infer<typeof GeneratedSourceConfigSchema>;
