/**
 * Licensing telemetry events as Citrix documents them (docs.citrix.com, "Citrix Licensing Telemetry data
 * elements": Citrix Virtual Apps and Desktops data elements and Citrix Secure Private Access data
 * elements): a header (`ver`, `id`, `type`, `st`, `prod`, `prodVer`, `user`, `tenant`, `dvc`) and a
 * payload. One zod schema per documented element group validates an event; a valid event becomes one
 * record, its `enabledFeatures` bit flags decoded into their names.
 *
 * Verified from the documentation: every field name and the example values below, the
 * `enabledFeatures` numbers (1, 2, 4, 8, 32, 64, 128), the SPA payload templates (admin 1.0, config 1.0,
 * user 1.5, `PolicyDocument.Download` 1.0). Inferred: that an event document holds the header fields at
 * its top level with the payload under `payload` (the tables list them apart, without a wire layout), and
 * the value types where the examples show text ("False", "66").
 */
import { z } from 'zod';
import { booleanFlag, wholeNumber } from './document-values.ts';

/** `enabledFeatures` bits of a CVAD session (the documentation's table). */
export const CVAD_FEATURE_FLAGS: Readonly<Record<string, number>> = {
  AppProtectionKeyLoggingRequired: 1,
  AppProtectionScreenCaptureRequired: 2,
  AnonymousUser: 4,
  Windows365: 8,
  SaaS: 32,
  SessionRecording: 64,
  WEM: 128,
};

/** The names of the bits set in `value`; bits the table does not name are reported as `bit<N>`. */
export function decodeFeatures(
  value: number,
  flags: Readonly<Record<string, number>> = CVAD_FEATURE_FLAGS,
): string[] {
  const names: string[] = [];
  for (let bit = 1; bit <= value && bit > 0; bit *= 2) {
    if ((value & bit) === 0) continue;
    const name = Object.entries(flags).find(([, flag]) => flag === bit)?.[0];
    names.push(name ?? `bit${Math.log2(bit)}`);
  }
  return names;
}

const instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' });

const UserSchema = z.looseObject({
  fullName: z.string().optional(),
  samName: z.string().optional(),
  upn: z.string().optional(),
  userLicenseId: z.string().optional(),
  userSid: z.string().optional(),
});
const DeviceSchema = z.looseObject({ dvcId: z.string().optional(), dvcName: z.string().optional() });

/** The header every event carries. */
const HeaderSchema = z.looseObject({
  ver: z.string().min(1),
  id: z.string().min(1),
  type: z.string().min(1),
  st: instant,
  prod: z.string().min(1),
  prodVer: z.string().min(1),
});

/** A CVAD license usage event (`prod` XenDesktop.Broker in the cloud, OnPrem.Broker on premises). */
export const CvadLicenseEventSchema = HeaderSchema.extend({
  user: UserSchema.optional(),
  tenant: z.looseObject({ id: z.string() }),
  dvc: DeviceSchema.optional(),
  payload: z.looseObject({
    licenseActivityType: z.string().min(1),
    licenseActivityTimeStamp: instant,
    licenseModel: z.string().optional(),
    productEdition: z.string().optional(),
    productId: z.string().optional(),
    isAnonymousUser: booleanFlag.optional(),
    appProtectionKeyLoggingRequired: booleanFlag.optional(),
    appProtectionScreenCaptureRequired: booleanFlag.optional(),
    isWindows365: booleanFlag.optional(),
    enabledFeatures: wholeNumber.optional(),
    sessionKey: z.string().optional(),
    heartBeatTime: wholeNumber.optional(),
  }),
});

const spaHeader = (type: z.ZodType<string>) =>
  HeaderSchema.extend({ type, prod: z.literal('AccessSecurity.OnPrem') });
const template = (version: string) =>
  z.literal(version, { message: `actualtemplatecode must be "${version}"` });

/** Secure Private Access events, one schema per documented payload. */
export const SpaAdminEventSchema = spaHeader(z.literal('admin')).extend({
  user: UserSchema.optional(),
  payload: z.looseObject({
    actualtemplatecode: template('1.0'),
    adminLoginType: z.enum(['fulladmin', 'readonly', 'helpdesk']),
    clientType: z.string().min(1),
    tenantName: z.string().optional(),
    enabledFeatures: wholeNumber.optional(),
  }),
});
export const SpaConfigEventSchema = spaHeader(z.literal('config')).extend({
  payload: z.looseObject({
    actualtemplatecode: template('1.0'),
    appsPublished: z.array(z.looseObject({ name: z.string(), type: z.string(), internal: z.boolean() })),
  }),
});
export const SpaUserEventSchema = spaHeader(z.literal('user')).extend({
  user: UserSchema.optional(),
  dvc: DeviceSchema.optional(),
  payload: z.looseObject({
    actualtemplatecode: template('1.5'),
    transportProtocolType: z.string().min(1),
    ngsRecordType: z.enum(['websaas', 'tcpudp']),
    tenantName: z.string().optional(),
    platformType: z.string().optional(),
    enabledFeatures: wholeNumber.optional(),
  }),
});
export const SpaPolicyDownloadEventSchema = spaHeader(z.literal('PolicyDocument.Download')).extend({
  tenant: z.looseObject({
    id: z.literal('', { message: 'must be empty: the plug-in does not track the customer' }),
  }),
  payload: z.looseObject({
    actualtemplatecode: template('1.0'),
    ngsUsername: z.string().min(1),
    ngsProductName: z.literal('AccessSecurity.OnPrem'),
    transportProtocolType: z.string().min(1),
    ngsRecordType: z.enum(['websaas', 'tcpudp']),
  }),
});

/** The schema of an event, by its header: `prod` and `type` say which element group it is. */
export function eventSchemaOf(event: {
  prod?: unknown;
  type?: unknown;
}): { kind: string; schema: z.ZodType } | undefined {
  if (event.prod === 'AccessSecurity.OnPrem') {
    const schema = {
      admin: SpaAdminEventSchema,
      config: SpaConfigEventSchema,
      user: SpaUserEventSchema,
      'PolicyDocument.Download': SpaPolicyDownloadEventSchema,
    }[String(event.type)];
    return schema ? { kind: `spa.${String(event.type)}`, schema } : undefined;
  }
  if (typeof event.prod === 'string' && /\.Broker$/.test(event.prod))
    return { kind: 'cvad.license', schema: CvadLicenseEventSchema };
  return undefined;
}

export type TelemetryRecord = Record<string, unknown> & { kind: string; eventId: string; eventTime: string };

/** An event as a record, or why it is not one (the field path and the schema's reason). */
export function telemetryRecord(event: unknown): { record: TelemetryRecord } | { error: string } {
  if (typeof event !== 'object' || event === null || Array.isArray(event))
    return { error: 'an event must be a JSON object' };
  const header = event as { prod?: unknown; type?: unknown };
  const found = eventSchemaOf(header);
  if (!found)
    return {
      error: `unknown event: prod ${JSON.stringify(header.prod)}, type ${JSON.stringify(header.type)}`,
    };
  const parsed = found.schema.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { error: `${found.kind}: ${issue.path.join('.') || '(event)'}: ${issue.message}` };
  }
  const value = parsed.data as Record<string, unknown> & {
    id: string;
    st: string;
    payload?: { enabledFeatures?: number };
  };
  const features = value.payload?.enabledFeatures;
  return {
    record: {
      kind: found.kind,
      eventId: value.id,
      eventTime: value.st,
      ...value,
      ...(features === undefined ? {} : { enabledFeatureNames: decodeFeatures(features) }),
    },
  };
}
