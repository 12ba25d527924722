/**
 * One Monitor entity set as a pull stream: a window becomes
 * `$filter=(Cursor ge {from} and Cursor lt {to})` (a summary set's with `and Granularity eq {slot}`: its
 * rows of the configured slot length only), records are checked against the set's schema from
 * `$metadata`, pages follow `@odata.nextLink` through the client's
 * origin guard, and a page's nextLink is the resume token. When the API refused the filter, the set is
 * read unfiltered and the resume token says so (`unfiltered:` before the nextLink), so a restarted
 * process continues in the same mode. `$count` on the window's filter lets the reconcile pass skip
 * windows that gained no records.
 */
import {
  buildODataUrl,
  type CitrixCloudClient,
  formatODataInstant,
  paginateOData,
} from '@ctxsiem/citrix-cloud';
import {
  type Column,
  ConfigError,
  HOUR_MS,
  type JsonRecord,
  type Logger,
  MINUTE_MS,
  type Page,
  type PullStream,
  type RecordSchema,
  SourceError,
  type Window,
} from '@ctxsiem/core';
import { z } from 'zod';
import type { MonitorOptions } from './config.ts';
import { cursorColumn, defaultLagMinutes, granularityValue, rowsMoveBetweenWindows } from './entities.ts';
import { monitorModel, type ODataEntitySet, recordColumns } from './odata-model.ts';
import { entityRecordSchema } from './record-schema.ts';

/**
 * What a record of a set the model does not know (one configured by name only) must have to be placed
 * in a window: its cursor column, a date.
 */
function cursorSchema(cursor: string): RecordSchema {
  const schema = z.object({
    [cursor]: z
      .string()
      .refine((value) => !Number.isNaN(Date.parse(value)), { message: `${cursor} must be an ISO date-time` }),
  });
  return {
    safeParse: (record) => schema.safeParse({ [cursor]: (record as JsonRecord | null)?.[cursor] }),
  };
}

/** Moves `User.UserName` / `User.FullName` onto a Sessions record, as seed 000's sample event shows. */
function flattenUser(record: JsonRecord): JsonRecord {
  const { User: user, ...rest } = record;
  if (user && typeof user === 'object') {
    const { UserName, FullName } = user as JsonRecord;
    return { ...rest, UserName: UserName ?? null, FullName: FullName ?? null };
  }
  return rest;
}

const withColumns = (columns: Column[] | undefined) => (columns ? { columns } : {});

/** Resume tokens of the unfiltered read start with this: the mode travels with the token. */
const UNFILTERED = 'unfiltered:';

/**
 * The `Granularity` value a summary set is read at (windowed on `SummaryDate`, with a `Granularity`
 * column in the model), or undefined for any other set. A set without rows at the configured slot
 * length is a configuration error.
 */
function summaryGranularity(
  entitySet: string,
  model: ODataEntitySet | undefined,
  cursor: string,
  options: MonitorOptions,
): number | undefined {
  if (cursor !== 'SummaryDate' || !model?.properties.some((p) => p.name === 'Granularity')) return undefined;
  const value = granularityValue(entitySet, options.summaryGranularity);
  if (value === undefined)
    throw new ConfigError('source-monitor', [
      {
        path: 'summaryGranularity',
        reason: `${entitySet} has no rows at ${options.summaryGranularity}-minute granularity (it summarises hours and days: 60 or 1440)`,
      },
    ]);
  return value;
}

