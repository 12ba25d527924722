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
  /**
   * The Concurrent model's summary, with the query a public collector sends
   * (virtualwebber/euc-reports-collectors `DISABLED/Get-CitrixCloudData.ps1` @
   * fe622962d9e62f2bcf7b8b06e6e3730f9fc91909, `Get-CitrixLicensing`: on
   * `cloudlicense.citrixworkspacesapi.net/{customerId}/`). Citrix documents no Concurrent endpoint.
   * INFERRED: that `api.cloud.com/licensing/` serves it as it serves `…/cvad/ud/…`.
   */
  concurrentSummary:
    'licensing/license/enterprise/cloud/cvad/ccu/summary?UsageType=device&LicenseModel=Concurrent',
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

/** The licenses in use at an evaluation (Citrix evaluates them every five minutes), or at a peak. */
const concurrentFigure = z.looseObject({
  assignedLicenseCount: count,
  reportTime: z.string().min(1),
  totalLicenseCount: count.optional(),
});
/**
 * The Concurrent summary's fields this source relies on: `currentCcu` (the licenses owned and in use at
 * the last evaluation) and the peaks of the last 24 hours, the calendar month and all time, each with
 * the time it was reached (the fields a public collector reads; see LICENSING_PATHS). The rest is kept
 * as Citrix sent it.
 */
export const ConcurrentSummarySchema = z.looseObject({
  currentCcu: concurrentFigure.extend({ totalLicenseCount: count }),
  last24HoursPeak: concurrentFigure.nullish(),
  monthPeak: concurrentFigure.nullish(),
  allTimePeak: concurrentFigure.nullish(),
});

/** A usage snapshot as delivered: the day it stands for, when it was taken, and the API's answer. */
export const UsageRecordSchema = CurrentUsageSchema.extend({
  snapshotDate: z.iso.datetime({ message: 'snapshotDate must be an ISO date-time' }),
  collectedAt: z.iso.datetime({ message: 'collectedAt must be an ISO date-time' }),
});
/** A Concurrent summary as delivered: the day it stands for, when it was taken, and the API's answer. */
export const ConcurrentUsageRecordSchema = ConcurrentSummarySchema.extend({
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
  { name: 'customerId', type: 'string' },
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

const CONCURRENT_USAGE_COLUMNS: readonly Column[] = [
  { name: 'snapshotDate', type: 'datetime' },
  { name: 'collectedAt', type: 'datetime' },
  { name: 'currentCcu', type: 'dynamic' },
  { name: 'last24HoursPeak', type: 'dynamic' },
  { name: 'monthPeak', type: 'dynamic' },
  { name: 'allTimePeak', type: 'dynamic' },
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

/**
 * A licensing GET that answers the JSON body, or undefined for `204 No Content` (Citrix's documented
 * empty result); a 404 — what the API answers for a model the tenant is not licensed under (a public
 * collector reads it as "not entitled"; see LICENSING_PATHS) — fails saying which model to configure.
 */
async function licensingGet(
  client: CitrixCloudClient,
  path: string,
  signal: AbortSignal,
  model: 'User/Device' | 'Concurrent',
): Promise<unknown> {
  try {
    return await client.getJsonOrNoContent(path, { signal });
  } catch (error) {
    if (error instanceof SourceError && error.status === 404) {
      const other = model === 'Concurrent' ? 'user-device' : 'concurrent';
      throw new SourceError(
        'NOT_LICENSED',
        `the licensing API answered 404 for ${path.split('?')[0]}: the tenant has no ${model} licenses. If it is licensed ${model === 'Concurrent' ? 'User/Device' : 'Concurrent'}, set licenseModel to ${other} (LICENSING_MODEL)`,
        { cause: error, status: 404 },
      );
    }
    throw error;
  }
}

/** What differs between the daily snapshot streams (`usage`, `concurrentUsage`). */
interface SnapshotSpec {
  name: string;
  schema: z.ZodType;
  columns: readonly Column[];
  path: string;
  model: 'User/Device' | 'Concurrent';
  /** The answer's fields this source relies on (the rest is kept as Citrix sent it). */
  answer: z.ZodType<Record<string, unknown>>;
  what: string;
}

/**
 * One snapshot per UTC day of an endpoint that answers "now": taken by the run that collects the day
 * within a day of its end, keyed by the day; none for a day collected later. `204 No Content` (Citrix's
 * documented empty result) is a day without a snapshot, not an error.
 */
function snapshotStream(
  spec: SnapshotSpec,
  options: LicensingOptions,
  client: CitrixCloudClient,
  clock: Clock,
) {
  return {
    name: spec.name,
    cursorField: 'snapshotDate',
    window: dailyWindows(options.lagMinutes),
    schema: spec.schema,
    columns: spec.columns,
    identity: (record) => record.snapshotDate,
    async *read(window, _resume, signal): AsyncGenerator<Page> {
      const now = clock.now();
      const answer = isFresh(window, now)
        ? await licensingGet(client, spec.path, signal, spec.model)
        : undefined;
      if (answer === undefined) {
        yield { records: [] };
        return;
      }
      const record: JsonRecord = {
        snapshotDate: window.from.toISOString(),
        collectedAt: new Date(now).toISOString(),
        ...parsed(spec.answer, answer, spec.what),
      };
      yield { records: [record] };
    },
  } satisfies PullStream;
}

export function usageStream(options: LicensingOptions, client: CitrixCloudClient, clock: Clock): PullStream {
  const spec = {
    name: 'usage',
    schema: UsageRecordSchema,
    columns: USAGE_COLUMNS,
    path: LICENSING_PATHS.current,
    model: 'User/Device',
    answer: CurrentUsageSchema,
    what: 'current usage',
  } as const;
  return snapshotStream(spec, options, client, clock);
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
    const answer = await licensingGet(client, url, signal, 'User/Device');
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

/**
 * `concurrentUsage`: the Concurrent summary answers the licenses in use *now* (at Citrix's last
 * five-minute evaluation) and the peaks up to now, so, like `usage`, a day's snapshot is taken by the
 * run that collects the day within a day of its end: one record per day, keyed by the day. The last
 * snapshot of a month holds that month's peak (`monthPeak`); Citrix documents no Concurrent history
 * endpoint, so no month is read back. `204 No Content` is a day without a snapshot, not an error.
 */
export function concurrentUsageStream(
  options: LicensingOptions,
  client: CitrixCloudClient,
  clock: Clock,
): PullStream {
  const spec = {
    name: 'concurrentUsage',
    schema: ConcurrentUsageRecordSchema,
    columns: CONCURRENT_USAGE_COLUMNS,
    path: LICENSING_PATHS.concurrentSummary,
    model: 'Concurrent',
    answer: ConcurrentSummarySchema,
    what: 'concurrent usage summary',
  } as const;
  return snapshotStream(spec, options, client, clock);
}
