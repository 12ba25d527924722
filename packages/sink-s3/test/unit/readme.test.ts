import { readFileSync } from 'node:fs';
import { testReadmeOptions } from '@ctxsiem/test-kit/options-table';
import { describe, expect, it } from 'vitest';
import { s3CheckpointConnector, s3SinkConnector } from '../../src/connector.ts';

const README = new URL('../../README.md', import.meta.url);

testReadmeOptions({
  readme: README,
  tables: [
    { id: 'sink', schema: s3SinkConnector.schema },
    { id: 'checkpoint', schema: s3CheckpointConnector.schema },
  ],
});

describe('README', () => {
  it('explains permissions, gzip/SSE, the checkpoint layout, the legacy migration and each dependency', () => {
    const readme = readFileSync(README, 'utf8');
    for (const permission of [
      's3:PutObject',
      's3:GetObject',
      's3:DeleteObject',
      's3:ListBucket',
      'kms:GenerateDataKey',
    ])
      expect(readme).toContain(permission);
    for (const heading of [
      '## IAM permissions',
      '## gzip and server-side encryption',
      '## Checkpoint store',
      '### Continuing from a seed collector',
    ])
      expect(readme).toContain(heading);
    for (const text of ['last_hour_utc', 'LEGACY_VERSION', 'If-None-Match', 'If-Match', 'writeId'])
      expect(readme).toContain(text);
    const dependencies = readme.split('## Dependencies')[1]?.split('\n## ')[0] ?? '';
    for (const dep of ['@aws-sdk/client-s3', '@aws-sdk/lib-storage', '@ctxsiem/core', 'zod'])
      expect(dependencies).toContain(dep);
  });
});
