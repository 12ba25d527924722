/**
 * Which data collection rule stream (and so which Log Analytics table) a stream's records go to: by
 * default `Custom-Citrix<Source><Stream>`, feeding the table `Citrix<Source><Stream>_CL`; the sentinel
 * source's streams feed the tables of Citrix's own Sentinel solution (`Custom-CitrixAnalytics_<stream>_V1`
 * → `CitrixAnalytics_<stream>_V1_CL`, or with `sentinelTables: legacy` the older solution's
 * `CitrixAnalytics_<stream>_CL` where it had one); the DaaS configuration log feeds Microsoft's
 * `CitrixDaaSConfigOps_CL` (`Custom-CitrixDaaSConfigOps`) — as the generated DCR declares them. `streams`
 * overrides by `source/stream` or by source.
 */
import type { PartName } from '@ctxsiem/core';
import { CITRIX_ANALYTICS_LEGACY } from './published-tables.ts';

/** Which of Citrix's Sentinel solutions the sentinel source's tables follow. */
export type SentinelTables = 'ccf' | 'legacy';

const pascal = (name: string) =>
  name.replace(/(^|[_-])([a-z])/g, (_, __, letter: string) => letter.toUpperCase());

/** True when the sentinel stream goes to a legacy table (the older solution had one for it). */
export function legacySentinelTable(stream: string, sentinelTables: SentinelTables): boolean {
  return sentinelTables === 'legacy' && Object.hasOwn(CITRIX_ANALYTICS_LEGACY, stream);
}

/** The default DCR stream of a source's stream. */
export function defaultStreamName(
  source: string,
  stream: string,
  sentinelTables: SentinelTables = 'ccf',
): string {
  if (source === 'sentinel')
    return legacySentinelTable(stream, sentinelTables)
      ? `Custom-CitrixAnalytics_${stream}`
      : `Custom-CitrixAnalytics_${stream}_V1`;
  // The DaaS tables are Microsoft's, so that the Citrix DaaS solution's queries work.
  if (source === 'daasconfiglog')
    return stream === 'daasSessions' ? 'Custom-CitrixDaaSSessions' : 'Custom-CitrixDaaSConfigOps';
  return `Custom-Citrix${pascal(source)}${pascal(stream)}`;
}

/** The table a `Custom-…` stream feeds in the generated DCR: its name after `Custom-`, with `_CL`. */
export function tableOf(streamName: string): string {
  return `${streamName.replace(/^Custom-/, '')}_CL`;
}

export function streamNameOf(
  part: Pick<PartName, 'source' | 'stream'>,
  overrides: Record<string, string>,
  sentinelTables: SentinelTables = 'ccf',
): string {
  return (
    overrides[`${part.source}/${part.stream}`] ??
    overrides[part.source] ??
    defaultStreamName(part.source, part.stream, sentinelTables)
  );
}
