/**
 * What an invocation asks for. An EventBridge Scheduler schedule sends its `Input` as the event (one
 * schedule per tenant: `{"tenants": ["acme"]}`); an EventBridge rule wraps it in a "Scheduled Event"
 * whose `detail` carries it. Anything else in the event is ignored; no selection collects everything
 * configured.
 */
import { ConfigError, toIssues } from '@ctxsiem/core';
import type { CollectSelection } from '@ctxsiem/deployment';
import { z } from 'zod';

const names = z.array(z.string().min(1)).min(1).optional();

export const InvocationSchema = z.looseObject({
  tenants: names.describe('Customer ids to collect (default: every configured tenant).'),
  sources: names.describe('Source types to collect (default: every configured source).'),
});

/** The selection an event carries, checked; a malformed one is a `ConfigError` naming `event.…`. */
export function selectionOf(event: unknown): CollectSelection {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) return { field: 'event' };
  const envelope = event as { 'detail-type'?: unknown; detail?: unknown };
  const carried = envelope['detail-type'] === 'Scheduled Event' ? envelope.detail : event;
  const field = carried === event ? 'event' : 'event.detail';
  const parsed = InvocationSchema.safeParse(carried ?? {});
  if (!parsed.success)
    throw new ConfigError(
      'event',
      toIssues(parsed.error).map((issue) => ({ ...issue, path: `${field}.${issue.path}` })),
    );
  return { tenants: parsed.data.tenants, sources: parsed.data.sources, field };
}
