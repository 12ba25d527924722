/**
 * Licensing telemetry documents as a License Server, a CVAD site and a Secure Private Access deployment
 * would leave them for a collector: per UTC day, the License Server's compliance upload (XML), the day's
 * CVAD license events and the day's SPA events (JSON arrays). Deterministic from the seed; with
 * `invalidOneIn`, about one event in that many (and one upload in that many days) is broken in a way
 * the documentation's schemas refuse, and its `problems` entry says where.
 */

import { createRng, hashOf } from './random.ts';
import { DAY_MS, HOUR_MS } from './time.ts';

export interface TelemetryDocument {
  /** A file name, e.g. `license-server-2026-03-14.xml`. */
  name: string;
  content: string;
  /** Events or elements this document holds that a validator must refuse: their index and what is wrong. */
  problems: { index: number; field: string }[];
  /** How many records a valid reading yields (events, or features + samples + triggers + startup counts). */
  records: number;
}

export interface TelemetryOptions {
  seed: number;
  /** The customer the events belong to (`tenant.id`). */
  customerId: string;
  /** The first day (its UTC midnight) and how many days. */
  from: Date;
  days: number;
  /** About one event in this many is invalid (0: none). */
  invalidOneIn?: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoSeconds = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;
const uuid = (seed: number, ...parts: (string | number)[]) => {
  const hex = Array.from({ length: 4 }, (_, i) =>
    hashOf(seed, 'uuid', ...parts, i)
      .toString(16)
      .padStart(8, '0'),
  ).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

const FEATURES = ['XDT_ENT_UD', 'XDT_PLT_CCS'];

function licenseServerUpload(options: TelemetryOptions, day: number, broken: boolean): TelemetryDocument {
  const { seed } = options;
  const random = createRng(hashOf(seed, 'ls-upload', day));
  const generated = day + 6 * HOUR_MS + random.int(0, 3600) * 1000;
  const guid = uuid(seed, 'license-server', options.customerId);
  let records = 0;
  const features = FEATURES.map((id, f) => {
    const installed = 100 * (f + 1);
    const samples = Array.from({ length: 24 }, (_, hour) => {
      const inUse = random.int(0, installed);
      return `<Sample><Timestamp>${isoSeconds(day + hour * HOUR_MS)}</Timestamp><CountInUse>${inUse}</CountInUse><OverDraft>0</OverDraft><Installed>${installed}</Installed></Sample>`;
    });
    records += 1 + 1 + samples.length; // the feature, its SA-date sample, its usage samples
    return `<Feature><ID>${id}</ID><UDReportGenerationUTC>${isoSeconds(generated)}</UDReportGenerationUTC><UDAdminUsersReleased>${random.int(0, 5)}</UDAdminUsersReleased><UDAdminDevicesReleased>${random.int(0, 5)}</UDAdminDevicesReleased><SADate id="2026.1201"><DateSampleStartUTC>${isoSeconds(day - DAY_MS)}</DateSampleStartUTC><DateSampleStopUTC>${isoSeconds(day)}</DateSampleStopUTC><CountUsedMax>${random.int(1, installed)}</CountUsedMax></SADate><Active>1</Active><Licensees><CountTotal>${random.int(0, installed)}</CountTotal></Licensees><CountInstalled>${installed}</CountInstalled><Pool><Serial>OR${f}:${random.int(10, 99)}</Serial><VendorStr><![CDATA[;LT=Retail;GP=2;PSL=10;CL=ENT,ADV,STD,AST;SA=1;ODP=0]]></VendorStr><CountInstalled>${installed}</CountInstalled><CountOverdraft>0</CountOverdraft><UsageSamples>${samples.join('')}</UsageSamples></Pool></Feature>`;
  });
  const burst = random.int(0, 5) === 0;
  records += 1 + (burst ? 1 : 0); // the startup count, the trigger
  const product = broken ? 'LicenseServerAudit' : 'LicenseServerCompliance';
  const content = `<?xml version="1.0" encoding="utf-8"?>
<LicenseServerCompliance><Metadata><UTCDate>${isoSeconds(generated)}</UTCDate><Product>${product}</Product><ProductVersion>2.0</ProductVersion></Metadata><LicenseServer><GUID>${guid}</GUID><FQDN>LS-${options.customerId.toUpperCase()}</FQDN><SGPClockErrorCode>0</SGPClockErrorCode><SGPMaxDays>15</SGPMaxDays></LicenseServer><Inventory>${features.join('')}</Inventory><StartupCounts><LPE><ID><![CDATA[XDT_PLT_2020.1201]]></ID><Count>${random.int(1, 9)}</Count></LPE></StartupCounts><SupplementalGracePeriod>${
    burst
      ? `<Trigger><ID>XDT_ENT_UD</ID><SADate>2026.1201</SADate><SGPErrorCode>-4</SGPErrorCode><LicCount>100</LicCount><DateTriggerUTC>${isoSeconds(generated - HOUR_MS)}</DateTriggerUTC></Trigger>`
      : ''
  }</SupplementalGracePeriod></LicenseServerCompliance>
`;
  return {
    name: `license-server-${iso(day).slice(0, 10)}.xml`,
    content,
    problems: broken ? [{ index: 0, field: 'Metadata/Product' }] : [],
    records: broken ? 0 : records,
  };
}

function cvadEvents(options: TelemetryOptions, day: number): TelemetryDocument {
  const { seed, customerId } = options;
  const random = createRng(hashOf(seed, 'cvad-events', customerId, day));
  const problems: TelemetryDocument['problems'] = [];
  const events = Array.from({ length: random.int(20, 40) }, (_, index) => {
    const at = iso(day + random.int(0, DAY_MS / 1000) * 1000);
    const broken = options.invalidOneIn
      ? hashOf(seed, 'cvad-invalid', day, index) % options.invalidOneIn === 0
      : false;
    if (broken) problems.push({ index, field: 'payload.licenseActivityTimeStamp' });
    return {
      ver: '1.0',
      id: uuid(seed, 'cvad', customerId, day, index),
      type: 'Cloud.Licensing',
      st: at,
      prod: 'XenDesktop.Broker',
      prodVer: '7.25.0.0',
      user: {
        upn: `user${random.int(1, 200)}@${customerId}.example`,
        userSid: `S-1-5-21-${random.int(1000, 9999)}`,
      },
      tenant: { id: customerId },
      dvc: {
        dvcId: hashOf(seed, 'device', index).toString(16).toUpperCase(),
        dvcName: `PC-${random.int(1, 500)}`,
      },
      payload: {
        licenseActivityType: random.int(0, 2) === 0 ? 'Disconnect' : 'Connect',
        licenseActivityTimeStamp: broken ? 'yesterday' : at,
        licenseModel: 'UserDevice',
        productEdition: 'Premium',
        productId: 'CAVDS',
        isAnonymousUser: 'False',
        enabledFeatures: [0, 1, 2, 64, 66, 128][random.int(0, 6)],
        sessionKey: uuid(seed, 'session', day, index),
      },
    };
  });
  return {
    name: `cvad-license-events-${iso(day).slice(0, 10)}.json`,
    content: `${JSON.stringify(events, null, 1)}\n`,
    problems,
    records: events.length - problems.length,
  };
}

function spaEvents(options: TelemetryOptions, day: number): TelemetryDocument {
  const { seed } = options;
  const random = createRng(hashOf(seed, 'spa-events', options.customerId, day));
  const problems: TelemetryDocument['problems'] = [];
  const header = (index: number, type: string) => ({
    ver: '1.0',
    id: uuid(seed, 'spa', day, index),
    type,
    st: iso(day + random.int(0, DAY_MS / 1000) * 1000),
    prod: 'AccessSecurity.OnPrem',
    prodVer: '2402',
  });
  const events = Array.from({ length: random.int(8, 16) }, (_, index) => {
    const broken = options.invalidOneIn
      ? hashOf(seed, 'spa-invalid', day, index) % options.invalidOneIn === 0
      : false;
    switch (index % 4) {
      case 0:
        if (broken) problems.push({ index, field: 'payload.adminLoginType' });
        return {
          ...header(index, 'admin'),
          user: { upn: 'admin@example.com' },
          payload: {
            actualtemplatecode: '1.0',
            adminLoginType: broken ? 'root' : 'fulladmin',
            clientType: 'AdminConsole',
            tenantName: 'SPASite1',
          },
        };
      case 1:
        if (broken) problems.push({ index, field: 'payload.appsPublished' });
        return {
          ...header(index, 'config'),
          payload: {
            actualtemplatecode: '1.0',
            appsPublished: broken ? 'jira' : [{ name: 'jira', type: 'web', internal: true }],
          },
        };
      case 2:
        if (broken) problems.push({ index, field: 'payload.actualtemplatecode' });
        return {
          ...header(index, 'user'),
          dvc: { dvcId: 'AE18C4D5', dvcName: 'PC' },
          payload: {
            actualtemplatecode: broken ? '1.0' : '1.5',
            transportProtocolType: 'tcp',
            ngsRecordType: 'websaas',
            platformType: 'Win',
          },
        };
      default:
        if (broken) problems.push({ index, field: 'tenant.id' });
        return {
          ...header(index, 'PolicyDocument.Download'),
          tenant: { id: broken ? 'acme' : '' },
          payload: {
            actualtemplatecode: '1.0',
            ngsUsername: `user${random.int(1, 99)}@example.com`,
            ngsProductName: 'AccessSecurity.OnPrem',
            transportProtocolType: 'tcp',
            ngsRecordType: 'tcpudp',
          },
        };
    }
  });
  return {
    name: `spa-events-${iso(day).slice(0, 10)}.json`,
    content: `${JSON.stringify(events, null, 1)}\n`,
    problems,
    records: events.length - problems.length,
  };
}

/** The documents of each day in the range: a License Server upload, CVAD events, SPA events. */
export function licensingTelemetry(options: TelemetryOptions): TelemetryDocument[] {
  const first = Math.floor(options.from.getTime() / DAY_MS) * DAY_MS;
  return Array.from({ length: options.days }, (_, i) => first + i * DAY_MS).flatMap((day) => {
    const brokenUpload = options.invalidOneIn
      ? hashOf(options.seed, 'ls-invalid', day) % options.invalidOneIn === 0
      : false;
    return [
      licenseServerUpload(options, day, brokenUpload),
      cvadEvents(options, day),
      spaEvents(options, day),
    ];
  });
}
