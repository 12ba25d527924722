import { testReadmeOptions } from '@ctxsiem/test-kit/options-table';
import { fileCheckpointConnector, fileSinkConnector } from '../src/connector.ts';

testReadmeOptions({
  readme: new URL('../README.md', import.meta.url),
  tables: [
    { id: 'sink', schema: fileSinkConnector.schema },
    { id: 'checkpoint', schema: fileCheckpointConnector.schema },
  ],
});
