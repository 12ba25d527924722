import { testReadmeOptions } from '@ctxsiem/test-kit/options-table';
import { FileCheckpointConfigSchema, FileSinkConfigSchema } from '../src/config.ts';

testReadmeOptions({
  readme: new URL('../README.md', import.meta.url),
  tables: [
    { id: 'sink', schema: FileSinkConfigSchema },
    { id: 'checkpoint', schema: FileCheckpointConfigSchema },
  ],
});
