/**
 * The events Citrix Analytics for Security exports to its Kafka topic, one JSON object per message, and
 * the stream each goes to. Field names and types follow Citrix's own data collection rule for them
 * (Azure-Sentinel `Solutions/Citrix Analytics CCF`, `CitrixAnalytics_DCR.json`) and the Sentinel table
 * schemas of the older connector; the schemas check those fields' types and keep every other field
 * (Citrix adds fields; a record is never trimmed).
 *
 * Streams follow the data collection rule's: `indicatorSummary`, `indicatorEventDetails`,
 * `riskScoreChange`, `userProfile` (every `userProfile*` event: risk score every 12 hours, location,
 * app, device …) and the optional data-source events `SPA_Events` (Secure Private Access and Device
 * Posture), `CCC_Events` (Citrix Cloud) and `CVAD_Events` (Apps and Desktops).
 */
import type { Column } from '@ctxsiem/core';
import { z } from 'zod';

const text = z.string();
const integer = z.number().int();
const real = z.number();
/** An ISO-8601 instant, as the export writes `timestamp`. */
export const instant = z.string().refine((value) => !Number.isNaN(Date.parse(value)), {
  message: 'must be a date-time',
});

/** Fields every exported event carries. */
const common = {
  event_type: text,
  tenant_id: text,
  timestamp: instant,
  entity_id: text.optional(),
  entity_type: text.optional(),
  version: integer.optional(),
};

/**
 * What triggered an indicator. Citrix's data collection rule declares these fields flattened
 * (`occurrence_details_condition` … `occurrence_details_new_entities`, Azure/Azure-Sentinel
 * `Solutions/Citrix Analytics CCF/Data Connectors/CitrixAnalytics_CCF/CitrixAnalytics_DCR.json` @
 * 3b8c131d53fbaa76eb9b287809a080e704fa8d3d, stream `Custom-CitrixAnalytics_indicatorSummary_V1`); the
 * export's JSON nests them (`occurrence_details.type`, as parsers of the export read it:
 * https://docs.cyderes.cloud/parser-knowledge-base/citrix_analytics/). Either arrives; the record
 * always has them nested (`OCCURRENCE_DETAILS_PREFIX`, message-routing.ts).
 */
const occurrenceDetails = z.looseObject({
  condition: text.optional(),
  type: text.optional(),
  time_unit: text.optional(),
  happen: integer.optional(),
  time_quantity: integer.optional(),
  repeat: integer.optional(),
  new_entities: text.optional(),
});

const indicatorSummary = z.looseObject({
  ...common,
  indicator_type: text.optional(),
  severity: text.optional(),
  pre_configured: z.union([text, z.boolean()]).optional(),
  indicator_category: text.optional(),
  indicator_category_id: integer.optional(),
  indicator_id: text.optional(),
  indicator_name: text.optional(),
  indicator_uuid: text.optional(),
  data_source: text.optional(),
  data_source_id: integer.optional(),
  risk_probability: real.optional(),
  ui_link: text.optional(),
  occurrence_details: occurrenceDetails.optional(),
});

const indicatorEventDetails = z.looseObject({
  ...common,
  indicator_id: text.optional(),
  indicator_uuid: text.optional(),
  event_id: text.optional(),
  occurrence_event_type: text.optional(),
  product: text.optional(),
  data_source_id: integer.optional(),
  indicator_category_id: integer.optional(),
  client_ip: text.optional(),
  session_user_name: text.optional(),
  city: text.optional(),
  country: text.optional(),
  app_name: text.optional(),
  device_id: text.optional(),
  os_name: text.optional(),
  os_version: text.optional(),
});

const riskScoreChange = z.looseObject({
  ...common,
  alert_type: text.optional(),
  alert_message: text.optional(),
  alert_value: real.optional(),
  cur_riskscore: integer.optional(),
});

const userProfile = z.looseObject({
  ...common,
  client_ip: text.optional(),
  cnt: integer.optional(),
  device: text.optional(),
  session_domain: text.optional(),
  user_samaccountname: text.optional(),
  app: text.optional(),
  cur_riskscore: integer.optional(),
  last_update_timestamp: instant.optional(),
  country: text.optional(),
  city: text.optional(),
});

const dataSourceEvent = z.looseObject({
  ...common,
  user_upn: text.optional(),
  session_key: text.optional(),
  machine_name: text.optional(),
  operation_name: text.optional(),
  account_id: text.optional(),
  event_user_id: text.optional(),
});

/** Each stream: its record schema and which `event_type` values go to it. */
export const EVENT_STREAMS = {
  indicatorSummary: { schema: indicatorSummary, eventTypes: ['indicatorSummary'] },
  indicatorEventDetails: { schema: indicatorEventDetails, eventTypes: ['indicatorEventDetails'] },
  riskScoreChange: { schema: riskScoreChange, eventTypes: ['riskScoreChange'] },
  userProfile: { schema: userProfile, eventTypes: [/^userProfile/] },
  SPA_Events: {
    schema: dataSourceEvent,
    eventTypes: ['datasourceSPAEventDetails', 'datasourceDPSEventDetails'],
  },
  CCC_Events: { schema: dataSourceEvent, eventTypes: ['datasourceCCCEventDetails'] },
  CVAD_Events: { schema: dataSourceEvent, eventTypes: ['datasourceCVADEventDetails'] },
} as const satisfies Record<string, { schema: z.ZodObject; eventTypes: readonly (string | RegExp)[] }>;

export type EventStreamName = keyof typeof EVENT_STREAMS;
export const EVENT_STREAM_NAMES = Object.keys(EVENT_STREAMS) as EventStreamName[];

/** The stream an `event_type` belongs to, or undefined for a type this version does not know. */
export function streamOfEventType(eventType: string): EventStreamName | undefined {
  return EVENT_STREAM_NAMES.find((name) =>
    EVENT_STREAMS[name].eventTypes.some((pattern) =>
      typeof pattern === 'string' ? pattern === eventType : pattern.test(eventType),
    ),
  );
}

/** Fields ctxsiem adds to every record: where it was read, which makes it unique. */
export const DELIVERY_COLUMNS: readonly Column[] = [
  { name: 'record_id', type: 'string' },
  { name: 'kafka_partition', type: 'int' },
  { name: 'kafka_offset', type: 'long' },
];

/** A schema field's column type, for SIEM table definitions (and drift reports). */
export function columnTypeOf(field: z.ZodType): Column['type'] {
  const inner = field instanceof z.ZodOptional ? field.unwrap() : field;
  if (inner instanceof z.ZodString) return inner === instant ? 'datetime' : 'string';
  if (inner instanceof z.ZodNumber) return inner.format === 'safeint' ? 'long' : 'real';
  if (inner instanceof z.ZodBoolean) return 'boolean';
  return 'dynamic';
}

/** A stream's columns: its schema's fields with their types, then the delivery fields. */
export function columnsOf(stream: EventStreamName): Column[] {
  const shape = EVENT_STREAMS[stream].schema.shape as Record<string, z.ZodType>;
  return [
    ...Object.entries(shape).map(([name, field]) => ({ name, type: columnTypeOf(field) })),
    ...DELIVERY_COLUMNS,
  ];
}
