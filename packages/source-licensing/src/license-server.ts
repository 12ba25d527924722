/**
 * License Server compliance uploads (`Product` LicenseServerCompliance): the XML a License Server sends
 * Citrix daily (Call Home), as documented in "Citrix Licensing Telemetry data elements" — metadata, the
 * server, its inventory of features (user/device releases, Software Assurance date samples, licensees,
 * pools and their usage samples), startup counts, and supplemental grace period (license burst) triggers.
 * Parsed with fast-xml-parser, validated with one zod schema per element group, and turned into one
 * record per feature, sample and trigger.
 *
 * Verified from the documentation: the element names, what each holds and the example values (SADate's
 * `id` attribute, CDATA in VendorStr and LPE). Inferred: the nesting the tables imply — `Metadata`,
 * `LicenseServer`, `Inventory/Feature`, `Feature/SADate`, `Feature/Licensees/{Users/User,Devices/Device}`,
 * `Feature/Pool/UsageSamples/Sample`, `StartupCounts/LPE`, `SupplementalGracePeriod/Trigger` — and the
 * root element's name (any is accepted).
 */
import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import { wholeNumber } from './document-values.ts';

/** Elements that may repeat, as `parent.name`: parsed as arrays even when one is present. */
const REPEATED = [
  'Inventory.Feature',
  'Feature.SADate',
  'Feature.Pool',
  'UsageSamples.Sample',
  'StartupCounts.LPE',
  'SupplementalGracePeriod.Trigger',
  'Users.User',
  'Devices.Device',
  'CCUDevices.DevId',
  'Device.DevId',
];

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (_name, path) => REPEATED.some((suffix) => String(path).endsWith(suffix)),
});

const text = z.string().min(1);
const instant = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, 'must be a UTC date-time (…Z)');
/** An element that may be present but empty (`<Inventory/>` parses as ""): absent, then. */
const element = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());
/** Attributes and text of an element carrying both, or just its text. */
const withText = z
  .union([text, z.looseObject({ '#text': text })])
  .transform((value) => (typeof value === 'string' ? value : value['#text']));

export const MetadataSchema = z.looseObject({
  UTCDate: instant,
  Product: z.literal('LicenseServerCompliance', { message: 'must be LicenseServerCompliance' }),
  ProductVersion: text,
  UI: text.optional(),
});

export const LicenseServerSchema = z.looseObject({
  GUID: z.uuid({ message: 'must be the server’s GUID' }),
  HardwareId: text.optional(),
  FQDN: text,
  ProductVersion: text.optional(),
  SGPClockErrorCode: wholeNumber.optional(),
  SGPMaxDays: wholeNumber.optional(),
});

const SaDateSchema = z.looseObject({
  '@id': text,
  DateSampleStartUTC: instant,
  DateSampleStopUTC: instant,
  CountUsedMax: wholeNumber,
  CCUDevices: element(z.looseObject({ DevId: z.array(text).optional() })),
});
const SampleSchema = z.looseObject({
  Timestamp: instant,
  CountInUse: wholeNumber,
  OverDraft: wholeNumber,
  Installed: wholeNumber,
});
const PoolSchema = z.looseObject({
  Serial: text,
  DateExpiration: text.optional(),
  VendorStr: text.optional(),
  CountInstalled: wholeNumber,
  CountOverdraft: wholeNumber.optional(),
  UsageSamples: element(z.looseObject({ Sample: z.array(SampleSchema).optional() })),
});
const listOf = <T extends z.ZodType>(name: string, schema: T) =>
  element(z.looseObject({ [name]: z.array(schema).optional() }));
export const FeatureSchema = z.looseObject({
  ID: text,
  UDReportGenerationUTC: instant.optional(),
  UDAdminUsersReleased: wholeNumber.optional(),
  UDAdminDevicesReleased: wholeNumber.optional(),
  Active: z.enum(['0', '1'], { message: 'must be 1 (in the inventory) or 0 (historical)' }),
  CountInstalled: wholeNumber,
  SADate: z.array(SaDateSchema).optional(),
  Licensees: z
    .looseObject({
      CountTotal: wholeNumber,
      Users: listOf('User', z.looseObject({ ID: text, timeLastLogin: text.optional() })),
      Devices: listOf(
        'Device',
        z.looseObject({ DevId: z.array(text), Name: text.optional(), timeLastLogin: text.optional() }),
      ),
    })
    .optional(),
  Pool: z.array(PoolSchema).optional(),
});
export const LpeSchema = z.looseObject({ ID: withText, Count: wholeNumber });
export const TriggerSchema = z.looseObject({
  ID: text,
  SADate: text,
  SGPErrorCode: wholeNumber,
  LicCount: wholeNumber,
  DateTriggerUTC: instant,
  DateTriggerLocal: text.optional(),
});

