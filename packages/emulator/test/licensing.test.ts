/**
 * The licensing API as Citrix's "Troubleshooting Citrix cloud licensing APIs" documents it: the history
 * answer's every field, `204 No Content` for nothing to report, and its 400 body.
 */
import { describe, expect, it } from 'vitest';
import { apiGet, getJson, useEmulator } from './emulator-client.ts';

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
