import { testReadmeOptions } from '@ctxsiem/test-kit/options-table';
import { connectors } from '../../src/connector.ts';

const [sink, checkpoint] = connectors;
const permissions = 'storage.objects.create storage.objects.delete storage.objects.get storage.objects.list';

testReadmeOptions({
  readme: new URL('../../README.md', import.meta.url),
  tables: [
    { id: 'sink', schema: sink.schema },
    { id: 'checkpoint', schema: checkpoint.schema },
  ],
  // Permissions, gzip, the checkpoint layout, the legacy migration, the emulator's limits.
  mentions: [
    ...permissions.split(' '),
    'roles/storage.objectUser',
    ...['## IAM permissions', '## gzip', '## Checkpoint store', '## Testing against fake-gcs-server'],
    ...[
      '### Continuing from a seed collector',
      'last_hour_utc',
      'LEGACY_VERSION',
      'ifGenerationMatch',
      'writeId',
    ],
  ],
  dependencies: ['@ctxsiem/object-store-gcs', '@google-cloud/storage', '@ctxsiem/core', 'zod'],
});
