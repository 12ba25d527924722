import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  currentTable,
  optionRows,
  README_PATH,
  renderOptionsTable,
  tableCells,
} from '../../scripts/render-options-table.ts';
import { CitrixCloudConfigSchema } from '../../src/index.ts';

const readme = readFileSync(README_PATH, 'utf8');

describe('README', () => {
  it('carries the options table rendered from the current schema (run scripts/render-options-table.ts --write)', () => {
    expect(tableCells(currentTable(readme))).toEqual(tableCells(renderOptionsTable()));
  });

  it('documents every schema key, nested ones included', () => {
    const keys = Object.keys(CitrixCloudConfigSchema.shape);
    const documented = optionRows().map((row) => row.name);
    const inReadme = tableCells(currentTable(readme)).map((cells) => cells[0]);
    for (const key of keys) {
      expect(documented).toContain(key);
      expect(inReadme).toContain(`\`${key}\``);
    }
    expect(documented).toEqual(expect.arrayContaining(['backoff.baseMs', 'backoff.maxMs']));
    for (const row of optionRows()) expect(row.description, row.name).not.toBe('');
  });

  it('has a Dependencies section explaining each runtime dependency', () => {
    const section = readme.split('## Dependencies')[1]?.split('\n## ')[0] ?? '';
    for (const dep of ['undici', 'zod', '@ctxsiem/core', 'p-retry']) expect(section).toContain(dep);
  });
});
