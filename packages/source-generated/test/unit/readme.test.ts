/**
 * The README's options table is the one rendered from the schema. (Other packages run test-kit's
 * `testReadmeOptions`; the test kit depends on this package, so this one checks with core's renderer.)
 */
import { readFileSync } from 'node:fs';
import {
  OPTIONS_TABLES_COMMAND,
  readOptionsTable,
  renderOptionsTable,
  tableCells,
} from '@ctxsiem/core/config';
import { describe, expect, it } from 'vitest';
import { GeneratedSourceConfigSchema } from '../../src/config.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README.md', () => {
  it('carries the options table rendered from the current schema', () => {
    expect(tableCells(readOptionsTable(readme, 'source')), `run \`${OPTIONS_TABLES_COMMAND}\``).toEqual(
      tableCells(renderOptionsTable(GeneratedSourceConfigSchema)),
    );
  });

  it('says the deployable artifacts leave the source out', () => {
    expect(readme).toContain('leave its manifest out');
  });
});
