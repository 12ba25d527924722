/**
 * Risk events shaped as Citrix declares them for Sentinel: every column of the seven
 * `CitrixAnalytics_<stream>_V1_CL` tables (the Citrix Analytics CCF solution's table files, which declare
 * the same columns as its data collection rule `CitrixAnalytics_DCR.json`; the lists, with their
 * repository, path and commit, are `CITRIX_ANALYTICS_CCF` in @ctxsiem/sink-azure-monitor), filled with a
 * value of the declared type, `occurrence_details_*` flattened as the rule has them. They are larger and
 * flatter than the emulator's events (~0.84 KB on average against ~0.45 KB; Secure Private Access
 * events, 68 columns, ~2.2 KB), which is what a throughput figure must be
 * measured with: decode, parse, checks and encoding cost per field.
 *
 * Values are deterministic in the index; their lengths are typical of what the columns hold (ids as
 * GUIDs, addresses as dotted quads, times as ISO instants). Which `event_type` values each stream gets
 * are those the source routes to it (`EVENT_STREAMS`, @ctxsiem/source-sentinel).
 */
import type { Column } from '@ctxsiem/core';
import { CITRIX_ANALYTICS_CCF } from '@ctxsiem/sink-azure-monitor';
import { seededRandom } from '@ctxsiem/source-generated';

/** Which stream the i-th event goes to: indicator details most often, as the export sends them. */
const MIX = [
  'indicatorEventDetails',
  'indicatorEventDetails',
  'indicatorEventDetails',
  'indicatorEventDetails',
  'indicatorSummary',
  'userProfile',
  'userProfile',
  'riskScoreChange',
  'SPA_Events',
  'CVAD_Events',
  'CCC_Events',
] as const;

const EVENT_TYPES: Record<(typeof MIX)[number], readonly string[]> = {
  indicatorEventDetails: ['indicatorEventDetails'],
  indicatorSummary: ['indicatorSummary'],
  userProfile: ['userProfileRiskscore', 'userProfileLocation', 'userProfileApp', 'userProfileDevice'],
  riskScoreChange: ['riskScoreChange'],
  SPA_Events: ['datasourceSPAEventDetails', 'datasourceDPSEventDetails'],
  CVAD_Events: ['datasourceCVADEventDetails'],
  CCC_Events: ['datasourceCCCEventDetails'],
};

const WORDS = ['citrix', 'gateway', 'workspace', 'secure', 'private', 'access', 'session', 'policy', 'store'];

function stringFor(name: string, next: () => number, index: number): string {
  const int = (below: number) => Math.floor(next() * below);
  const hex = (length: number) => Array.from({ length }, () => int(16).toString(16)).join('');
  if (name.endsWith('_uuid') || name.endsWith('_oid') || name === 'event_id' || name === 'session_key')
    return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
  if (name.endsWith('_ip')) return `${[10, 172, 192, 203][int(4)]}.${int(256)}.${int(256)}.${1 + int(254)}`;
  if (name === 'entity_id' || name.endsWith('_upn') || name.endsWith('_email') || name === 'user_name')
    return `user${index % 5000}@example.com`;
  if (name === 'entity_type') return 'user';
  if (name === 'country') return ['United States', 'Germany', 'India', 'Japan'][int(4)]!;
  if (name === 'city') return ['Fort Lauderdale', 'Munich', 'Bangalore', 'Tokyo'][int(4)]!;
  if (name.includes('url') || name.endsWith('link') || name === 'app_fqdn')
    return `https://${WORDS[int(WORDS.length)]}.example.com/${hex(12)}`;
  if (name.endsWith('_version')) return `${10 + int(14)}.${int(10)}.${int(100)}`;
  if (name.endsWith('_id') || name === 'user_sid') return `${hex(4)}-${hex(8)}`;
  return `${WORDS[int(WORDS.length)]}-${int(1000)}`;
}

function columnValue(column: Column, next: () => number, index: number, time: string): unknown {
  switch (column.type) {
    case 'datetime':
      return time;
    case 'int':
    case 'long':
      return Math.floor(next() * 100);
    case 'real':
      return Math.round(next() * 1e6) / 100;
    case 'boolean':
      return next() < 0.5;
    case 'dynamic':
      return { tags: [WORDS[Math.floor(next() * WORDS.length)]], compliant: next() < 0.9 };
    default:
      return stringFor(column.name, next, index);
  }
}

export interface DcrShapedEventOptions {
  tenant: string;
  count: number;
  start: Date;
  spacingMs?: number;
}

/** Event `index`: every column of its stream's table, with the tenant, time and event type set. */
export function dcrShapedEvent(options: DcrShapedEventOptions, index: number): Record<string, unknown> {
  const next = seededRandom(index * 2654435761);
  const stream = MIX[index % MIX.length]!;
  const types = EVENT_TYPES[stream];
  const time = new Date(options.start.getTime() + index * (options.spacingMs ?? 100)).toISOString();
  const event: Record<string, unknown> = {};
  for (const column of CITRIX_ANALYTICS_CCF[stream]!.columns)
    event[column.name] = columnValue(column, next, index, time);
  event.event_type = types[index % types.length];
  event.tenant_id = options.tenant;
  event.timestamp = time;
  return event;
}

/** The first `count` events. */
export function dcrShapedEvents(options: DcrShapedEventOptions): Record<string, unknown>[] {
  return Array.from({ length: options.count }, (_, index) => dcrShapedEvent(options, index));
}
