import { testSource } from '@ctxsiem/test-kit';
import { monitorHarness } from './harness.ts';

let harness: Awaited<ReturnType<typeof monitorHarness>>;
const window = { from: new Date('2024-08-06T09:00:00Z'), to: new Date('2024-08-06T10:00:00Z') };

testSource({
  name: 'monitor (against the emulator)',
  async create() {
    harness = await monitorHarness();
    return {
      source: harness.source({ entities: ['Sessions', 'Connections', 'Machines'], sessionUserFields: false }),
      window,
      expected: (stream, w) => [...harness.emulator.data.monitor(stream, w)],
      cleanup: () => harness.cleanup(),
    };
  },
  streams: ['Sessions', 'Connections'],
});
