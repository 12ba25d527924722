import { testReadmeOptions } from '@ctxsiem/test-kit/options-table';
import { GcsConnectionSchema } from '../src/config.ts';

// The connection table, and why each dependency is there.
testReadmeOptions({
  readme: new URL('../README.md', import.meta.url),
  tables: [{ id: 'connection', schema: GcsConnectionSchema }],
  dependencies: ['@google-cloud/storage', '@ctxsiem/core', 'zod'],
});
