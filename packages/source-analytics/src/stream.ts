/**
 * One casodata entity as a pull stream. A window is one whole UTC hour, read with the seed's query
 * `casodata/{entity}?year=YYYY&month=MM&day=DD&hour=HH&$top=N&$skip=M` and paged with `$skip` until a short
 * page (casodata has no nextLink). The next `$skip` is the resume token. Records leave in the seed's
 * envelope `{ citrix_entity, citrix_hour_utc, collection_timestamp, raw }`.
 */
import { buildODataUrl, type CitrixCloudClient } from '@ctxsiem/citrix-cloud';
import {
  type Clock,
  type Column,
  HOUR_MS,
  isoSeconds,
  type JsonRecord,
  MINUTE_MS,
  type Page,
  type PullStream,
  SourceError,
  type Window,
  type WindowPolicy,
} from '@ctxsiem/core';
import { z } from 'zod';
import type { AnalyticsOptions } from './config.ts';
import type { AnalyticsEntity } from './entities.ts';

/** The envelope field windows are cut on: the start of the record's hour. */
export const CURSOR_FIELD = 'citrix_hour_utc';

/**
 * Whole UTC hours only, due once they ended `lookbackMinutes - 60` minutes ago (the seed's safety lag).
 * `minWindowMs` of one hour: a casodata query cannot be narrowed below an hour, so a window is never split.
 */
export function analyticsWindowPolicy(lookbackMinutes: number): WindowPolicy {
  return {
    alignMs: HOUR_MS,
    maxWindowMs: HOUR_MS,
    lagMs: Math.max(0, lookbackMinutes - 60) * MINUTE_MS,
    wholeWindowsOnly: true,
    minWindowMs: HOUR_MS,
  };
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** `casodata/sessions?year=2024&month=08&day=06&hour=07`: the hour's query, zero-padded like the seed. */
export function casodataHourPath(entity: string, hourStart: Date): string {
  return `casodata/${entity}?year=${pad(hourStart.getUTCFullYear(), 4)}&month=${pad(hourStart.getUTCMonth() + 1)}&day=${pad(hourStart.getUTCDate())}&hour=${pad(hourStart.getUTCHours())}`;
}

/** One page of an hour: the hour's query plus `$top` and `$skip` (always sent, as the seed does). */
export function casodataPageUrl(entity: string, hourStart: Date, top: number, skip: number): string {
  return buildODataUrl(casodataHourPath(entity, hourStart), { top, skip });
}

/** The envelope every record must have; `raw` (the record as Citrix returned it) must be an object. */
export function analyticsRecordSchema(entity: AnalyticsEntity) {
  return z.looseObject({
    citrix_entity: z.literal(entity),
    citrix_hour_utc: z.iso.datetime({ message: 'citrix_hour_utc must be an ISO date-time' }),
    collection_timestamp: z.iso.datetime({ message: 'collection_timestamp must be an ISO date-time' }),
    raw: z.record(z.string(), z.unknown(), { message: 'raw must be a JSON object' }),
  });
}

/** The window must be exactly one aligned UTC hour: that is the only thing casodata can be asked for. */
function hourOf(entity: string, window: Window): Date {
  const from = window.from.getTime();
  if (from % HOUR_MS !== 0 || window.to.getTime() - from !== HOUR_MS) {
    throw new SourceError(
      'INVALID_WINDOW',
      `casodata/${entity} is read one whole UTC hour at a time; got ${window.from.toISOString()} – ${window.to.toISOString()}`,
    );
  }
  return window.from;
}

function skipFrom(entity: string, resume: string | undefined): number {
  if (resume === undefined || resume === '') return 0;
  if (!/^\d+$/.test(resume))
    throw new SourceError(
      'INVALID_RESUME',
      `casodata/${entity}: resume token ${JSON.stringify(resume)} is not a $skip offset`,
    );
  return Number(resume);
}

function pageItems(entity: string, body: unknown): unknown[] {
  const value = typeof body === 'object' && body !== null ? (body as { value?: unknown }).value : undefined;
  if (!Array.isArray(value))
    throw new SourceError('INVALID_RESPONSE', `casodata/${entity} answered without a "value" array`);
  return value;
}

/** The envelope's columns: the row Citrix returned stays one dynamic column, as seed 001 delivers it. */
const ENVELOPE_COLUMNS: readonly Column[] = [
  { name: 'citrix_entity', type: 'string' },
  { name: 'citrix_hour_utc', type: 'datetime' },
  { name: 'collection_timestamp', type: 'datetime' },
  { name: 'raw', type: 'dynamic' },
];

export function analyticsStream(
  entity: AnalyticsEntity,
  options: AnalyticsOptions,
  client: CitrixCloudClient,
  clock: Clock,
): PullStream {
  const top = options.top;
  return {
    name: entity,
    cursorField: CURSOR_FIELD,
    window: analyticsWindowPolicy(options.lookbackMinutes),
    schema: analyticsRecordSchema(entity),
    columns: ENVELOPE_COLUMNS,
    // A row changes in place (no cursor moves): a record is its key and its content, the raw row as
    // Citrix sent it (which holds its key, `ANALYTICS_KEYS`) — never the envelope, whose
    // collection_timestamp changes with every read. A changed row is a new version, delivered once.
    identity: (record) => record.raw,
    async *read(window, resume, signal): AsyncGenerator<Page> {
      const hour = hourOf(entity, window);
      const hourUtc = isoSeconds(hour);
      let skip = skipFrom(entity, resume);
      let previous: string | undefined;
      for (;;) {
        const items = pageItems(
          entity,
          await client.getJson<unknown>(casodataPageUrl(entity, hour, top, skip), { signal }),
        );
        // A full page identical to the previous one means the server ignored $skip: stop, do not loop.
        const fingerprint =
          items.length > 0
            ? `${items.length}:${JSON.stringify(items[0])}:${JSON.stringify(items.at(-1))}`
            : '';
        if (previous !== undefined && fingerprint === previous)
          throw new SourceError(
            'PAGING_LOOP',
            `casodata/${entity} returned the same page for $skip=${skip} as for the page before: $skip seems ignored`,
          );
        previous = fingerprint;
        const collectedAt = new Date(clock.now()).toISOString();
        const records: JsonRecord[] = items.map((raw) => ({
          citrix_entity: entity,
          citrix_hour_utc: hourUtc,
          collection_timestamp: collectedAt,
          raw,
        }));
        // A short page is the last one; a full page may be followed by more (or by an empty page).
        const next = items.length >= top ? skip + items.length : undefined;
        yield { records, next: next === undefined ? undefined : String(next) };
        if (next === undefined) return;
        skip = next;
      }
    },
  };
}
