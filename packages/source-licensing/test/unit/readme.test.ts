import { testReadmeOptions } from '@ctxsiem/test-kit/options-table';
import { licensingConnector } from '../../src/connector.ts';

testReadmeOptions({
  readme: new URL('../../README.md', import.meta.url),
  tables: [{ id: 'source', schema: licensingConnector.schema }],
});
