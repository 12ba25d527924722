import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GcsCheckpointConfigSchema, GcsSinkConfigSchema } from '../../src/index.ts';
import {
  currentTable,
  optionRows,
  README_PATH,
  renderOptionsTable,
  type TableName,
  tableCells,
} from '../options-table.ts';

const readme = readFileSync(README_PATH, 'utf8');
const schemas: Record<TableName, { shape: Record<string, unknown> }> = {
  sink: GcsSinkConfigSchema,
  checkpoint: GcsCheckpointConfigSchema,
};

describe('README', () => {
  for (const name of ['sink', 'checkpoint'] as const) {
    it(`carries the ${name} options table rendered from the current schema (run test/options-table.ts --write)`, () => {
      expect(tableCells(currentTable(readme, name))).toEqual(tableCells(renderOptionsTable(name)));
    });

    it(`documents every ${name} schema key, with a description`, () => {
      const inReadme = tableCells(currentTable(readme, name)).map((cells) => cells[0]);
      for (const key of Object.keys(schemas[name].shape)) expect(inReadme).toContain(`\`${key}\``);
      for (const row of optionRows(name)) expect(row.description, row.name).not.toBe('');
    });
  }

  it('explains permissions, gzip, the checkpoint layout, the legacy migration, the emulator limits and each dependency', () => {
    for (const permission of [
      'storage.objects.create',
      'storage.objects.delete',
      'storage.objects.get',
      'storage.objects.list',
      'roles/storage.objectUser',
    ])
      expect(readme).toContain(permission);
    for (const heading of [
      '## IAM permissions',
      '## gzip',
      '## Checkpoint store',
      '### Continuing from a seed collector',
      '## Testing against fake-gcs-server',
    ])
      expect(readme).toContain(heading);
    for (const text of ['last_hour_utc', 'LEGACY_VERSION', 'ifGenerationMatch', 'writeId'])
      expect(readme).toContain(text);
    const dependencies = readme.split('## Dependencies')[1]?.split('\n## ')[0] ?? '';
    for (const dep of ['@google-cloud/storage', '@ctxsiem/core', 'zod']) expect(dependencies).toContain(dep);
  });
});
