/**
 * The Citrix Cloud licensing API for CVAD user/device licenses, as documented (developer-docs.citrix.com,
 * "Getting started with Citrix Cloud licensing APIs" and its troubleshooting page):
 *
 *   GET /licensing/license/enterprise/cloud/cvad/ud/current
 *   GET /licensing/license/enterprise/cloud/cvad/ud/historicalusage?startDate=yyyy-MM&endDate=yyyy-MM
 *
 * The usage is a deterministic function of the seed, the customer and the day: licenses are assigned a
 * few a day and released now and then, so the current month's figures grow until it closes and closed
 * months never change. History reaches back at most 12 months; other requests are refused with the
 * documented error body `{ type, detail, parameters }`.
 */
import { ApiError } from './api-error.ts';
import { hashOf } from './random.ts';
import { DAY_MS } from './time.ts';

export const LICENSING_PERMISSION = 'Licensing.Read';
/** How far back `historicalusage` reaches, in months (the current one included). */
export const HISTORY_MONTHS = 12;

const PRODUCT = { productName: 'XenDesktop', productEdition: 'XAXDFull' };

/** The licenses a customer has installed (constant), and its usage counters on a day. */
function installed(seed: number, customerId: string): number {
  return 500 + (hashOf(seed, 'licensing-installed', customerId) % 20) * 50;
}

/** Cumulative assignments and releases by the end of `day` (a count of UTC days since the epoch). */
function counters(seed: number, customerId: string, kind: 'user' | 'device', day: number) {
  // Each day assigns 0–3 licenses and releases 0–3 (expired or released by an admin): the number in use
  // wanders around where it started. A running sum over the days since a fixed origin (a few thousand).
  const origin = Date.UTC(2024, 0, 1) / DAY_MS;
  let assigned = 100 + (hashOf(seed, 'licensing-base', customerId, kind) % 200);
  let released = 0;
  for (let d = origin; d <= day; d++) {
    const h = hashOf(seed, 'licensing-day', customerId, kind, d);
    assigned += h % 4;
    released += Math.min((h >>> 8) % 4, assigned - released);
  }
  return { assigned, released };
}

const dayOf = (instant: number) => Math.floor(instant / DAY_MS);

/** `GET …/cvad/ud/current`: the usage now. */
export function currentUsage(seed: number, customerId: string, now: number): Record<string, unknown> {
  const day = dayOf(now);
  const users = counters(seed, customerId, 'user', day);
  const devices = counters(seed, customerId, 'device', day);
  const total = installed(seed, customerId);
  const used = users.assigned - users.released + (devices.assigned - devices.released);
  const expiring = new Date((day + 30 + (hashOf(seed, 'licensing-expiry', customerId) % 300)) * DAY_MS);
  return {
    customerId,
    totalUsageCount: used,
    userLicenseUsage: { totalUsageCount: users.assigned - users.released, releasedCount: users.released },
    deviceLicenseUsage: {
      totalUsageCount: devices.assigned - devices.released,
      releasedCount: devices.released,
    },
    totalAvailableLicenseCount: total,
    remainingLicenseCount: Math.max(0, total - used),
    timeStamp: new Date(now).toISOString(),
    ...PRODUCT,
    nextExpiredLicenses: {
      nextExpiredTime: expiring.toISOString(),
      totalCount: 25 + (hashOf(seed, 'licensing-expiring', customerId) % 4) * 25,
      daysToExpire: Math.round((expiring.getTime() - now) / DAY_MS),
    },
  };
}

/** `yyyy-MM` → the month's first instant; undefined for anything else. */
export function parseMonth(text: string | null): number | undefined {
  const match = /^(\d{4})-(\d{2})$/.exec(text ?? '');
  if (!match) return undefined;
  const month = Number(match[2]);
  if (month < 1 || month > 12) return undefined;
  return Date.UTC(Number(match[1]), month - 1, 1);
}

const monthIndex = (instant: number) =>
  new Date(instant).getUTCFullYear() * 12 + new Date(instant).getUTCMonth();
const monthStart = (index: number) => Date.UTC(Math.floor(index / 12), index % 12, 1);

/**
 * A 400 as Citrix's "Troubleshooting Citrix cloud licensing APIs" describes its errors
 * (developer-docs.citrix.com/en-us/citrix-cloud/citrix-cloud-licensing/troubleshooting-citrix-cloud-licensing-apis):
 * `type` the HTTP status, `detail` a description, `parameters`, and `error_description` — a string
 * holding the service's own JSON error (`{"Code":400,…}`). INFERRED: the keys inside it after `Code`.
 */
