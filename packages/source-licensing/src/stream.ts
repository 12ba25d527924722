/**
 * The Citrix Cloud licensing API's CVAD user/device usage as two pull streams, each on whole UTC days:
 *
 * - **usage**: `GET /licensing/license/enterprise/cloud/cvad/ud/current` answers the usage *now*, so a
 *   day's snapshot is taken by the run that collects the day just after it ended (within a day of its
 *   end): one record per day, keyed by the day. A day collected later (a catch-up after an outage, a
 *   backfill) has no snapshot: the past usage is not something this endpoint can tell.
 *   `204 No Content` (documented: nothing to report) is a day without a snapshot, not an error.
 * - **history**: `GET …/historicalusage?startDate=yyyy-MM&endDate=yyyy-MM` answers monthly entries (or
 *   `204 No Content`: none). The
 *   first day of a month delivers the month before, closed (`asOf` that first day): once. Each fresh day
 *   also delivers the current month as it stands (`state: "open"`, `asOf` the day): a new version a day
 *   until it closes.
 *   The API keeps 12 months: a backfill reaching further fails saying so.
 */
import type { CitrixCloudClient } from '@ctxsiem/citrix-cloud';
import {
  type Clock,
  type Column,
  DAY_MS,
  type JsonRecord,
  MINUTE_MS,
  type Page,
  type PullStream,
  SourceError,
  type Window,
  type WindowPolicy,
} from '@ctxsiem/core';
import { z } from 'zod';
import type { LicensingOptions } from './config.ts';

export const LICENSING_PATHS = {
  current: 'licensing/license/enterprise/cloud/cvad/ud/current',
  historical: 'licensing/license/enterprise/cloud/cvad/ud/historicalusage',
} as const;

/** The resume token of a history window after its closed-month page. */
const OPEN_MONTH = 'open';

/** How far back the history endpoint reaches, the current month included (Citrix's documentation). */
export const HISTORY_MONTHS = 12;

/** Whole UTC days, due `lagMinutes` after they end. */
export function dailyWindows(lagMinutes: number): WindowPolicy {
  return {
    alignMs: DAY_MS,
    maxWindowMs: DAY_MS,
    lagMs: lagMinutes * MINUTE_MS,
    wholeWindowsOnly: true,
    minWindowMs: DAY_MS,
  };
}

/** Whether the day is collected within a day of its end: only then does "now" stand for it. */
function isFresh(window: Window, now: number): boolean {
  return now - window.to.getTime() < DAY_MS;
}

const count = z.number().int().nonnegative();
const licenseCounts = z.looseObject({ totalUsageCount: count, releasedCount: count.optional() });

/** The `current` answer's fields this source relies on (the rest is kept as Citrix sent it). */
export const CurrentUsageSchema = z.looseObject({
  totalUsageCount: count,
  userLicenseUsage: licenseCounts,
  deviceLicenseUsage: licenseCounts,
  totalAvailableLicenseCount: count,
  timeStamp: z.string().min(1),
});

const monthlyCounts = z.looseObject({ cumulativeAssignedCount: count, newAssignedCount: count });
export const HistoricalUsageSchema = z.looseObject({
  historicalUsageType: z.string().optional(),
  productEdition: z.string().optional(),
  /** The product's months, users and devices together (Citrix's documented answer). */
  xenAppXenDesktopHistoricalUsageList: z.array(z.looseObject({ timeStamp: z.string().min(1) })).optional(),
  historicalUsageList: z.array(
    z.looseObject({
      timeStamp: z.string().min(1),
      totalAvailableLicenseCount: count,
      userLicenseUsage: monthlyCounts,
      deviceLicenseUsage: monthlyCounts,
    }),
  ),
});

/** A usage snapshot as delivered: the day it stands for, when it was taken, and the API's answer. */
export const UsageRecordSchema = CurrentUsageSchema.extend({
  snapshotDate: z.iso.datetime({ message: 'snapshotDate must be an ISO date-time' }),
  collectedAt: z.iso.datetime({ message: 'collectedAt must be an ISO date-time' }),
});
/** A month of history as delivered. */
export const HistoryRecordSchema = z.looseObject({
  month: z.string().regex(/^\d{4}-\d{2}$/, 'month must be yyyy-MM'),
  state: z.enum(['open', 'closed']),
  asOf: z.iso.datetime({ message: 'asOf must be an ISO date-time' }),
  collectedAt: z.iso.datetime({ message: 'collectedAt must be an ISO date-time' }),
  totalAvailableLicenseCount: count,
});

const USAGE_COLUMNS: readonly Column[] = [
  { name: 'snapshotDate', type: 'datetime' },
  { name: 'collectedAt', type: 'datetime' },
  { name: 'timeStamp', type: 'datetime' },
  { name: 'productName', type: 'string' },
  { name: 'productEdition', type: 'string' },
  { name: 'totalUsageCount', type: 'long' },
  { name: 'totalAvailableLicenseCount', type: 'long' },
  { name: 'remainingLicenseCount', type: 'long' },
  { name: 'userLicenseUsage', type: 'dynamic' },
  { name: 'deviceLicenseUsage', type: 'dynamic' },
  { name: 'nextExpiredLicenses', type: 'dynamic' },
];
const HISTORY_COLUMNS: readonly Column[] = [
  { name: 'month', type: 'string' },
  { name: 'state', type: 'string' },
  { name: 'asOf', type: 'datetime' },
  { name: 'collectedAt', type: 'datetime' },
  { name: 'timeStamp', type: 'datetime' },
  { name: 'totalAvailableLicenseCount', type: 'long' },
  { name: 'userLicenseUsage', type: 'dynamic' },
  { name: 'deviceLicenseUsage', type: 'dynamic' },
  { name: 'historicalUsageType', type: 'string' },
  { name: 'productEdition', type: 'string' },
  { name: 'xenAppXenDesktopUsage', type: 'dynamic' },
];

