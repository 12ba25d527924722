/**
 * The Citrix Cloud licensing API for CVAD, as documented (developer-docs.citrix.com, "Getting started
 * with Citrix Cloud licensing APIs" and its troubleshooting page) for the User/Device model:
 *
 *   GET /licensing/license/enterprise/cloud/cvad/ud/current
 *   GET /licensing/license/enterprise/cloud/cvad/ud/historicalusage?startDate=yyyy-MM&endDate=yyyy-MM
 *
 * and, for the Concurrent model, the summary a public script reads (Citrix documents no Concurrent
 * endpoint; see `concurrentSummary`):
 *
 *   GET /licensing/license/enterprise/cloud/cvad/ccu/summary?UsageType=device&LicenseModel=Concurrent
 *
 * The usage is a deterministic function of the seed, the customer and the day: licenses are assigned a
 * few a day and released now and then, so the current month's figures grow until it closes and closed
 * months never change. History reaches back at most 12 months; other requests are refused with the
 * documented error body `{ type, detail, parameters }`. A customer is licensed under one model or both
 * (its `licenseModel`); the other model's endpoints answer 404.
 */
import { ApiError } from './api-error.ts';
import { hashOf } from './random.ts';
import { DAY_MS } from './time.ts';

export const LICENSING_PERMISSION = 'Licensing.Read';
/** How far back `historicalusage` reaches, in months (the current one included). */
export const HISTORY_MONTHS = 12;

const PRODUCT = { productName: 'XenDesktop', productEdition: 'XAXDFull' };

/**
 * The licensing models of Citrix DaaS a customer's licenses follow. Citrix documents both models and
 * their mix in one account ("Multi-type licensing for Citrix DaaS",
 * https://docs.citrix.com/en-us/citrix-cloud/citrix-cloud-management/citrix-cloud-service-license-usage.html).
 */
export type LicenseModel = 'userDevice' | 'concurrent' | 'both';
export const LICENSE_MODELS: readonly LicenseModel[] = ['userDevice', 'concurrent', 'both'];

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

/** The path under `/licensing/` of the endpoints. */
export const LICENSING_PATHS = {
  current: 'license/enterprise/cloud/cvad/ud/current',
  historical: 'license/enterprise/cloud/cvad/ud/historicalusage',
  concurrentSummary: 'license/enterprise/cloud/cvad/ccu/summary',
} as const;

/**
 * A 404 in the shape of the troubleshooting page's "Sample API error response" (`type` "404", `detail`
 * "resource not found", `parameters` naming the request URL). A path of a model the customer is not
 * licensed under answers it too: a public collector reads a licensing 404 as "not entitled"
 * (virtualwebber/euc-reports-collectors `DISABLED/Get-CitrixCloudData.ps1` @
 * fe622962d9e62f2bcf7b8b06e6e3730f9fc91909, `Get-CitrixLicensing`). INFERRED: that the service answers
 * exactly this body then.
 */
function notFound(path: string): ApiError {
  return new ApiError(
    404,
    {
      type: '404',
      detail: 'resource not found',
      parameters: { name: 'entityType', value: `/licensing/${path}` },
    },
    `No licensing endpoint /licensing/${path} for this customer`,
  );
}

