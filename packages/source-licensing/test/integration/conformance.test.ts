/**
 * The source conformance suite on the history stream, on the first day of a month collected while fresh:
 * two pages (the month that closed, then the open month), resumable between them, equal to the
 * emulator's own figures. (The usage stream's window is one request: one page.)
 */
import { ManualClock, silentLogger } from '@ctxsiem/core';
import { type Emulator, startEmulator } from '@ctxsiem/emulator';
import { testSource } from '@ctxsiem/test-kit';
import { type LicensingSource, licensingSource } from '../../src/index.ts';
import { expectedMonth } from './history-expected.ts';

const NOW = Date.parse('2026-03-02T00:30:00Z');
let emulator: Emulator;
let source: LicensingSource;

testSource({
  name: 'licensing history (against the emulator)',
  streams: ['history'],
  async create() {
    const clock = new ManualClock(new Date(NOW));
    emulator = await startEmulator({ seed: 9, now: () => NOW });
    source = licensingSource(
      { options: { type: 'licensing' }, connection: emulator.connection },
      { logger: silentLogger(), clock },
    );
    const common = { asOf: '2026-03-01T00:00:00.000Z', collectedAt: new Date(NOW).toISOString() };
    return {
      source,
      window: { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-02T00:00:00Z') },
      expected: () => [
        expectedMonth(9, '2026-02', 'closed', common, NOW),
        expectedMonth(9, '2026-03', 'open', common, NOW),
      ],
      cleanup: async () => {
        await source.close();
        await emulator.close();
      },
    };
  },
});