function badRequest(detail: string, parameters: Record<string, string>): ApiError {
  const [name = '', value = ''] = Object.entries(parameters)[0] ?? [];
  return new ApiError(
    400,
    {
      type: '400',
      detail,
      parameters: { name, value },
      error_description: JSON.stringify({ Code: 400, Message: detail }),
    },
    detail,
  );
}

/** The path under `/licensing/` of the two endpoints. */
export const LICENSING_PATHS = {
  current: 'license/enterprise/cloud/cvad/ud/current',
  historical: 'license/enterprise/cloud/cvad/ud/historicalusage',
} as const;

/** The reply to `GET /licensing/<path>`, or an error naming the endpoints there are. */
export function licensingReply(
  seed: number,
  customerId: string,
  segments: readonly string[],
  params: URLSearchParams,
  now: number,
): Record<string, unknown> {
  const path = segments.join('/');
  if (path === LICENSING_PATHS.current) return currentUsage(seed, customerId, now);
  if (path === LICENSING_PATHS.historical) return historicalUsage(seed, customerId, params, now);
  throw new ApiError(
    404,
    { type: 'NotFound', detail: `No licensing endpoint /licensing/${path}`, parameters: {} },
    `No licensing endpoint /licensing/${path}`,
  );
}

/** One month's usage: at its end, or now for the current month. */
function monthUsage(seed: number, customerId: string, index: number, now: number) {
  const end = Math.min(monthStart(index + 1) - 1, now);
  const before = dayOf(monthStart(index)) - 1;
  const usage = (kind: 'user' | 'device') => {
    const atEnd = counters(seed, customerId, kind, dayOf(end));
    const atStart = counters(seed, customerId, kind, before);
    return {
      cumulativeAssignedCount: atEnd.assigned,
      newAssignedCount: atEnd.assigned - atStart.assigned,
      releasedCount: atEnd.released - atStart.released,
      totalUsageCount: atEnd.assigned - atEnd.released,
    };
  };
  return {
    timeStamp: new Date(monthStart(index)).toISOString(),
    totalAvailableLicenseCount: installed(seed, customerId),
    userLicenseUsage: usage('user'),
    deviceLicenseUsage: usage('device'),
  };
}

/** `GET …/cvad/ud/historicalusage?startDate=yyyy-MM&endDate=yyyy-MM`: one entry per month. */
export function historicalUsage(
  seed: number,
  customerId: string,
  params: URLSearchParams,
  now: number,
): Record<string, unknown> {
  const start = parseMonth(params.get('startDate'));
  const end = parseMonth(params.get('endDate'));
  if (start === undefined || end === undefined)
    throw badRequest('startDate and endDate are required, as yyyy-MM', {
      startDate: params.get('startDate') ?? '',
      endDate: params.get('endDate') ?? '',
    });
  const current = monthIndex(now);
  const first = monthIndex(start);
  const last = monthIndex(end);
  if (first > last)
    throw badRequest('startDate is after endDate', {
      startDate: params.get('startDate')!,
      endDate: params.get('endDate')!,
    });
  if (last > current) throw badRequest('endDate is in the future', { endDate: params.get('endDate')! });
  if (first <= current - HISTORY_MONTHS)
    throw badRequest(`historical usage is kept for ${HISTORY_MONTHS} months`, {
      startDate: params.get('startDate')!,
    });
  const months = Array.from({ length: last - first + 1 }, (_, i) =>
    monthUsage(seed, customerId, first + i, now),
  );
  // The answer as Citrix's "Troubleshooting Citrix cloud licensing APIs" documents its 200 (API 1,
  // developer-docs.citrix.com/en-us/citrix-cloud/citrix-cloud-licensing/troubleshooting-citrix-cloud-licensing-apis):
  // `historicalUsageType` "Monthly", the per-month user and device figures (`historicalUsageList`) and
  // the same months for the product as a whole (`xenAppXenDesktopHistoricalUsageList`: users and
  // devices together — INFERRED from the sample's figures, whose totals the page does not explain).
  const together = (a: Record<string, number>, b: Record<string, number>, name: string) =>
    (a[name] ?? 0) + (b[name] ?? 0);
  return {
    customerId,
    historicalUsageType: 'Monthly',
    ...PRODUCT,
    xenAppXenDesktopHistoricalUsageList: months.map((month) => ({
      cumulativeAssignedCount: together(
        month.userLicenseUsage,
        month.deviceLicenseUsage,
        'cumulativeAssignedCount',
      ),
      newAssignedCount: together(month.userLicenseUsage, month.deviceLicenseUsage, 'newAssignedCount'),
      totalAvailableLicenseCount: month.totalAvailableLicenseCount,
      timeStamp: month.timeStamp,
      releasedCount: together(month.userLicenseUsage, month.deviceLicenseUsage, 'releasedCount'),
    })),
    historicalUsageList: months,
  };
}
