/**
 * One Monitor entity set as a pull stream, collected as Citrix's model says (`entities.ts`):
 *
 * - **windowed** on its cursor column: a window becomes `$filter=(Cursor ge {from} and Cursor lt {to})`
 *   (a summary set's with `and Granularity eq {slot}`: its rows of the configured slot length only),
 *   pages follow `@odata.nextLink` through the client's origin guard, and a page's nextLink is the
 *   resume token. When the API refused the filter, the set is read unfiltered and the resume token says
 *   so (`unfiltered:` before the nextLink), so a restarted process continues in the same mode. `$count`
 *   on the window's filter lets the reconcile pass skip windows that gained no records.
 * - **snapshot** (a set without a time column that follows its rows' changes): each window reads the
 *   whole set and delivers the row versions no earlier window delivered (`snapshot-ledger.ts`), each
 *   stamped with `ctxsiem_snapshot_time` (the end of the window that delivered it), its SIEM time.
 *
 * Records are checked against the set's model — the service's own `$metadata`, read once per run, else
 * Citrix's published model: only a record without its key or cursor is dead-lettered; any other
 * difference is schema drift, delivered and counted (`record-schema.ts`).
 */
import {
  buildODataUrl,
  type CitrixCloudClient,
  formatODataInstant,
  paginateOData,
} from '@ctxsiem/citrix-cloud';
import {
  ConfigError,
  DAY_MS,
  type DocumentStore,
  HOUR_MS,
  type JsonRecord,
  type Logger,
  MINUTE_MS,
  type Page,
  type PullStream,
  recordDigest,
  SourceError,
  type Window,
} from '@ctxsiem/core';
import { IDENTITY_BY_KIND } from '@ctxsiem/monitor-model';
import type { MonitorOptions } from './config.ts';
import {
  cursorColumn,
  cursorKind,
  defaultLagMinutes,
  granularityValue,
  rowsMoveBetweenWindows,
  slotMinutes,
} from './entities.ts';
import { monitorModel, type ODataEntitySet, recordColumns } from './odata-model.ts';
import { entityRecordSchema, SwitchableRecordSchema } from './record-schema.ts';
import { SnapshotLedger } from './snapshot-ledger.ts';

/** The field a snapshot stream stamps on each record it delivers: when the version was collected. */
export const SNAPSHOT_TIME_FIELD = 'ctxsiem_snapshot_time';

/** The user's fields `flattenUser` moves onto a session: not the row's own content. */
const USER_FIELDS = ['UserName', 'FullName'] as const;

/**
 * A windowed stream's record identity: key + cursor, or key + cursor + a digest of the row's content
 * without the fields `expanded` from another set. None for a set without a key (the whole record).
 */
