/**
 * Batch routing: a batch's messages into groups, one per stream and kind — the records of each stream,
 * and the dead letters of each (what cannot be parsed or fails its schema, or what the sink refuses,
 * each kept with the reason). The same function runs on the consuming thread and in a routing worker
 * (`routing-workers.ts`), so a batch makes the same parts wherever it was routed.
 */
import type { JsonRecord } from '../contracts/records.ts';
import { addDrift, type DriftCount } from '../contracts/schema-drift.ts';
import type { Batch } from '../contracts/sink.ts';
import type { LogMessage, RoutedMessage } from '../contracts/stream-source.ts';

export interface BatchRouting {
  route(message: LogMessage): RoutedMessage;
  tenant: string;
  /** The field every delivered record carries the tenant in. */
  tenantField?: string | undefined;
  /** Why the sink cannot take a record (a SIEM API's request limit), or undefined. */
  refuse?: ((record: JsonRecord) => string | undefined) | undefined;
  /**
   * The digest of a routed record, before the tenant tag (by the stream's identity), for sinks that keep
   * them (a SIEM API's delivery ledger); absent, none are made.
   */
  digest?: ((stream: string, record: JsonRecord) => string) | undefined;
}

/** The records of one stream and kind, in the batch's order. */
export interface RoutedGroup {
  stream: string;
  kind: Batch['kind'];
  records: JsonRecord[];
  /** One per record when `digest` was given; empty otherwise. */
  digests: string[];
  /** Schema drift of the group's delivered records (none for dead letters). */
  drift: DriftCount[];
}

export function routeBatch(routing: BatchRouting, messages: Iterable<LogMessage>): RoutedGroup[] {
  const groups = new Map<string, RoutedGroup>();
  for (const message of messages) {
    const routed = routing.route(message);
    const digest = routing.digest?.(routed.stream, routed.record);
    let reason = routed.reason;
    if (reason === undefined) {
      // Tagged in place (the routed record is this call's own), then offered to the sink.
      if (routing.tenantField) routed.record[routing.tenantField] = routing.tenant;
      reason = routing.refuse?.(routed.record);
    }
    const kind: Batch['kind'] = reason === undefined ? 'records' : 'deadletter';
    const key = `${kind}/${routed.stream}`;
    let group = groups.get(key);
    if (!group) {
      group = { stream: routed.stream, kind, records: [], digests: [], drift: [] };
      groups.set(key, group);
    }
    if (reason === undefined) {
      group.records.push(routed.record);
      if (routed.drift) addDrift(group.drift, routed.drift);
    } else
      group.records.push({ reason, stream: routed.stream, tenant: routing.tenant, record: routed.record });
    if (digest !== undefined) group.digests.push(digest);
  }
  return [...groups.values()];
}
