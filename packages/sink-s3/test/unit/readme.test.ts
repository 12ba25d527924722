import { testReadmeOptions } from '@ctxsiem/test-kit/options-table';
import { s3CheckpointConnector, s3SinkConnector } from '../../src/connector.ts';

const permissions = [
  's3:PutObject',
  's3:GetObject',
  's3:DeleteObject',
  's3:ListBucket',
  'kms:GenerateDataKey',
];
const headings = ['## IAM permissions', '## gzip and server-side encryption', '## Checkpoint store'];
const legacy = ['### Continuing from a seed collector', 'last_hour_utc', 'LEGACY_VERSION', 'writeId'];

// The options tables; permissions, gzip/SSE, the checkpoint layout, the legacy migration, conditions.
testReadmeOptions({
  readme: new URL('../../README.md', import.meta.url),
  tables: [
    { id: 'sink', schema: s3SinkConnector.schema },
    { id: 'checkpoint', schema: s3CheckpointConnector.schema },
  ],
  mentions: [...permissions, ...headings, ...legacy, 'If-None-Match', 'If-Match'],
  dependencies: [
    '@ctxsiem/object-store-s3',
    '@aws-sdk/client-s3',
    '@aws-sdk/lib-storage',
    '@ctxsiem/core',
    'zod',
  ],
});