function identityOf(
  keys: readonly string[],
  cursor: string,
  by: 'cursor' | 'content',
  expanded: readonly string[],
): Pick<PullStream, 'identity'> {
  if (keys.length === 0) return {};
  if (by === 'cursor') return { identity: (record) => [...keys.map((key) => record[key]), record[cursor]] };
  return {
    identity: (record) => {
      const row = { ...record };
      for (const field of expanded) delete row[field];
      return [...keys.map((key) => record[key]), record[cursor], recordDigest(row)];
    },
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

/** Resume tokens of the unfiltered read start with this: the mode travels with the token. */
const UNFILTERED = 'unfiltered:';

/** What every Monitor stream is built with. */
export interface MonitorStreamContext {
  options: MonitorOptions;
  client: CitrixCloudClient;
  logger: Logger;
  /** The service's model (its `$metadata`), read once per run; Citrix's model when it does not answer. */
  serviceModel(signal: AbortSignal): Promise<ReadonlyMap<string, ODataEntitySet>>;
  /** The checkpoint store's documents (a snapshot stream's ledger), and the stream's checkpoint key. */
  documents?: DocumentStore | undefined;
  streamKey(entitySet: string): string;
}

/**
 * The Granularity value a summary set is read at (windowed on `SummaryDate`, with a `Granularity`
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

/**
 * The set's record schema, built from Citrix's model and switched to the service's own model when the
 * stream first reads (`prepare`). Required: the key and, for a windowed set, the cursor.
 */
function recordSchemaOf(
  entitySet: string,
  context: MonitorStreamContext,
  required: (set: ODataEntitySet) => string[],
  stamped: readonly string[] = [],
) {
  const user = entitySet === 'Sessions' && context.options.sessionUserFields ? ['UserName', 'FullName'] : [];
  const added = [...user, ...stamped];
  const schemaFor = (set: ODataEntitySet) => entityRecordSchema(set, required(set), { added });
  const known = monitorModel().get(entitySet);
  const unknownSet: ODataEntitySet = { name: entitySet, typeName: entitySet, keys: [], properties: [] };
  const schema = new SwitchableRecordSchema(schemaFor(known ?? unknownSet));
  let prepared = false;
  return {
    schema,
    /** Uses the service's model of the set from now on (once per run). */
    async prepare(signal: AbortSignal): Promise<void> {
      if (prepared) return;
      prepared = true;
      const served = (await context.serviceModel(signal)).get(entitySet);
      if (served) schema.use(schemaFor(served));
    },
  };
}

/** One entity set: a windowed stream, or a snapshot stream for a set the model reads whole. */
export function monitorStream(entitySet: string, context: MonitorStreamContext): PullStream {
  const cursor = cursorColumn(entitySet, context.options.cursorColumns);
  return cursor === undefined
    ? snapshotStream(entitySet, context)
    : windowedStream(entitySet, cursor, context);
}

function windowedStream(entitySet: string, cursor: string, context: MonitorStreamContext): PullStream {
  const { options, client, logger } = context;
  const model = monitorModel().get(entitySet);
  const keys = model?.keys ?? [];
  const kind = cursorKind(entitySet, cursor);
  const granularity = summaryGranularity(entitySet, model, cursor, options);
  const expandUser = entitySet === 'Sessions' && options.sessionUserFields;
  const headers = options.pageSize ? { Prefer: `odata.maxpagesize=${options.pageSize}` } : undefined;
  const records = recordSchemaOf(entitySet, context, (set) => [...set.keys, cursor]);
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

  const shape = (page: JsonRecord[]) => (expandUser ? page.map(flattenUser) : page);

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

  const lagMinutes =
    options.lagMinutes ?? defaultLagMinutes(kind, cursor, slotMinutes(entitySet, options.summaryGranularity));
  return {
    name: entitySet,
    cursorField: cursor,
    window: {
      alignMs: HOUR_MS,
      maxWindowMs: options.maxWindowMinutes * MINUTE_MS,
      lagMs: lagMinutes * MINUTE_MS,
      minWindowMs: MINUTE_MS,
    },
    schema: records.schema,
    // A record is a version of a row, identified as the model decides for the cursor's kind
    // (`IDENTITY_BY_KIND`): by key + cursor where the cursor moves with every change (or the row never
    // changes) — two reads are the same record even when an expanded field (a session's user name)
    // changed between them —, by key + a digest of the row's content where the row changes in place
    // with its cursor staying (a summary recomputed for its slot): a changed row is a new version.
    ...identityOf(keys, cursor, IDENTITY_BY_KIND[kind].by, expandUser ? USER_FIELDS : []),
    ...(model ? { columns: recordColumns(model, Boolean(expandUser)) } : {}),
    // Rows windowed on a modification time move to a later window as they change, so a count cannot
    // tell a late row from one that left: the reconcile pass re-reads those windows instead.
    // So do rows that change in place (a count cannot tell a changed row from the one it was).
    ...(rowsMoveBetweenWindows(kind) || IDENTITY_BY_KIND[kind].by === 'content' ? {} : { count }),
    async *read(window, resume, signal): AsyncGenerator<Page> {
      await records.prepare(signal);
      const unfilteredResume = resume?.startsWith(UNFILTERED) ? resume.slice(UNFILTERED.length) : undefined;
      if (!filterRefused && unfilteredResume === undefined) {
        try {
          for await (const page of paginateOData(client, url(window), { signal, resume, headers })) {
            yield { records: shape(page.records), next: page.next };
          }
          return;
        } catch (error) {
          if (error instanceof SourceError && error.status === 404) throw unknownEntitySet(entitySet, error);
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
        const kept = shape(page.records).filter((record) => {
          if (granularity !== undefined && record.Granularity !== granularity) return false;
          const at = Date.parse(String(record[cursor]));
          return Number.isNaN(at) || (at >= from && at < to);
        });
        yield { records: kept, next: page.next === undefined ? undefined : `${UNFILTERED}${page.next}` };
      }
    },
  };
}

/**
 * A 404 for an entity set: the service publishes no set of that name (a misspelt `ENTITIES`, a set of
 * another API version) — said so, with where the published sets are listed.
 */
function unknownEntitySet(entitySet: string, error: SourceError): SourceError {
  return new SourceError(
    'REQUEST_REJECTED',
    `${error.message} — ${entitySet} is not an entity set this Monitor Service publishes: \`ctxsiem preview --list-streams\` lists those it does`,
    { cause: error, status: 404 },
  );
}

function snapshotStream(entitySet: string, context: MonitorStreamContext): PullStream {
  const { options, client } = context;
  const model = monitorModel().get(entitySet);
  const headers = options.pageSize ? { Prefer: `odata.maxpagesize=${options.pageSize}` } : undefined;
  const records = recordSchemaOf(entitySet, context, (set) => [...set.keys], [SNAPSHOT_TIME_FIELD]);
  /** A version of a row: the row as the service sent it, without the time ctxsiem stamped on it. */
  const identity = (record: JsonRecord) => {
    const { [SNAPSHOT_TIME_FIELD]: _stamped, ...row } = record;
    return row;
  };
  return {
    name: entitySet,
    cursorField: SNAPSHOT_TIME_FIELD,
    windowedBy: 'source',
    // Each run reads the set once (a window per run, up to a UTC day when catching up), now.
    window: { alignMs: DAY_MS, maxWindowMs: DAY_MS, lagMs: 0 },
    schema: records.schema,
    identity,
    ...(model
      ? {
          columns: [
            ...(recordColumns(model, false) ?? []),
            { name: SNAPSHOT_TIME_FIELD, type: 'datetime' as const },
          ],
        }
      : {}),
    async *read(window, resume, signal): AsyncGenerator<Page> {
      if (!context.documents)
        throw new ConfigError('source-monitor', [
          {
            path: 'entities',
            reason: `${entitySet} is read whole (it has no time column) and keeps a ledger of what it delivered beside the checkpoints: build the source with the checkpoint store's documents`,
          },
        ]);
      await records.prepare(signal);
      const ledger = await SnapshotLedger.open(context.documents, context.streamKey(entitySet), window.from);
      await ledger.save();
      const stamp = window.to.toISOString();
      const url = buildODataUrl(`monitorodata/${entitySet}`, {});
      for await (const page of paginateOData(client, url, { signal, resume, headers })) {
        const fresh = page.records.flatMap((row) => {
          const digest = recordDigest(row);
          return ledger.delivered(digest)
            ? []
            : [{ digest, record: { ...row, [SNAPSHOT_TIME_FIELD]: stamp } }];
        });
        ledger.assign(fresh.map((item) => item.digest));
        await ledger.save();
        yield { records: fresh.map((item) => item.record), next: page.next };
      }
    },
  };
}
