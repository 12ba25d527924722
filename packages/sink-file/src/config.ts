import { z } from 'zod';

export const FileSinkConfigSchema = z
  .object({
    type: z.literal('file').default('file').describe('Selects local files.'),
    directory: z
      .string()
      .min(1, 'must name a directory')
      .describe('Folder the partitioned NDJSON files are written under.'),
    prefix: z
      .string()
      .default('')
      .describe('Path prefix inside the folder; `{tenant}` is replaced by the tenant id.'),
    gzip: z.boolean().default(false).describe('Write `.ndjson.gz` files instead of plain NDJSON.'),
  })
  .strict();

export type FileSinkConfig = z.output<typeof FileSinkConfigSchema>;

export const FileCheckpointConfigSchema = z
  .object({
    type: z.literal('file').default('file').describe('Selects the local file checkpoint store.'),
    directory: z
      .string()
      .min(1, 'must name a directory')
      .describe(
        'Folder holding the checkpoints: {tenant}/{source}/{stream}.v{N}.json per stream, window manifests under _manifests/.',
      ),
    lockStaleMs: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        'Deprecated and ignored: the store no longer takes locks (lock-free compare-and-swap on versioned files). Still accepted so existing configs keep working.',
      ),
  })
  .strict();

export type FileCheckpointConfig = z.output<typeof FileCheckpointConfigSchema>;
