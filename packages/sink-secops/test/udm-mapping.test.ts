/**
 * The UDM mapping and the schema it is checked against: each mapped stream's record becomes the UDM
 * event the mapping table promises, valid against the schema derived from Google's udm.proto; the
 * checker refuses an unknown field, a wrong enum value and a missing event type.
 */
import { describe, expect, it } from 'vitest';
import {
  configLogEventType,
  systemLogEventType,
  UDM_EVENT_TYPES,
  UDM_SCHEMA_SOURCE,
  udmEnumValues,
  udmEventOf,
  udmEventProblems,
  udmPathType,
} from '../src/index.ts';

const TENANT = { citrix_customer_id: 'acme' };

const connection = {
  Id: 7,
  ClientName: 'LT-0042',
  ClientAddress: '192.168.4.20',
  ClientPublicIP: '198.51.100.7',
  ClientVersion: '24.5.0.1',
  ClientPlatform: 'Windows',
  ClientLocationCountry: 'Germany',
  ClientLocationCity: 'Berlin',
  ConnectedViaHostName: 'gw.example.com',
  ConnectedViaIPAddress: '203.0.113.10',
  LaunchedViaHostName: 'sf.example.com',
  LaunchedViaIPAddress: '10.10.0.5',
  IsReconnect: false,
  Protocol: 'HDX',
  SessionKey: 'b2a4c1d8-0000-4000-8000-000000000001',
  LogOnStartDate: '2026-12-07T08:00:00Z',
  CreatedDate: '2026-12-07T07:59:58Z',
  ...TENANT,
};
const session = {
  SessionKey: 'b2a4c1d8-0000-4000-8000-000000000001',
  StartDate: '2026-12-07T08:00:01Z',
  UserName: 'EXAMPLE\\alice',
  FullName: 'Alice Example',
  UserId: 12,
  MachineId: 'f0e1d2c3-0000-4000-8000-000000000009',
  FailureId: null,
  ConnectionState: 3,
  ...TENANT,
};
const failure = {
  Id: 99,
  SessionKey: 'b2a4c1d8-0000-4000-8000-000000000002',
  FailureDate: '2026-12-07T08:05:00Z',
  UserId: 12,
  MachineId: 'f0e1d2c3-0000-4000-8000-000000000009',
  ConnectionFailureEnumValue: 100,
  ...TENANT,
};
const systemLog = {
  recordId: 'r-1',
  utcTimestamp: '2026-12-07T09:00:00.1234567Z',
  eventType: 'platform/administrator/create',
  targetId: '4711',
  targetDisplayName: 'new.admin@example.com',
  targetEmail: 'new.admin@example.com',
  targetType: 'administrator',
  afterChanges: { AccessType: 'Full' },
  actorDisplayName: 'CwcSystem',
  actorType: 'system',
  agentId: 'platform',
  message: { 'en-US': 'Administrator created' },
  ...TENANT,
};
const operation = {
  Id: 'op-1',
  Text: 'Create Delivery Group',
  User: 'EXAMPLE\\bob',
  UserIdentity: 'S-1-5-21-1',
  Source: 'Studio',
  AdminMachineIP: '10.1.2.3',
  StartTime: '2026-12-07T23:10:00Z',
  IsSuccessful: true,
  OperationType: 'ConfigurationChange',
  TargetTypes: ['DesktopGroup'],
  ...TENANT,
};
const risk = {
  event_type: 'riskScoreChange',
  tenant_id: 'acme',
  timestamp: '2026-12-07T10:00:00Z',
  entity_id: 'alice@example.com',
  entity_type: 'user',
  alert_message: 'Risk score increased',
  cur_riskscore: 87,
  ...TENANT,
};

const event = (source: string, stream: string, record: Record<string, unknown>) =>
  // biome-ignore lint/suspicious/noExplicitAny: the tests read the event's nested fields by path; udmEventProblems checks its shape
  udmEventOf({ source, stream }, record, 'digest-1') as Record<string, any>;

