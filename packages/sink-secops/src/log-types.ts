/**
 * Which SecOps log type a stream's records are ingested as. Every default is a log type Google lists
 * WITH a default parser (`log-types.generated.ts`, from Google's "Supported log types and default
 * parsers"), chosen as Google's own Citrix collectors choose it, so that the parser is given records
 * of the shape it was written for:
 *
 * - Monitor (every entity set, `Sessions` included) → `CITRIX_MONITOR`: Google's guide "Collect Citrix
 *   Monitor Service logs" (https://docs.cloud.google.com/chronicle/docs/ingestion/default-parsers/citrix-ms,
 *   seed 002) collects Machines, Sessions, Connections, Applications and Users as the raw OData rows
 *   and ingests them as CITRIX_MONITOR. (Google's older `citrix_sessions` script sent Sessions as
 *   CITRIX_SESSION_METADATA, which Google lists WITHOUT a default parser: stored, never normalised.)
 * - System Log → `CITRIX_MONITOR`: Google's `citrix_auditlogs` script sends System Log `items` as they
 *   come (chronicle/ingestion-scripts, citrix_auditlogs/main.py, commit a942157a02de4ebbeffe00eb6ceb645a6f3a3362).
 * - Analytics (casodata) → `CITRIX_ANALYTICS`: Google's guide "Collect Citrix Analytics logs"
 *   (https://docs.cloud.google.com/chronicle/docs/ingestion/default-parsers/citrix-analytics, seed 001).
 * - sentinel (Citrix Analytics for Security's Kafka export) → `CITRIX_ANALYTICS`: the same guide names
 *   the Kafka export as a source of that log type.
 *
 * Any other source (the DaaS configuration log, licensing) has no Citrix log type SecOps knows:
 * `CITRIX_DAASCONFIGLOG` or `CITRIX_LICENSING` do not exist, and ingesting as them fails. Such a source
 * needs a log type named in `logTypes` — a custom log type the SecOps administrator created — and a
 * deployment without one is refused when its config is loaded (`sourcesWithoutLogType`), never at
 * delivery. `logTypes` overrides per `source/stream` or per source.
 */
import { type PartName, SinkError } from '@ctxsiem/core';
import {
  CITRIX_LOG_TYPES_WITH_PARSER,
  CITRIX_LOG_TYPES_WITHOUT_PARSER,
  LOG_TYPE_SOURCE,
} from './log-types.generated.ts';

export { CITRIX_LOG_TYPES_WITH_PARSER, CITRIX_LOG_TYPES_WITHOUT_PARSER, LOG_TYPE_SOURCE };

/** A Citrix log type SecOps parses. */
export type ParsedCitrixLogType = (typeof CITRIX_LOG_TYPES_WITH_PARSER)[number]['logType'];

export interface DefaultLogType {
  logType: ParsedCitrixLogType;
  /** Whose collector sends this source's records as this type: why it is the default. */
  because: string;
}

/** The default log type per source type; a source not listed has none. */
export const DEFAULT_LOG_TYPES: Readonly<Record<string, DefaultLogType>> = {
  monitor: {
    logType: 'CITRIX_MONITOR',
    because:
      'Google’s guide “Collect Citrix Monitor Service logs” (default-parsers/citrix-ms) ingests every Monitor entity set, Sessions included, as CITRIX_MONITOR',
  },
  systemlog: {
    logType: 'CITRIX_MONITOR',
    because:
      'Google’s citrix_auditlogs script (chronicle/ingestion-scripts) sends System Log items as CITRIX_MONITOR',
  },
  analytics: {
    logType: 'CITRIX_ANALYTICS',
    because:
      'Google’s guide “Collect Citrix Analytics logs” (default-parsers/citrix-analytics) ingests casodata rows as CITRIX_ANALYTICS',
  },
  sentinel: {
    logType: 'CITRIX_ANALYTICS',
    because:
      'the same guide names Citrix Analytics for Security’s Kafka export as a source of CITRIX_ANALYTICS, whose parser maps its fields',
  },
};

/** Whether Google lists `logType` (with or without a parser) among the Citrix log types. */
export function isCitrixLogType(logType: string): boolean {
  return [...CITRIX_LOG_TYPES_WITH_PARSER, ...CITRIX_LOG_TYPES_WITHOUT_PARSER].some(
    (row) => row.logType === logType,
  );
}

/** The log type of a stream's records, or undefined when neither `overrides` nor the defaults name one. */
export function resolveLogType(
  part: Pick<PartName, 'source' | 'stream'>,
  overrides: Readonly<Record<string, string>>,
): string | undefined {
  return (
    overrides[`${part.source}/${part.stream}`] ??
    overrides[part.source] ??
    DEFAULT_LOG_TYPES[part.source]?.logType
  );
}

/**
 * The log type of a stream's records. A stream without one never reaches here in a deployment (its
 * config is refused when loaded); a sink used on its own fails the part, sending nothing.
 */
export function logTypeOf(
  part: Pick<PartName, 'source' | 'stream'>,
  overrides: Readonly<Record<string, string>>,
): string {
  const logType = resolveLogType(part, overrides);
  if (logType === undefined) throw new SinkError(noLogTypeMessage(part.source), { retryable: false });
  return logType;
}

/** Why a source has no log type, and what to do about it. */
export function noLogTypeMessage(source: string): string {
  return `the ${source} source has no SecOps log type (CITRIX_${source.toUpperCase()} is not one Google lists): create a custom log type in SecOps and name it in logTypes ("${source}": "YOUR_LOG_TYPE")`;
}

/**
 * The source types among `sourceTypes` whose records would have no log type: no default, and no
 * `overrides[source]`. (A per-stream override alone does not do: a source's streams are known only when
 * it is built.)
 */
export function sourcesWithoutLogType(
  sourceTypes: readonly string[],
  overrides: Readonly<Record<string, string>>,
): string[] {
  return [...new Set(sourceTypes)].filter(
    (source) => DEFAULT_LOG_TYPES[source] === undefined && overrides[source] === undefined,
  );
}
