/**
 * Which data collection rule stream (and so which Log Analytics table) a stream's records go to: by
 * default `Custom-Citrix<Source><Stream>` (sentinel: `Custom-CitrixAnalytics_<stream>`; the DaaS
 * configuration log: `Custom-CitrixDaaSConfigOps`, Microsoft's table), feeding the table
 * `Citrix<Source><Stream>_CL` (`CitrixAnalytics_<stream>_CL`), as the
 * generated DCR declares them; `streams` overrides by `source/stream` or by source.
 */
import type { PartName } from '@ctxsiem/core';

const pascal = (name: string) =>
  name.replace(/(^|[_-])([a-z])/g, (_, __, letter: string) => letter.toUpperCase());

/**
 * The default DCR stream of a source's stream. The sentinel source's streams keep the names of the
 * Citrix Analytics for Security tables Sentinel users know (`CitrixAnalytics_riskScoreChange_CL`).
 */
export function defaultStreamName(source: string, stream: string): string {
  if (source === 'sentinel') return `Custom-CitrixAnalytics_${stream}`;
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
): string {
  return (
    overrides[`${part.source}/${part.stream}`] ??
    overrides[part.source] ??
    defaultStreamName(part.source, part.stream)
  );
}
