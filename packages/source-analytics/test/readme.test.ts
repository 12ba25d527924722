import { readFileSync } from 'node:fs';
import { optionRows } from '@ctxsiem/core/config';
import { testReadmeOptions } from '@ctxsiem/test-kit/options-table';
import { describe, expect, it } from 'vitest';
import { AnalyticsOptionsSchema } from '../src/config.ts';
import { analyticsConnector } from '../src/connector.ts';

const README = new URL('../README.md', import.meta.url);

testReadmeOptions({ readme: README, tables: [{ id: 'source', schema: analyticsConnector.schema }] });

describe('README', () => {
  it('shows the defaults the schema applies, the comma-separated list included', () => {
    const rows = Object.fromEntries(optionRows(AnalyticsOptionsSchema).map((row) => [row.name, row]));
    expect(rows.top?.default).toBe('1000');
    expect(rows.lookbackMinutes?.default).toBe('75');
    expect(rows.entities?.default).toBe('["sessions","machines","users"]');
    expect(rows.entities?.type).toBe('list of `sessions` | `machines` | `users`');
  });

  it('explains the differences from the seed and each runtime dependency', () => {
    const readme = readFileSync(README, 'utf8');
    const differences = readme.split('## Differences from the seed')[1]?.split('\n## ')[0] ?? '';
    for (const topic of ['Catches up', 'part-{uuid4}', 'legacyState']) expect(differences).toContain(topic);
    const dependencies = readme.split('## Dependencies')[1]?.split('\n## ')[0] ?? '';
    for (const dep of ['@ctxsiem/citrix-cloud', '@ctxsiem/core', 'zod', 'undici'])
      expect(dependencies).toContain(dep);
  });
});
