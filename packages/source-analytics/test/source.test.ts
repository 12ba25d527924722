import { HOUR_MS, isoSeconds } from '@ctxsiem/core';
import { testSource } from '@ctxsiem/test-kit';
import { ANALYTICS_ENTITIES } from '../src/entities.ts';
import { type AnalyticsHarness, analyticsHarness, LAST_DUE_HOUR, NOW } from './harness.ts';

let harness: AnalyticsHarness;

testSource({
  name: 'analytics (against the emulator)',
  async create() {
    harness = await analyticsHarness();
    const data = harness.emulator.data;
    // The latest hour holding data for every entity; with $top=40 each entity then spans ≥ 2 pages.
    let from = LAST_DUE_HOUR.getTime();
    while (ANALYTICS_ENTITIES.some((entity) => data.isEmptyCasodataHour(entity, new Date(from))))
      from -= HOUR_MS;
    const window = { from: new Date(from), to: new Date(from + HOUR_MS) };
    return {
      source: harness.source({ top: 40 }),
      window,
      // The runner's clock does not move here, so the whole envelope is deterministic.
      expected: (stream, w) =>
        data.casodata(stream, w.from).map((raw) => ({
          citrix_entity: stream,
          citrix_hour_utc: isoSeconds(w.from),
          collection_timestamp: NOW.toISOString(),
          raw,
        })),
      cleanup: () => harness.cleanup(),
    };
  },
});
