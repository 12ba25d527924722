/**
 * What a Lambda invocation asks for. An EventBridge Scheduler schedule sends its `Input` as the event
 * (one schedule per tenant: `{"tenants": ["acme"]}`); an EventBridge rule wraps it in a "Scheduled
 * Event" whose `detail` carries it. Anything else in the event is ignored.
 */
import { type CollectSelection, parseSelection } from '@ctxsiem/deployment';

export function selectionOf(event: unknown): CollectSelection {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) return { field: 'event' };
  const envelope = event as { 'detail-type'?: unknown; detail?: unknown };
  return envelope['detail-type'] === 'Scheduled Event'
    ? parseSelection(envelope.detail, 'event.detail')
    : parseSelection(event, 'event');
}
