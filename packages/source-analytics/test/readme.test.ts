import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AnalyticsOptionsSchema } from '../src/config.ts';
import { currentTable, optionRows, README_PATH, renderOptionsTable, tableCells } from './options-table.ts';

const readme = readFileSync(README_PATH, 'utf8');

describe('README', () => {
  it('carries the options table rendered from the current schema (run test/options-table.ts --write)', () => {
    expect(tableCells(currentTable(readme))).toEqual(tableCells(renderOptionsTable()));
  });

  it('documents every schema key with a description and its default', () => {
    const inReadme = tableCells(currentTable(readme)).map((cells) => cells[0]);
    for (const key of Object.keys(AnalyticsOptionsSchema.shape)) expect(inReadme).toContain(`\`${key}\``);
    for (const row of optionRows()) expect(row.description, row.name).not.toBe('');
    const rows = Object.fromEntries(optionRows().map((row) => [row.name, row]));
    expect(rows.top?.default).toBe('1000');
    expect(rows.lookbackMinutes?.default).toBe('75');
    expect(rows.entities?.default).toBe('["sessions","machines","users"]');
    expect(rows.entities?.type).toBe('list of `sessions` | `machines` | `users`');
  });

  it('explains the differences from the seed and each runtime dependency', () => {
    const differences = readme.split('## Differences from the seed')[1]?.split('\n## ')[0] ?? '';
    for (const topic of ['Catches up', 'part-{uuid4}', 'legacyState']) expect(differences).toContain(topic);
    const dependencies = readme.split('## Dependencies')[1]?.split('\n## ')[0] ?? '';
    for (const dep of ['@ctxsiem/citrix-cloud', '@ctxsiem/core', 'zod', 'undici'])
      expect(dependencies).toContain(dep);
  });
});
