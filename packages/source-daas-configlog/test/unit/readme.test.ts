import { testReadmeOptions } from '@ctxsiem/test-kit/options-table';
import { daasConfigLogConnector } from '../../src/connector.ts';

testReadmeOptions({
  readme: new URL('../../README.md', import.meta.url),
  tables: [{ id: 'source', schema: daasConfigLogConnector.schema }],
});
