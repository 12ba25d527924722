import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testCheckpointStore } from '@ctxsiem/test-kit';
import { fileCheckpointStore } from '../src/index.ts';

let directory = '';
testCheckpointStore({
  name: 'file',
  async create() {
    directory = await mkdtemp(join(tmpdir(), 'ctxsiem-file-state-'));
    return {
      store: fileCheckpointStore({ directory }),
      cleanup: () => rm(directory, { recursive: true, force: true }),
    };
  },
  createPeer: async () => fileCheckpointStore({ directory }),
});
