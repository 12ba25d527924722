/**
 * Citrix Analytics for Security's risk intelligence, as its Kafka export sends it: one JSON event per
 * message, deterministic from a seed. The mix follows what the export sends most: indicator event
 * details (up to 1000 per indicator occurrence), indicator summaries, user profile events (the risk
 * score every 12 hours among them), risk score changes, and the optional data-source events. Field names
 * follow Citrix's data collection rule for these events.
 */
import { rngFor } from './random.ts';
import {
  APPLICATIONS,
  CITIES,
  CLIENT_PLATFORMS,
  DNS_SUFFIX,
  FIRST_NAMES,
  LAST_NAMES,
} from './reference-names.ts';

export interface RiskEventOptions {
  seed: number;
  /** The tenant id the events carry (the Citrix customer id). */
  tenant: string;
  count: number;
  /** Time of the first event; each next one comes `spacingMs` later. */
  start: Date;
  spacingMs?: number;
}

/** Risk indicators Analytics for Security ships (a selection), with their category and data source. */
const INDICATORS = [
  {
    name: 'Impossible travel',
    category: 'Compromised users',
    categoryId: 1,
    source: 'Citrix Gateway',
    sourceId: 3,
  },
  {
    name: 'Excessive authentication failures',
    category: 'Compromised users',
    categoryId: 1,
    source: 'Citrix Gateway',
    sourceId: 3,
  },
  {
    name: 'Unusual logon time',
    category: 'Insider threats',
    categoryId: 2,
    source: 'Apps and Desktops',
    sourceId: 1,
  },
  {
    name: 'Excessive file downloads',
    category: 'Data exfiltration',
    categoryId: 3,
    source: 'Secure Private Access',
    sourceId: 7,
  },
  {
    name: 'Logon from suspicious IP',
    category: 'Compromised endpoints',
    categoryId: 4,
    source: 'Apps and Desktops',
    sourceId: 1,
  },
  {
    name: 'Potential data exfiltration',
    category: 'Data exfiltration',
    categoryId: 3,
    source: 'Apps and Desktops',
    sourceId: 1,
  },
] as const;

const SEVERITIES = ['low', 'medium', 'high'] as const;
const USER_PROFILE_TYPES = [
  'userProfileRiskscore',
  'userProfileLocation',
  'userProfileApp',
  'userProfileDevice',
] as const;
const DATA_SOURCE_TYPES = [
  'datasourceCVADEventDetails',
  'datasourceSPAEventDetails',
  'datasourceCCCEventDetails',
] as const;

/** Which kind of event the i-th one is: details most often, as the export sends them. */
const MIX = [
  ...Array<string>(5).fill('indicatorEventDetails'),
  ...Array<string>(2).fill('indicatorSummary'),
  ...Array<string>(2).fill('userProfile'),
  'riskScoreChange',
  'dataSource',
] as const;

function userOf(rng: ReturnType<typeof rngFor>) {
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  const sam = `${first[0]}${last}`.toLowerCase();
  return { sam, upn: `${sam}@${DNS_SUFFIX}` };
}

const ipOf = (rng: ReturnType<typeof rngFor>) =>
  `${rng.pick([10, 172, 192, 203])}.${rng.int(0, 256)}.${rng.int(0, 256)}.${rng.int(1, 255)}`;