/** `yyyy-MM` of an instant (UTC). */
export function monthOf(instant: number): string {
  const date = new Date(instant);
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}

function parsed<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (!result.success)
    throw new SourceError(
      'INVALID_RESPONSE',
      `${what} answered an unexpected body: ${result.error.issues[0]?.path.join('.')}: ${result.error.issues[0]?.message}`,
    );
  return result.data;
}

export function usageStream(options: LicensingOptions, client: CitrixCloudClient, clock: Clock): PullStream {
  return {
    name: 'usage',
    cursorField: 'snapshotDate',
    window: dailyWindows(options.lagMinutes),
    schema: UsageRecordSchema,
    columns: USAGE_COLUMNS,
    identity: (record) => record.snapshotDate,
    async *read(window, _resume, signal): AsyncGenerator<Page> {
      const now = clock.now();
      if (!isFresh(window, now)) {
        yield { records: [] };
        return;
      }
      const answer = await client.getJsonOrNoContent(LICENSING_PATHS.current, { signal });
      // 204 No Content: no usage to report (Citrix's documented empty result): no snapshot for the day.
      if (answer === undefined) {
        yield { records: [] };
        return;
      }
      const body = parsed(CurrentUsageSchema, answer, 'current usage');
      const record: JsonRecord = {
        snapshotDate: window.from.toISOString(),
        collectedAt: new Date(now).toISOString(),
        ...body,
      };
      yield { records: [record] };
    },
  };
}

export function historyStream(
  options: LicensingOptions,
  client: CitrixCloudClient,
  clock: Clock,
): PullStream {
  /** A month's entries as records: the API's fields, under the month, its state and the day they stand for. */
  async function monthRecords(
    month: string,
    state: 'open' | 'closed',
    stamp: { asOf: string; collectedAt: string },
    signal: AbortSignal,
  ): Promise<JsonRecord[]> {
    const url = `${LICENSING_PATHS.historical}?startDate=${month}&endDate=${month}`;
    const answer = await client.getJsonOrNoContent(url, { signal });
    // 204 No Content: no usage to report for the month (Citrix's documented empty result).
    if (answer === undefined) return [];
    const body = parsed(HistoricalUsageSchema, answer, `historical usage of ${month}`);
    // Every documented field of the month: its user and device figures, the product's figures for the
    // same month, the kind of history and the edition.
    const product = (timeStamp: string) =>
      body.xenAppXenDesktopHistoricalUsageList?.find((entry) => entry.timeStamp === timeStamp) ?? null;
    return body.historicalUsageList
      .filter((entry) => monthOf(Date.parse(entry.timeStamp)) === month)
      .map((entry) => ({
        month,
        state,
        ...stamp,
        historicalUsageType: body.historicalUsageType ?? null,
        productEdition: body.productEdition ?? null,
        ...entry,
        xenAppXenDesktopUsage: product(entry.timeStamp),
      }));
  }
  return {
    name: 'history',
    cursorField: 'asOf',
    window: dailyWindows(options.lagMinutes),
    schema: HistoryRecordSchema,
    columns: HISTORY_COLUMNS,
    // A closed month once; an open month once per day it was read.
    identity: (record) => [record.month, record.state, record.state === 'open' ? record.asOf : null],
    // Up to two pages: the month that closed (on a month's first day), then the open month (on a fresh
    // day). The token `open` resumes after the first.
    async *read(window, resume, signal): AsyncGenerator<Page> {
      if (resume !== undefined && resume !== OPEN_MONTH)
        throw new SourceError(
          'INVALID_RESUME',
          `history: resume token ${JSON.stringify(resume)} is not "${OPEN_MONTH}"`,
        );
      const now = clock.now();
      // `asOf`, the day the figures stand for: the window's (a record's cursor lies inside its window).
      const stamp = { asOf: window.from.toISOString(), collectedAt: new Date(now).toISOString() };
      const fresh = isFresh(window, now);
      if (resume === undefined && new Date(window.from).getUTCDate() === 1) {
        const closed = monthOf(window.from.getTime() - DAY_MS);
        const oldest = Date.UTC(
          new Date(now).getUTCFullYear(),
          new Date(now).getUTCMonth() - (HISTORY_MONTHS - 1),
          1,
        );
        if (window.from.getTime() - DAY_MS < oldest)
          throw new SourceError(
            'HISTORY_LIMIT',
            `the licensing API keeps ${HISTORY_MONTHS} months of history: ${closed} is older (collect from ${monthOf(oldest)} on)`,
          );
        const records = await monthRecords(closed, 'closed', stamp, signal);
        yield { records, ...(fresh ? { next: OPEN_MONTH } : {}) };
        if (!fresh) return;
      }
      if (!fresh) {
        yield { records: [] };
        return;
      }
      yield { records: await monthRecords(monthOf(window.from.getTime()), 'open', stamp, signal) };
    },
  };
}