describe('UDM schema (derived from googleapis/googleapis backstory/udm.proto)', () => {
  it('names its source and resolves field paths to their types', () => {
    expect(UDM_SCHEMA_SOURCE).toMatchObject({
      repository: 'googleapis/googleapis',
      path: 'backstory/udm.proto',
    });
    expect(UDM_SCHEMA_SOURCE.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(udmPathType('principal.ip')).toBe('string[]');
    expect(udmPathType('udm.target.user.userid')).toBe('string');
    expect(udmPathType('principal.ip_geo_artifact.location.country_or_region')).toBe('string');
    expect(udmPathType('additional.fields["ClientISP"]')).toBe('struct');
    expect(udmPathType('metadata.event_timestamp.seconds')).toBe('int64');
    expect(udmPathType('metadata.event_timestamp.minutes')).toBeUndefined();
    expect(udmPathType('principal.ipaddress')).toBeUndefined();
    expect(udmPathType('target.user.user_id')).toBeUndefined();
    expect(udmEnumValues('security_result.action')).toContain('BLOCK');
    expect(udmEnumValues('principal.platform')).toEqual(expect.arrayContaining(['WINDOWS', 'MAC', 'IOS']));
    expect(UDM_EVENT_TYPES.has('USER_LOGIN')).toBe(true);
    expect(UDM_EVENT_TYPES.has('USER_LOGON')).toBe(false);
  });

  it('refuses an unknown field, a wrong enum value, a wrong type and a missing event type', () => {
    const valid = { metadata: { event_type: 'USER_LOGIN', event_timestamp: '2026-12-07T08:00:00Z' } };
    expect(udmEventProblems(valid)).toEqual([]);
    expect(udmEventProblems({ ...valid, principal: { ipaddress: ['1.2.3.4'] } })).toEqual([
      'principal.ipaddress: no such UDM field (Noun has no ipaddress)',
    ]);
    expect(udmEventProblems({ ...valid, principal: { platform: 'WINDOWS_10' } })[0]).toMatch(
      /principal.platform: "WINDOWS_10" is not a Noun.Platform value/,
    );
    expect(udmEventProblems({ ...valid, security_result: [{ action: ['DENY'] }] })[0]).toMatch(
      /security_result\[0\].action\[0\]: "DENY" is not a SecurityResult.Action value/,
    );
    expect(udmEventProblems({ ...valid, principal: { ip: '1.2.3.4' } })).toEqual([
      'principal.ip: must be a list',
    ]);
    expect(
      udmEventProblems({ metadata: { event_type: 'USER_LOGON', event_timestamp: 'yesterday' } }),
    ).toEqual([
      'metadata.event_type: "USER_LOGON" is not a Metadata.EventType value',
      'metadata.event_timestamp: "yesterday" is not a timestamp',
    ]);
    expect(udmEventProblems({ metadata: {} })).toEqual([
      'metadata.event_type: required',
      'metadata.event_timestamp: required',
    ]);
    // JSON names are accepted as the proto3 JSON mapping says.
    expect(
      udmEventProblems({ metadata: { eventType: 'USER_LOGIN', eventTimestamp: '2026-12-07T08:00:00Z' } }),
    ).toEqual([]);
  });
});

describe('UDM mapping', () => {
  it('Monitor Connections → USER_LOGIN with the client in principal and the session key', () => {
    const udm = event('monitor', 'Connections', connection);
    expect(udmEventProblems(udm)).toEqual([]);
    expect(udm.metadata).toEqual({
      event_type: 'USER_LOGIN',
      event_timestamp: '2026-12-07T08:00:00.000Z',
      vendor_name: 'Citrix',
      product_name: 'Citrix Monitor',
      product_event_type: 'Connections',
      product_log_id: 'digest-1',
    });
    expect(udm.principal).toMatchObject({
      hostname: 'LT-0042',
      ip: ['192.168.4.20', '198.51.100.7'],
      platform: 'WINDOWS',
      location: { country_or_region: 'Germany', city: 'Berlin' },
      asset: { software: [{ name: 'Citrix Workspace app', version: '24.5.0.1' }] },
    });
    expect(udm.network).toEqual({ session_id: connection.SessionKey });
    expect(udm.security_result).toEqual([{ action: ['ALLOW'] }]);
    expect(udm.intermediary[0]).toEqual({ hostname: 'gw.example.com', ip: ['203.0.113.10'] });
    expect(udm.additional).toMatchObject({
      citrix_customer_id: 'acme',
      ClientPlatform: 'Windows',
      Protocol: 'HDX',
    });
  });

  it('Monitor Sessions → USER_LOGIN with the user and machine in target', () => {
    const udm = event('monitor', 'Sessions', session);
    expect(udmEventProblems(udm)).toEqual([]);
    expect(udm.target).toEqual({
      user: { userid: 'EXAMPLE\\alice', user_display_name: 'Alice Example', product_object_id: '12' },
      asset: { product_object_id: session.MachineId },
    });
    expect(udm.security_result).toEqual([{ action: ['ALLOW'] }]);
    expect(event('monitor', 'Sessions', { ...session, FailureId: 5 }).security_result[0].action).toEqual([
      'BLOCK',
    ]);
  });

  it('Monitor ConnectionFailureLogs → USER_LOGIN BLOCK with the failure category', () => {
    const udm = event('monitor', 'ConnectionFailureLogs', failure);
    expect(udmEventProblems(udm)).toEqual([]);
    expect(udm.metadata.event_timestamp).toBe('2026-12-07T08:05:00.000Z');
    expect(udm.security_result).toEqual([
      {
        action: ['BLOCK'],
        summary: 'NoMachineAvailable',
        category_details: ['NoMachineAvailable'],
        description: 'connection failure',
      },
    ]);
    expect(
      event('monitor', 'ConnectionFailureLogs', { ...failure, ConnectionFailureEnumValue: 77 })
        .security_result[0].summary,
    ).toBe('SessionFailureCode 77');
  });

  it('System Log: new administrators, API clients and settings get Google’s event types', () => {
    const udm = event('systemlog', 'records', systemLog);
    expect(udmEventProblems(udm)).toEqual([]);
    expect(udm.metadata).toMatchObject({
      event_type: 'USER_CREATION',
      product_event_type: 'platform/administrator/create',
    });
    expect(udm.target.user).toEqual({
      userid: 'new.admin@example.com',
      product_object_id: '4711',
      email_addresses: ['new.admin@example.com'],
      role_name: 'Full',
    });
    expect(udm.principal.user.userid).toBe('CwcSystem');
    expect(systemLogEventType('platform/clientadministrator/create')).toEqual({
      eventType: 'USER_RESOURCE_CREATION',
      resourceType: 'CREDENTIAL',
    });
    expect(systemLogEventType('delegatedadministration:administrator/create').eventType).toBe(
      'USER_CREATION',
    );
    expect(systemLogEventType('platform/administrator/update').eventType).toBe('USER_CHANGE_PERMISSIONS');
    expect(systemLogEventType('wxp/fas/enable')).toEqual({
      eventType: 'SETTING_MODIFICATION',
      resourceType: 'SETTING',
    });
    for (const type of [
      'platform/clientadministrator/create',
      'wxp/url/update',
      'platform/administrator/delete',
      'x/y/z',
    ])
      expect(
        udmEventProblems(
          event('systemlog', 'records', { ...systemLog, eventType: type, targetType: 'service' }),
        ),
      ).toEqual([]);
  });

  it('DaaS ConfigLog operations: the admin and the admin machine in principal, the target resource', () => {
    const udm = event('daasconfiglog', 'operations', operation);
    expect(udmEventProblems(udm)).toEqual([]);
    expect(udm.metadata.event_type).toBe('USER_RESOURCE_CREATION');
    expect(udm.principal).toEqual({
      user: { userid: 'EXAMPLE\\bob', product_object_id: 'S-1-5-21-1' },
      ip: ['10.1.2.3'],
      application: 'Studio',
    });
    expect(udm.target.resource).toEqual({
      name: 'DesktopGroup',
      type: 'DesktopGroup',
      product_object_id: 'op-1',
    });
    expect(udm.security_result[0]).toEqual({ action: ['ALLOW'], summary: 'Create Delivery Group' });
    expect(
      event('daasconfiglog', 'operations', { ...operation, IsSuccessful: false }).security_result[0].action,
    ).toEqual(['FAIL']);
    expect(
      event('daasconfiglog', 'operations', { ...operation, User: 'sam okafor (sam.okafor@example.com)' })
        .principal.user,
    ).toEqual({
      userid: 'sam.okafor@example.com',
      user_display_name: 'sam okafor',
      email_addresses: ['sam.okafor@example.com'],
      product_object_id: 'S-1-5-21-1',
    });
    expect(configLogEventType('Add Administrator')).toBe('USER_RESOURCE_UPDATE_PERMISSIONS');
    expect(configLogEventType('Remove Machine from Catalog')).toBe('USER_RESOURCE_DELETION');
    expect(configLogEventType('Set Delivery Group properties')).toBe('USER_RESOURCE_UPDATE_CONTENT');
  });

  it('Analytics for Security risk score changes carry the score; other streams have no mapping', () => {
    const udm = event('sentinel', 'riskScoreChange', risk);
    expect(udmEventProblems(udm)).toEqual([]);
    expect(udm.principal.user.userid).toBe('alice@example.com');
    expect(udm.security_result[0].risk_score).toBe(87);
    expect(udmEventOf({ source: 'licensing', stream: 'usage' }, {}, 'x')).toBeUndefined();
    expect(udmEventOf({ source: 'monitor', stream: 'Machines' }, {}, 'x')).toBeUndefined();
  });
});