/** The reply to `GET /licensing/<path>`, or an error naming the endpoints there are. */
export function licensingReply(
  seed: number,
  customerId: string,
  segments: readonly string[],
  params: URLSearchParams,
  now: number,
  model: LicenseModel = 'userDevice',
): Record<string, unknown> {
  const path = segments.join('/');
  const userDevice = model !== 'concurrent';
  const concurrent = model !== 'userDevice';
  if (path === LICENSING_PATHS.current && userDevice) return currentUsage(seed, customerId, now);
  if (path === LICENSING_PATHS.historical && userDevice)
    return historicalUsage(seed, customerId, params, now);
  if (path === LICENSING_PATHS.concurrentSummary && concurrent)
    return concurrentSummaryReply(seed, customerId, params, now);
  throw notFound(path);
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

/**
 * Citrix Cloud evaluates the Concurrent licenses in use every five minutes ("Monitor licenses and peak
 * usage for Citrix DaaS (Concurrent)",
 * https://docs.citrix.com/en-us/citrix-cloud/citrix-cloud-management/license-usage/virtual-apps-desktops-service-license-usage-concurrent.html).
 */
export const CONCURRENT_EVALUATION_MS = 5 * 60_000;
const SLOTS_A_DAY = DAY_MS / CONCURRENT_EVALUATION_MS;
const HOUR = DAY_MS / 24;

/** The Concurrent licenses a customer owns (constant; separate from its User/Device licenses). */
function concurrentInstalled(seed: number, customerId: string): number {
  return 100 + (hashOf(seed, 'licensing-ccu-installed', customerId) % 20) * 25;
}

/**
 * The licenses in use at an evaluation (`slot`: five-minute slots since the epoch). INFERRED, a plausible
 * day: devices connect from 07:00 UTC, most at about 13:00, gone by 19:00, a fifth of that at weekends,
 * a few always on; each day's height varies, some days above the licenses owned (an overage).
 */
export function concurrentInUse(seed: number, customerId: string, slot: number): number {
  const instant = slot * CONCURRENT_EVALUATION_MS;
  const total = concurrentInstalled(seed, customerId);
  const hour = (instant % DAY_MS) / HOUR;
  const weekday = (dayOf(instant) + 4) % 7; // 1970-01-01 was a Thursday
  const shape = Math.max(0, Math.sin((Math.PI * (hour - 7)) / 12));
  const height = 0.55 + (hashOf(seed, 'licensing-ccu-day', customerId, dayOf(instant)) % 50) / 100;
  const base = total * height * shape * (weekday === 0 || weekday === 6 ? 0.2 : 1);
  const noise = hashOf(seed, 'licensing-ccu-slot', customerId, slot) % Math.max(1, Math.round(total * 0.04));
  return Math.round(base + noise + total * 0.02);
}

interface Peak {
  count: number;
  slot: number;
}
/** A day's peak, once computed (the days are immutable): keyed by seed, customer and day. */
const dailyPeaks = new Map<string, Peak>();

/** The first evaluation with the highest count among slots `from`..`to` (inclusive). */
function peakBetween(seed: number, customerId: string, from: number, to: number): Peak {
  let best: Peak = { count: -1, slot: from };
  const better = (peak: Peak) => {
    if (peak.count > best.count) best = peak;
  };
  for (let slot = from; slot <= to; ) {
    if (slot % SLOTS_A_DAY === 0 && slot + SLOTS_A_DAY - 1 <= to) {
      const key = `${seed}/${customerId}/${slot}`;
      let day = dailyPeaks.get(key);
      if (!day) {
        day = peakBetween(seed, customerId, slot + 1, slot + SLOTS_A_DAY - 1);
        const first = { count: concurrentInUse(seed, customerId, slot), slot };
        if (first.count >= day.count) day = first;
        if (dailyPeaks.size > 100_000) dailyPeaks.clear();
        dailyPeaks.set(key, day);
      }
      better(day);
      slot += SLOTS_A_DAY;
    } else {
      better({ count: concurrentInUse(seed, customerId, slot), slot });
      slot++;
    }
  }
  return best;
}

/** When the customer's Concurrent subscription started (INFERRED: some day of 2025). */
function subscriptionStart(seed: number, customerId: string): number {
  return Date.UTC(2025, 0, 1) + (hashOf(seed, 'licensing-ccu-start', customerId) % 365) * DAY_MS;
}

/**
 * `GET …/cvad/ccu/summary`: the licenses in use at the last evaluation and the peaks of the last 24 hours,
 * the calendar month and all time. Citrix documents no Concurrent endpoint; the path, the query
 * (`UsageType=device&LicenseModel=Concurrent`) and the fields `currentCcu{totalLicenseCount,
 * assignedLicenseCount, reportTime}`, `last24HoursPeak`, `monthPeak`, `allTimePeak` (each
 * `{assignedLicenseCount, reportTime}`) are what a public collector reads
 * (virtualwebber/euc-reports-collectors `DISABLED/Get-CitrixCloudData.ps1` @
 * fe622962d9e62f2bcf7b8b06e6e3730f9fc91909, `Get-CitrixLicensing`, on
 * `cloudlicense.citrixworkspacesapi.net/{customerId}/license/…`); what the figures mean (the last 24
 * hours, "This Month" from the start of the calendar month, "All Time" from the start of the
 * subscription, a peak with the time it was reached, a Total with each) is Citrix's console documentation
 * (the page above). INFERRED: that `api.cloud.com/licensing/` serves the same path as for `ud`; each
 * peak's `totalLicenseCount` (the console shows a Total with each peak); no other field.
 */
export function concurrentSummary(seed: number, customerId: string, now: number): Record<string, unknown> {
  const last = Math.floor(now / CONCURRENT_EVALUATION_MS);
  const totalLicenseCount = concurrentInstalled(seed, customerId);
  const reported = (peak: Peak) => ({
    totalLicenseCount,
    assignedLicenseCount: peak.count,
    reportTime: new Date(peak.slot * CONCURRENT_EVALUATION_MS).toISOString(),
  });
  const monthStarts = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1);
  const firstOfMonth = Math.ceil(monthStarts / CONCURRENT_EVALUATION_MS);
  const firstEver = Math.min(
    Math.ceil(subscriptionStart(seed, customerId) / CONCURRENT_EVALUATION_MS),
    firstOfMonth,
  );
  return {
    currentCcu: reported({ count: concurrentInUse(seed, customerId, last), slot: last }),
    last24HoursPeak: reported(peakBetween(seed, customerId, last - SLOTS_A_DAY + 1, last)),
    monthPeak: reported(peakBetween(seed, customerId, firstOfMonth, last)),
    allTimePeak: reported(peakBetween(seed, customerId, firstEver, last)),
  };
}

/** The summary, after its query: `LicenseModel`, when given, must be `Concurrent` (INFERRED: a 400 else). */
function concurrentSummaryReply(
  seed: number,
  customerId: string,
  params: URLSearchParams,
  now: number,
): Record<string, unknown> {
  const model = params.get('LicenseModel');
  if (model !== null && model.toLowerCase() !== 'concurrent')
    throw badRequest('LicenseModel must be Concurrent', { LicenseModel: model });
  return concurrentSummary(seed, customerId, now);
}