/** The i-th event of the sequence a seed makes. */
export function riskEvent(options: RiskEventOptions, index: number): Record<string, unknown> {
  const rng = rngFor(options.seed, 'risk-event', index);
  const time = new Date(options.start.getTime() + index * (options.spacingMs ?? 1_000));
  const user = userOf(rng);
  const place = rng.pick(CITIES);
  const indicator = rng.pick(INDICATORS);
  const indicatorUuid = rngFor(options.seed, 'indicator', user.sam, indicator.name).guid();
  const common = {
    tenant_id: options.tenant,
    entity_id: user.upn,
    entity_type: 'user',
    timestamp: time.toISOString(),
    version: 2,
  };
  switch (rng.pick(MIX)) {
    case 'indicatorEventDetails':
      return {
        ...common,
        event_type: 'indicatorEventDetails',
        indicator_id: `${indicator.sourceId}:${indicator.categoryId}`,
        indicator_uuid: indicatorUuid,
        event_id: rng.guid(),
        occurrence_event_type: rng.pick(['Session.Logon', 'Gateway.Auth', 'File.Download', 'App.Launch']),
        product: indicator.source,
        data_source_id: indicator.sourceId,
        indicator_category_id: indicator.categoryId,
        client_ip: ipOf(rng),
        session_user_name: user.sam,
        city: place.city,
        country: place.country,
        app_name: rng.pick(APPLICATIONS),
        device_id: `dev-${rng.int(1000, 9999)}`,
        os_name: rng.pick(CLIENT_PLATFORMS),
        os_version: `${rng.int(10, 15)}.${rng.int(0, 9)}`,
      };
    case 'indicatorSummary':
      return {
        ...common,
        event_type: 'indicatorSummary',
        indicator_type: rng.chance(0.8) ? 'builtin' : 'custom',
        severity: rng.pick(SEVERITIES),
        pre_configured: rng.chance(0.8) ? 'true' : 'false',
        indicator_category: indicator.category,
        indicator_category_id: indicator.categoryId,
        indicator_id: `${indicator.sourceId}:${indicator.categoryId}`,
        indicator_name: indicator.name,
        indicator_uuid: indicatorUuid,
        data_source: indicator.source,
        data_source_id: indicator.sourceId,
        risk_probability: Math.round(rng.next() * 1000) / 1000,
        ui_link: `https://analytics.cloud.com/security/users/${encodeURIComponent(user.upn)}/indicators/${indicatorUuid}`,
        occurrence_details: {
          condition: 'count > threshold',
          type: 'count',
          time_unit: 'hour',
          happen: rng.int(1, 20),
          time_quantity: 1,
          repeat: rng.int(0, 4),
          client_ip: ipOf(rng),
          city: place.city,
          country: place.country,
        },
      };
    case 'userProfile': {
      const type = rng.pick(USER_PROFILE_TYPES);
      return {
        ...common,
        event_type: type,
        user_samaccountname: user.sam,
        session_domain: 'CORP',
        cur_riskscore: rng.int(0, 101),
        last_update_timestamp: time.toISOString(),
        ...(type === 'userProfileLocation'
          ? { city: place.city, country: place.country, cnt: rng.int(1, 50) }
          : {}),
        ...(type === 'userProfileApp' ? { app: rng.pick(APPLICATIONS), cnt: rng.int(1, 200) } : {}),
        ...(type === 'userProfileDevice'
          ? { device: `dev-${rng.int(1000, 9999)}`, client_ip: ipOf(rng) }
          : {}),
      };
    }
    case 'riskScoreChange': {
      const score = rng.int(3, 101);
      return {
        ...common,
        event_type: 'riskScoreChange',
        alert_type: 'riskScoreIncrease',
        alert_message: `Risk score of ${user.upn} rose to ${score}`,
        alert_value: Math.round(rng.next() * 5000) / 100,
        cur_riskscore: score,
      };
    }
    default: {
      const type = rng.pick(DATA_SOURCE_TYPES);
      return {
        ...common,
        event_type: type,
        user_upn: user.upn,
        ...(type === 'datasourceCVADEventDetails'
          ? { session_key: rng.guid(), machine_name: `VDA-${rng.int(100, 999)}` }
          : type === 'datasourceCCCEventDetails'
            ? {
                account_id: `acct-${rng.int(1000, 9999)}`,
                operation_name: 'Admin.Login',
                event_user_id: user.sam,
              }
            : { operation_name: rng.pick(['App.Launch', 'File.Download', 'Clipboard.Copy']) }),
      };
    }
  }
}

/** The first `count` events of the seed's sequence. */
export function riskEvents(options: RiskEventOptions): Record<string, unknown>[] {
  return Array.from({ length: options.count }, (_, index) => riskEvent(options, index));
}

/**
 * The event with its `occurrence_details` object flattened into `occurrence_details_<key>` fields, the
 * shape Citrix's Sentinel data collection rule declares (Azure/Azure-Sentinel `Solutions/Citrix Analytics
 * CCF/Data Connectors/CitrixAnalytics_CCF/CitrixAnalytics_DCR.json` @
 * 3b8c131d53fbaa76eb9b287809a080e704fa8d3d: `occurrence_details_condition`, `_type`, `_time_unit`,
 * `_happen`, `_time_quantity`, `_repeat`, `_new_entities`). An event without the object is returned as
 * it is. Which of the two shapes the Kafka export itself sends is not published: INFERRED that either
 * may arrive.
 */
export function flattenOccurrenceDetails(event: Record<string, unknown>): Record<string, unknown> {
  const details = event.occurrence_details;
  if (typeof details !== 'object' || details === null || Array.isArray(details)) return event;
  const { occurrence_details: _nested, ...rest } = event;
  return {
    ...rest,
    ...Object.fromEntries(
      Object.entries(details as Record<string, unknown>).map(([key, value]) => [
        `occurrence_details_${key}`,
        value,
      ]),
    ),
  };
}
