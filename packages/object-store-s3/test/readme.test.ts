import { testReadmeOptions } from '@ctxsiem/test-kit/options-table';
import { S3ConnectionSchema } from '../src/config.ts';

testReadmeOptions({
  readme: new URL('../README.md', import.meta.url),
  tables: [{ id: 'connection', schema: S3ConnectionSchema }],
  dependencies: ['@aws-sdk/client-s3', '@aws-sdk/lib-storage', '@ctxsiem/core', 'zod'],
});
