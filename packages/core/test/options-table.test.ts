import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { renderOptionsTable, replaceOptionsTable } from '../src/config/options-table.ts';

const schema = z
  .object({
    bucket: z.string().min(1).describe('Bucket to write to.'),
    gzip: z.boolean().default(false).describe('Compress parts.'),
    retry: z
      .object({ attempts: z.number().int().min(1).default(3).describe('Tries per call.') })
      .describe('Retry policy.'),
  })
  .strict();

describe('options tables', () => {
  it('renders one row per option, nested ones dotted, with type, default and description', () => {
    const table = renderOptionsTable(schema);
    expect(table).toContain('`bucket`');
    expect(table).toContain('Bucket to write to.');
    expect(table).toContain('`retry.attempts`');
    expect(table).toMatch(/`gzip`.*`false`.*Compress parts\./);
  });

  it('replaces only the marked table in a README', () => {
    const readme = 'intro\n<!-- options:sink -->\nold\n<!-- /options:sink -->\noutro\n';
    const next = replaceOptionsTable(readme, 'sink', renderOptionsTable(schema));
    expect(next.startsWith('intro\n<!-- options:sink -->\n')).toBe(true);
    expect(next.endsWith('<!-- /options:sink -->\noutro\n')).toBe(true);
    expect(next).not.toContain('\nold\n');
  });
});
