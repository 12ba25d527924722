import { readFileSync } from 'node:fs';
import { testReadmeOptions } from '@ctxsiem/test-kit/options-table';
import { describe, expect, it } from 'vitest';
import { gcsCheckpointConnector, gcsSinkConnector } from '../../src/connector.ts';

const README = new URL('../../README.md', import.meta.url);

testReadmeOptions({
  readme: README,
  tables: [
    { id: 'sink', schema: gcsSinkConnector.schema },
    { id: 'checkpoint', schema: gcsCheckpointConnector.schema },
  ],
});

describe('README', () => {
  it('explains permissions, gzip, the checkpoint layout, the legacy migration, the emulator limits and each dependency', () => {
    const readme = readFileSync(README, 'utf8');
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
