/**
 * Which SecOps log type a stream's records are ingested as. The defaults follow what SecOps parses:
 * Monitor `Sessions` is seed 000's CITRIX_SESSION_METADATA, the other Monitor sets CITRIX_MONITOR (a
 * default parser exists), Analytics and the sentinel source's risk events CITRIX_ANALYTICS, System Log
 * records CITRIX_MONITOR (as Google's own Citrix script sends them); any other source `CITRIX_<SOURCE>`.
 * `logTypes` overrides per `source/stream` or per source.
 */
import type { PartName } from '@ctxsiem/core';

const DEFAULTS: Record<string, string> = {
  'monitor/Sessions': 'CITRIX_SESSION_METADATA',
  monitor: 'CITRIX_MONITOR',
  analytics: 'CITRIX_ANALYTICS',
  // Risk events from the Kafka export: SecOps' CITRIX_ANALYTICS parser maps their fields.
  sentinel: 'CITRIX_ANALYTICS',
  // System Log records, as Google's own Citrix ingestion script sends them.
  systemlog: 'CITRIX_MONITOR',
};

export function logTypeOf(
  part: Pick<PartName, 'source' | 'stream'>,
  overrides: Record<string, string>,
): string {
  const byStream = `${part.source}/${part.stream}`;
  return (
    overrides[byStream] ??
    overrides[part.source] ??
    DEFAULTS[byStream] ??
    DEFAULTS[part.source] ??
    `CITRIX_${part.source.toUpperCase()}`
  );
}
