/**
 * The licensing API as Citrix's "Troubleshooting Citrix cloud licensing APIs" documents it: the history
 * answer's every field, `204 No Content` for nothing to report, and its 400 body; and the Concurrent
 * model's summary as a public collector reads it, for the customers licensed under that model.
 */
import { describe, expect, it } from 'vitest';
import { CONCURRENT_EVALUATION_MS, concurrentInUse } from '../src/index.ts';
import { apiGet, getJson, login, useEmulator } from './emulator-client.ts';

const NOW = Date.parse('2026-03-15T00:30:00Z');
const HISTORY = '/licensing/license/enterprise/cloud/cvad/ud/historicalusage';

describe('the licensing API', () => {
  const live = useEmulator({ now: () => NOW });

  it('answers history with its type, the product’s months and the user and device figures', async () => {
    const { status, body } = await getJson<Record<string, unknown>>(
      live.emulator,
      live.session,
      `${HISTORY}?startDate=2026-01&endDate=2026-02`,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ historicalUsageType: 'Monthly', productEdition: 'XAXDFull' });
    const product = body.xenAppXenDesktopHistoricalUsageList as Record<string, number>[];
    const months = body.historicalUsageList as Record<string, Record<string, number>>[];
    expect(product.map((m) => m.timeStamp)).toEqual(months.map((m) => m.timeStamp));
    for (const [i, month] of months.entries())
      expect(product[i]?.cumulativeAssignedCount).toBe(
        (month.userLicenseUsage?.cumulativeAssignedCount ?? 0) +
          (month.deviceLicenseUsage?.cumulativeAssignedCount ?? 0),
      );
  });

  it('answers a bad range with the documented 400: type, detail and the service’s error_description', async () => {
    const { status, body } = await getJson<Record<string, unknown>>(
      live.emulator,
      live.session,
      `${HISTORY}?startDate=2026-03&endDate=2026-01`,
    );
    expect(status).toBe(400);
    expect(body).toMatchObject({ type: '400', detail: 'startDate is after endDate' });
    expect(JSON.parse(String(body.error_description))).toMatchObject({ Code: 400 });
  });

  it('answers 204 No Content, without a body, when there is nothing to report', async () => {
    live.emulator.setFaults({ licensingNoContent: true });
    try {
      for (const path of [
        `${HISTORY}?startDate=2026-01&endDate=2026-01`,
        '/licensing/license/enterprise/cloud/cvad/ud/current',
      ]) {
        const response = await apiGet(live.emulator, live.session, path);
        expect(response.status, path).toBe(204);
        expect(await response.text()).toBe('');
      }
    } finally {
      live.emulator.setFaults({});
    }
  });
});

const SUMMARY = '/licensing/license/enterprise/cloud/cvad/ccu/summary';
const QUERY = '?UsageType=device&LicenseModel=Concurrent';
const CURRENT = '/licensing/license/enterprise/cloud/cvad/ud/current';

describe('the Concurrent model’s summary', () => {
  const live = useEmulator({
    now: () => NOW,
    seed: 3,
    customers: [
      { customerId: 'demo', clientId: 'demo', clientSecret: 'demo' },
      { customerId: 'ccu', clientId: 'ccu', clientSecret: 'ccu', licenseModel: 'concurrent' },
      { customerId: 'mixed', clientId: 'mixed', clientSecret: 'mixed', licenseModel: 'both' },
    ],
  });
  type Figure = { totalLicenseCount: number; assignedLicenseCount: number; reportTime: string };

  it('answers the licenses in use at the last five-minute evaluation and the three peaks', async () => {
    const session = await login(live.emulator, 'ccu');
    const { status, body } = await getJson<Record<string, Figure>>(live.emulator, session, SUMMARY + QUERY);
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['currentCcu', 'last24HoursPeak', 'monthPeak', 'allTimePeak']);
    const last = Math.floor(NOW / CONCURRENT_EVALUATION_MS) * CONCURRENT_EVALUATION_MS;
    expect(body.currentCcu).toEqual({
      totalLicenseCount: body.allTimePeak!.totalLicenseCount,
      assignedLicenseCount: concurrentInUse(3, 'ccu', last / CONCURRENT_EVALUATION_MS),
      reportTime: new Date(last).toISOString(),
    });
    const { currentCcu, last24HoursPeak, monthPeak, allTimePeak } = body as Record<string, Figure>;
    // Each peak is an evaluation of its period, the highest; the periods nest.
    for (const [peak, from] of [
      [last24HoursPeak!, last - 24 * 3_600_000 + CONCURRENT_EVALUATION_MS],
      [monthPeak!, Date.parse('2026-03-01T00:00:00Z')],
    ] as const) {
      const at = Date.parse(peak.reportTime);
      expect(at).toBeGreaterThanOrEqual(from);
      expect(at).toBeLessThanOrEqual(last);
      expect(at % CONCURRENT_EVALUATION_MS).toBe(0);
      expect(peak.assignedLicenseCount).toBe(concurrentInUse(3, 'ccu', at / CONCURRENT_EVALUATION_MS));
      for (let t = from; t <= last; t += CONCURRENT_EVALUATION_MS)
        expect(concurrentInUse(3, 'ccu', t / CONCURRENT_EVALUATION_MS)).toBeLessThanOrEqual(
          peak.assignedLicenseCount,
        );
    }
    expect(currentCcu!.assignedLicenseCount).toBeLessThanOrEqual(last24HoursPeak!.assignedLicenseCount);
    expect(last24HoursPeak!.assignedLicenseCount).toBeLessThanOrEqual(monthPeak!.assignedLicenseCount);
    expect(monthPeak!.assignedLicenseCount).toBeLessThanOrEqual(allTimePeak!.assignedLicenseCount);
    expect(Date.parse(allTimePeak!.reportTime)).toBeLessThanOrEqual(last);
  });

  it('answers 404, in the documented error shape, for the model a customer is not licensed under', async () => {
    const concurrent = await login(live.emulator, 'ccu');
    const userDevice = live.session;
    for (const [session, path] of [
      [concurrent, CURRENT],
      [concurrent, `${HISTORY}?startDate=2026-01&endDate=2026-01`],
      [userDevice, SUMMARY + QUERY],
    ] as const) {
      const { status, body } = await getJson<Record<string, unknown>>(live.emulator, session, path);
      expect(status, path).toBe(404);
      expect(body).toEqual({
        type: '404',
        detail: 'resource not found',
        parameters: { name: 'entityType', value: path.split('?')[0] },
      });
    }
    // Licensed under both (multi-type licensing): both models answer.
    const mixed = await login(live.emulator, 'mixed');
    for (const path of [CURRENT, SUMMARY + QUERY])
      expect((await apiGet(live.emulator, mixed, path)).status, path).toBe(200);
  });

  it('refuses another LicenseModel with the documented 400 body, and answers 204 with nothing to report', async () => {
    const session = await login(live.emulator, 'ccu');
    const { status, body } = await getJson<Record<string, unknown>>(
      live.emulator,
      session,
      `${SUMMARY}?UsageType=device&LicenseModel=UserDevice`,
    );
    expect(status).toBe(400);
    expect(body).toMatchObject({ type: '400', parameters: { name: 'LicenseModel', value: 'UserDevice' } });
    expect(JSON.parse(String(body.error_description))).toMatchObject({ Code: 400 });
    live.emulator.setFaults({ licensingNoContent: true });
    try {
      const response = await apiGet(live.emulator, session, SUMMARY + QUERY);
      expect(response.status).toBe(204);
      expect(await response.text()).toBe('');
    } finally {
      live.emulator.setFaults({});
    }
  });
});
