/**
 * The Citrix Cloud System Log as a pull stream: `GET {api}/systemlog/records?StartDateTime&EndDateTime&
 * Limit&ContinuationToken`, one window per hour of `utcTimestamp`, the continuation token as the resume
 * token (sent with the same window, as Citrix asks).
 *
 * The service's documentation spells the answer in PascalCase (`Items`, `RecordId`); the live API answers
 * in camelCase (`items`, `recordId`), which Google's and Cortex's collectors read. Both are read here, and
 * records are delivered in camelCase whatever the service sent, so a SIEM parser sees one shape. Pages come
 * newest first; that does not matter, since the checkpoint moves by whole windows. Both bounds of the query
 * are inclusive: a record at the window's end is dropped by the runner's window filter and read by the
 * next window, which starts there.
 */
import { type CitrixCloudClient, formatODataInstant } from '@ctxsiem/citrix-cloud';
import {
  type Column,
  HOUR_MS,
  type JsonRecord,
  MINUTE_MS,
  type Page,
  type PullStream,
  SourceError,
  type Window,
} from '@ctxsiem/core';
import { z } from 'zod';
import type { SystemLogOptions } from './config.ts';

export const SYSTEM_LOG_PATH = 'systemlog/records';

/** What every record must carry to be placed and told apart; other fields are kept as Citrix sent them. */
export const SystemLogRecordSchema = z.looseObject({
  recordId: z.string().nullable(),
  utcTimestamp: z
    .string()
    .regex(
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$/,
      'utcTimestamp must be an ISO date-time in UTC',
    ),
  eventType: z.string().min(1, 'eventType must not be empty'),
});

export const SYSTEM_LOG_COLUMNS: readonly Column[] = [
  { name: 'recordId', type: 'string' },
  { name: 'utcTimestamp', type: 'datetime' },
  { name: 'customerId', type: 'string' },
  { name: 'eventType', type: 'string' },
  { name: 'targetId', type: 'string' },
  { name: 'targetDisplayName', type: 'string' },
  { name: 'targetEmail', type: 'string' },
  { name: 'targetUserId', type: 'string' },
  { name: 'targetType', type: 'string' },
  { name: 'beforeChanges', type: 'dynamic' },
  { name: 'afterChanges', type: 'dynamic' },
  { name: 'agentId', type: 'string' },
  { name: 'serviceProfileName', type: 'string' },
  { name: 'actorId', type: 'string' },
  { name: 'actorDisplayName', type: 'string' },
  { name: 'actorType', type: 'string' },
  { name: 'message', type: 'dynamic' },
];

/** A field of the answer by name in any case (`items`, `Items`). */
function field(body: Record<string, unknown>, name: string): unknown {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(body)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

/** The record with its top-level names in camelCase (`RecordId` → `recordId`), values untouched. */
export function camelCaseRecord(record: Record<string, unknown>): JsonRecord {
  return Object.fromEntries(
    Object.entries(record).map(([key, value]) => [key.charAt(0).toLowerCase() + key.slice(1), value]),
  );
}

export function systemLogStream(options: SystemLogOptions, client: CitrixCloudClient): PullStream {
  return {
    name: 'records',
    cursorField: 'utcTimestamp',
    window: { alignMs: HOUR_MS, maxWindowMs: HOUR_MS, lagMs: options.lagMinutes * MINUTE_MS },
    schema: SystemLogRecordSchema,
    columns: SYSTEM_LOG_COLUMNS,
    async *read(window: Window, resume: string | undefined, signal: AbortSignal): AsyncIterable<Page> {
      let token = resume;
      for (;;) {
        const query = new URLSearchParams({
          StartDateTime: formatODataInstant(window.from),
          EndDateTime: formatODataInstant(window.to),
          Limit: String(options.pageSize),
        });
        if (token) query.set('ContinuationToken', token);
        const body = await client.getJson<Record<string, unknown>>(`${SYSTEM_LOG_PATH}?${query}`, { signal });
        const items = field(body ?? {}, 'items');
        if (!Array.isArray(items))
          throw new SourceError(
            'INVALID_RESPONSE',
            `GET /${SYSTEM_LOG_PATH} answered without an items list (fields: ${Object.keys(body ?? {}).join(', ') || 'none'})`,
          );
        const next = field(body, 'continuationToken');
        token = typeof next === 'string' && next ? next : undefined;
        yield {
          records: items.map((item) => camelCaseRecord(item as Record<string, unknown>)),
          next: token,
        };
        if (!token) return;
      }
    },
  };
}
