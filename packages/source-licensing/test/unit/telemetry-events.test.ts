/**
 * Every element group of the licensing telemetry documentation (CVAD license events, and the four Secure
 * Private Access payloads) has a valid and an invalid fixture: valid → one record with its features
 * decoded, invalid → the reason with the field path.
 */
import { describe, expect, it } from 'vitest';
import { decodeFeatures, telemetryRecord } from '../../src/telemetry-events.ts';

const header = {
  ver: '1.0',
  id: '1fced2a0-52e7-4c48-bf4e-6f2e06136e11',
  st: '2011-08-12T20:17:46.384Z',
  prodVer: '2402',
};

const VALID = {
  'cvad.license': {
    ...header,
    id: 'd4ce7919-5d80-44de-a8fa-102923fe0ead',
    type: 'Cloud.Licensing',
    prod: 'XenDesktop.Broker',
    prodVer: '7.25.0.0',
    user: {
      fullName: 'User-Steven',
      samName: 'CTXLAB\\User-Steven',
      upn: 'User-Steven@ctxlabs.onmicrosoft.com',
    },
    tenant: { id: 'joj1mh0598tj' },
    dvc: { dvcId: 'AE18C4D5', dvcName: 'Steven’s PC' },
    payload: {
      licenseActivityType: 'Connect',
      licenseActivityTimeStamp: '2011-08-12T20:17:46.384Z',
      licenseModel: 'UserDevice',
      productEdition: 'Premium',
      isAnonymousUser: 'False',
      enabledFeatures: 66,
    },
  },
  'spa.admin': {
    ...header,
    type: 'admin',
    prod: 'AccessSecurity.OnPrem',
    user: { fullName: 'Username', upn: 'admin@example.com' },
    payload: {
      actualtemplatecode: '1.0',
      adminLoginType: 'fulladmin',
      clientType: 'AdminConsole',
      tenantName: 'SPASite1',
      enabledFeatures: 1,
    },
  },
  'spa.config': {
    ...header,
    type: 'config',
    prod: 'AccessSecurity.OnPrem',
    payload: { actualtemplatecode: '1.0', appsPublished: [{ name: 'jira', type: 'web', internal: true }] },
  },
  'spa.user': {
    ...header,
    type: 'user',
    prod: 'AccessSecurity.OnPrem',
    dvc: { dvcId: 'AE18C4D5', dvcName: 'User’s PC' },
    payload: {
      actualtemplatecode: '1.5',
      transportProtocolType: 'tcp',
      ngsRecordType: 'websaas',
      platformType: 'Win',
    },
  },
  'spa.PolicyDocument.Download': {
    ...header,
    type: 'PolicyDocument.Download',
    prod: 'AccessSecurity.OnPrem',
    tenant: { id: '' },
    payload: {
      actualtemplatecode: '1.0',
      ngsUsername: 'user@example.com',
      ngsProductName: 'AccessSecurity.OnPrem',
      transportProtocolType: 'tcp',
      ngsRecordType: 'tcpudp',
    },
  },
} as const;

/** An event as the invalid fixtures edit it. */
interface Editable {
  payload: Record<string, unknown>;
  tenant: Record<string, unknown>;
}

/** Each group's invalid fixture: the edit, and the reason it must give. */
const INVALID: Record<keyof typeof VALID, [(event: Editable) => void, RegExp]> = {
  'cvad.license': [
    (e) => (e.payload.licenseActivityTimeStamp = 'yesterday'),
    /^cvad\.license: payload\.licenseActivityTimeStamp: must be an ISO 8601 date-time$/,
  ],
  'spa.admin': [(e) => (e.payload.adminLoginType = 'root'), /^spa\.admin: payload\.adminLoginType: /],
  'spa.config': [(e) => (e.payload.appsPublished = 'jira'), /^spa\.config: payload\.appsPublished: /],
  'spa.user': [
    (e) => (e.payload.actualtemplatecode = '1.0'),
    /^spa\.user: payload\.actualtemplatecode: actualtemplatecode must be "1\.5"$/,
  ],
  'spa.PolicyDocument.Download': [
    (e) => (e.tenant.id = 'acme'),
    /^spa\.PolicyDocument\.Download: tenant\.id: must be empty/,
  ],
};

describe('licensing telemetry events', () => {
  it.each(Object.keys(VALID) as (keyof typeof VALID)[])('%s: a valid event is one record', (kind) => {
    const result = telemetryRecord(structuredClone(VALID[kind]));
    expect(result).toMatchObject({ record: { kind, eventId: VALID[kind].id, eventTime: VALID[kind].st } });
  });

  it.each(Object.keys(INVALID) as (keyof typeof VALID)[])(
    '%s: an invalid event says which field and why',
    (kind) => {
      const event: Editable = structuredClone({ tenant: {}, ...VALID[kind] });
      const [edit, reason] = INVALID[kind];
      edit(event);
      const result = telemetryRecord(event);
      expect('error' in result && result.error).toMatch(reason);
    },
  );

  it('decodes enabledFeatures into the documented names', () => {
    expect(decodeFeatures(66)).toEqual(['AppProtectionScreenCaptureRequired', 'SessionRecording']);
    expect(decodeFeatures(0)).toEqual([]);
    expect(decodeFeatures(255)).toEqual([
      'AppProtectionKeyLoggingRequired',
      'AppProtectionScreenCaptureRequired',
      'AnonymousUser',
      'Windows365',
      'bit4',
      'SaaS',
      'SessionRecording',
      'WEM',
    ]);
    const cvad = telemetryRecord(structuredClone(VALID['cvad.license']));
    expect(cvad).toMatchObject({
      record: {
        enabledFeatureNames: ['AppProtectionScreenCaptureRequired', 'SessionRecording'],
        payload: { isAnonymousUser: false, enabledFeatures: 66 },
      },
    });
  });

  it('refuses what is not an event of a documented kind, saying what it is', () => {
    expect(telemetryRecord([1, 2])).toEqual({ error: 'an event must be a JSON object' });
    expect(telemetryRecord({ ...header, prod: 'Other.Product', type: 'x' })).toEqual({
      error: 'unknown event: prod "Other.Product", type "x"',
    });
    expect(telemetryRecord({ ...header, prod: 'AccessSecurity.OnPrem', type: 'audit' })).toEqual({
      error: 'unknown event: prod "AccessSecurity.OnPrem", type "audit"',
    });
  });
});