export function monitorStream(
  entitySet: string,
  options: MonitorOptions,
  client: CitrixCloudClient,
  logger: Logger,
): PullStream {
  const cursor = cursorColumn(entitySet, options.cursorColumns);
  const model = monitorModel().get(entitySet);
  const keys = model?.keys ?? [];
  const granularity = summaryGranularity(entitySet, model, cursor, options);
  const expandUser = entitySet === 'Sessions' && options.sessionUserFields;
  const headers = options.pageSize ? { Prefer: `odata.maxpagesize=${options.pageSize}` } : undefined;
  // Once the API refused a filter on this set, later windows go straight to the unfiltered read.
  let filterRefused = !options.useTimeFilter;

  const granularityFilter = granularity === undefined ? '' : ` and Granularity eq ${granularity}`;
  const filterOf = (window: Window) =>
    `(${cursor} ge ${formatODataInstant(window.from)} and ${cursor} lt ${formatODataInstant(window.to)})${granularityFilter}`;
  const url = (window: Window | undefined) =>
    buildODataUrl(`monitorodata/${entitySet}`, {
      filter: window ? filterOf(window) : undefined,
      expand: expandUser ? 'User($select=UserName,FullName)' : undefined,
    });

  const shape = (records: JsonRecord[]) => (expandUser ? records.map(flattenUser) : records);

  /** The API's count for a window: the reconcile pass's cheap check, where rows never move. */
  const count = async (window: Window, signal: AbortSignal) => {
    if (filterRefused) return undefined;
    const body = await client.getJson<{ '@odata.count'?: unknown }>(
      buildODataUrl(`monitorodata/${entitySet}`, { filter: filterOf(window), count: true, top: 0 }),
      { signal },
    );
    const total = body['@odata.count'];
    return typeof total === 'number' ? total : undefined;
  };

  return {
    name: entitySet,
    cursorField: cursor,
    window: {
      alignMs: HOUR_MS,
      maxWindowMs: options.maxWindowMinutes * MINUTE_MS,
      lagMs: (options.lagMinutes ?? defaultLagMinutes(cursor, options.summaryGranularity)) * MINUTE_MS,
      minWindowMs: MINUTE_MS,
    },
    schema: model ? entityRecordSchema(model, [...keys, cursor]) : cursorSchema(cursor),
    // A record is a version of a row: its key and cursor value. Two reads of it are the same record
    // even when an expanded field (a session's user name) changed between them, and the window's
    // digests cost a short hash instead of the whole record's canonical JSON.
    ...(keys.length > 0
      ? { identity: (record: JsonRecord) => [...keys.map((key) => record[key]), record[cursor]] }
      : {}),
    ...withColumns(recordColumns(entitySet, Boolean(expandUser))),
    // Rows windowed on a modification time move to a later window as they change, so a count cannot
    // tell a late row from one that left: the reconcile pass re-reads those windows instead.
    ...(rowsMoveBetweenWindows(cursor) ? {} : { count }),
    async *read(window, resume, signal): AsyncGenerator<Page> {
      const unfilteredResume = resume?.startsWith(UNFILTERED) ? resume.slice(UNFILTERED.length) : undefined;
      if (!filterRefused && unfilteredResume === undefined) {
        try {
          for await (const page of paginateOData(client, url(window), { signal, resume, headers })) {
            yield { records: shape(page.records), next: page.next };
          }
          return;
        } catch (error) {
          if (
            !(
              error instanceof SourceError &&
              error.status === 400 &&
              options.fallbackUnfiltered &&
              resume === undefined
            )
          )
            throw error;
          filterRefused = true;
          logger.warn(
            { entitySet, reason: error.message },
            `the API refused a ${cursor} filter on ${entitySet}: reading it unfiltered and keeping each window's records client-side`,
          );
        }
      }
      // Unfiltered: the whole set, keeping only records whose cursor lies in the window, so each record
      // version is delivered in exactly one window. Records without a cursor value go to the dead-letter
      // through the record schema instead of being guessed into a window.
      const from = window.from.getTime();
      const to = window.to.getTime();
      const pages = paginateOData(client, url(undefined), { signal, resume: unfilteredResume, headers });
      for await (const page of pages) {
        const records = shape(page.records).filter((record) => {
          if (granularity !== undefined && record.Granularity !== granularity) return false;
          const at = Date.parse(String(record[cursor]));
          return Number.isNaN(at) || (at >= from && at < to);
        });
        yield { records, next: page.next === undefined ? undefined : `${UNFILTERED}${page.next}` };
      }
    },
  };
}
