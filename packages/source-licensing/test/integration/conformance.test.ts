/**
 * The source conformance suite on the history stream, on the first day of a month collected while fresh:
 * two pages (the month that closed, then the open month), resumable between them, equal to the
 * emulator's own figures. (The usage and concurrentUsage streams' window is one request: one page.)
 * Then the requests each stream sends, as the emulator received them: the documented User/Device paths
 * and queries, and the Concurrent summary with the query a public collector sends.
 */
import { ManualClock, silentLogger } from '@ctxsiem/core';
import { type Emulator, startEmulator } from '@ctxsiem/emulator';
import { testSource } from '@ctxsiem/test-kit';
import { describe, expect, it } from 'vitest';
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

describe('the requests of the licensing streams', () => {
  it('asks each model’s endpoint with its documented (User/Device) or observed (Concurrent) query', async () => {
    const multi = await startEmulator({
      seed: 9,
      now: () => NOW,
      customers: [{ customerId: 'demo', clientId: 'demo', clientSecret: 'demo', licenseModel: 'both' }],
    });
    const both = licensingSource(
      { options: { type: 'licensing', licenseModel: 'both' }, connection: multi.connection },
      { logger: silentLogger(), clock: new ManualClock(new Date(NOW)) },
    );
    try {
      const window = { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-02T00:00:00Z') };
      const requested: Record<string, string[]> = {};
      for (const stream of both.streams) {
        multi.resetStats();
        for await (const page of stream.read(window, undefined, new AbortController().signal))
          expect(page.records.length, stream.name).toBeGreaterThan(0);
        requested[stream.name] = multi
          .stats()
          .log.filter((entry) => entry.path.startsWith('/licensing/'))
          .map((entry) => `${entry.method} ${entry.path} ${entry.status}`);
      }
      const base = '/licensing/license/enterprise/cloud/cvad';
      expect(requested).toEqual({
        usage: [`GET ${base}/ud/current 200`],
        history: [
          `GET ${base}/ud/historicalusage?startDate=2026-02&endDate=2026-02 200`,
          `GET ${base}/ud/historicalusage?startDate=2026-03&endDate=2026-03 200`,
        ],
        concurrentUsage: [`GET ${base}/ccu/summary?UsageType=device&LicenseModel=Concurrent 200`],
      });
    } finally {
      await both.close();
      await multi.close();
    }
  });
});
