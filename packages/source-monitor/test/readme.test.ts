import { testReadmeOptions } from '@ctxsiem/test-kit/options-table';
import { MonitorOptionsSchema } from '../src/config.ts';

testReadmeOptions({
  readme: new URL('../README.md', import.meta.url),
  tables: [{ id: 'source', schema: MonitorOptionsSchema }],
});
