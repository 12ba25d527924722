/**
 * The vitest suite that keeps a README's options tables current: each table equal (column padding
 * aside) to the one `@ctxsiem/core/config` renders from the current schema, every key described.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  OPTIONS_TABLES_COMMAND,
  type OptionsTable,
  optionRows,
  readOptionsTable,
  renderOptionsTable,
  schemaKeys,
  tableCells,
} from '@ctxsiem/core/config';
import { describe, expect, it } from 'vitest';

export interface ReadmeOptionsSuite {
  /** Path (or file: URL) of the README, e.g. `new URL('../../README.md', import.meta.url)`. */
  readme: string | URL;
  tables: OptionsTable[];
  /** Packages the README's `## Dependencies` section must name (each with why it is there). */
  dependencies?: readonly string[];
  /** Texts (headings, permissions, terms) the README must contain. */
  mentions?: readonly string[];
}

/**
 * A vitest suite: each of `tables` is in `readme` between its markers, equal (column padding aside) to
 * the one rendered from the current schema, and documents every schema key with a description.
 */
export function testReadmeOptions({
  readme,
  tables,
  dependencies = [],
  mentions = [],
}: ReadmeOptionsSuite): void {
  const path = readme instanceof URL || readme.startsWith('file:') ? fileURLToPath(readme) : readme;
  const label = `${basename(dirname(path))}/${basename(path)}`;
  const stale = (id: string) =>
    `${label}: the "${id}" options table is not the one rendered from its schema; run \`${OPTIONS_TABLES_COMMAND}\` at the repo root`;

  describe(`${label} options tables`, () => {
    for (const { id, schema } of tables) {
      it(`carries the ${id} options table rendered from the current schema`, () => {
        const current = readOptionsTable(readFileSync(path, 'utf8'), id);
        expect(tableCells(current), stale(id)).toEqual(tableCells(renderOptionsTable(schema)));
      });

      it(`documents every ${id} schema key, each with a description`, () => {
        const documented = tableCells(readOptionsTable(readFileSync(path, 'utf8'), id))
          .slice(2)
          .map((cells) => cells[0]);
        for (const key of schemaKeys(schema)) expect(documented, stale(id)).toContain(`\`${key}\``);
        for (const row of optionRows(schema)) {
          expect(row.description, `option ${row.name} of "${id}" needs a .describe() text`).not.toBe('');
        }
      });
    }
    if (mentions.length) {
      it('explains what it must', () => {
        const text = readFileSync(path, 'utf8');
        for (const mention of mentions) expect(text, label).toContain(mention);
      });
    }
    if (dependencies.length) {
      it('says why each dependency is there', () => {
        const section = readFileSync(path, 'utf8').split('## Dependencies')[1]?.split('\n## ')[0] ?? '';
        for (const dependency of dependencies)
          expect(section, `${label}: ## Dependencies`).toContain(dependency);
      });
    }
  });
}