const UploadSchema = z.looseObject({
  Metadata: MetadataSchema,
  LicenseServer: LicenseServerSchema,
  Inventory: listOf('Feature', FeatureSchema),
  StartupCounts: listOf('LPE', LpeSchema),
  SupplementalGracePeriod: listOf('Trigger', TriggerSchema),
});

export type LicenseServerRecord = Record<string, unknown> & { kind: string; eventTime: string };

/** The repeated `key` elements of a list element that may be absent. */
const itemsOf = <T>(list: Record<string, unknown> | undefined, key: string): T[] =>
  (list?.[key] as T[] | undefined) ?? [];

/**
 * The records of one upload, or why it is not one (the element path and the reason). Every record
 * carries the server (`serverGuid`, `serverFqdn`) and its time (`eventTime`).
 */
export function licenseServerRecords(xml: string): { records: LicenseServerRecord[] } | { error: string } {
  let document: Record<string, unknown>;
  try {
    document = parser.parse(xml, true) as Record<string, unknown>;
  } catch (error) {
    return { error: `not well-formed XML: ${(error as Error).message.split('\n')[0]}` };
  }
  const roots = Object.entries(document).filter(([name]) => !name.startsWith('?'));
  if (roots.length !== 1) return { error: 'expected one root element' };
  const [rootName, root] = roots[0]!;
  const parsed = UploadSchema.safeParse(root);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { error: `${[rootName, ...issue.path].join('/')}: ${issue.message}` };
  }
  const upload = parsed.data;
  const server = { serverGuid: upload.LicenseServer.GUID, serverFqdn: upload.LicenseServer.FQDN };
  const generated = upload.Metadata.UTCDate;
  const records: LicenseServerRecord[] = [];
  for (const feature of itemsOf(upload.Inventory, 'Feature') as z.output<typeof FeatureSchema>[]) {
    const users = itemsOf(feature.Licensees?.Users, 'User');
    const devices = itemsOf(feature.Licensees?.Devices, 'Device');
    records.push({
      kind: 'license-server.feature',
      eventTime: feature.UDReportGenerationUTC ?? generated,
      ...server,
      feature: feature.ID,
      active: feature.Active === '1',
      countInstalled: feature.CountInstalled,
      licenseesInUse: feature.Licensees?.CountTotal ?? null,
      usersAssigned: users.length,
      devicesAssigned: devices.length,
      usersReleased: feature.UDAdminUsersReleased ?? null,
      devicesReleased: feature.UDAdminDevicesReleased ?? null,
    });
    for (const sample of feature.SADate ?? [])
      records.push({
        kind: 'license-server.sa-sample',
        eventTime: sample.DateSampleStopUTC,
        ...server,
        feature: feature.ID,
        saDate: sample['@id'],
        sampleStart: sample.DateSampleStartUTC,
        sampleStop: sample.DateSampleStopUTC,
        countUsedMax: sample.CountUsedMax,
        concurrentDevices: itemsOf(sample.CCUDevices, 'DevId').length,
      });
    for (const pool of feature.Pool ?? [])
      for (const sample of itemsOf(pool.UsageSamples, 'Sample') as z.output<typeof SampleSchema>[])
        records.push({
          kind: 'license-server.usage-sample',
          eventTime: sample.Timestamp,
          ...server,
          feature: feature.ID,
          serial: pool.Serial,
          countInUse: sample.CountInUse,
          overdraft: sample.OverDraft,
          installed: sample.Installed,
        });
  }
  for (const lpe of itemsOf(upload.StartupCounts, 'LPE') as z.output<typeof LpeSchema>[])
    records.push({
      kind: 'license-server.startup',
      eventTime: generated,
      ...server,
      lpe: lpe.ID,
      count: lpe.Count,
    });
  for (const trigger of itemsOf(upload.SupplementalGracePeriod, 'Trigger') as z.output<
    typeof TriggerSchema
  >[])
    records.push({
      kind: 'license-server.burst',
      eventTime: trigger.DateTriggerUTC,
      ...server,
      feature: trigger.ID,
      saDate: trigger.SADate,
      errorCode: trigger.SGPErrorCode,
      licenseCount: trigger.LicCount,
    });
  return { records };
}
