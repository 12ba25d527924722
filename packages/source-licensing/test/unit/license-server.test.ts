/**
 * License Server compliance uploads: a valid document becomes one record per feature, sample and trigger;
 * each element group's invalid fixture is refused with the element path and the reason.
 */
import { describe, expect, it } from 'vitest';
import { licenseServerRecords } from '../../src/license-server.ts';

const UPLOAD = `<?xml version="1.0" encoding="utf-8"?>
<LicenseServerCompliance>
  <Metadata>
    <UTCDate>2022-10-10T06:11:14Z</UTCDate><Date>10/10/2022 02:11:14</Date>
    <Product>LicenseServerCompliance</Product><ProductVersion>2.0</ProductVersion>
    <ProductUTCDeployDate>2022-08-16T00:00:00Z</ProductUTCDeployDate>
    <UI>8826d6ac8e1c8e68e471ae90c2bacbe1854f8281a6f5ae40cc7b74114e026abc</UI>
  </Metadata>
  <LicenseServer>
    <GUID>a5ae17c9-8a4a-4318-938f-a8c6da2aa2ef</GUID><HardwareId>E824249098A96BF0</HardwareId>
    <FQDN>CITRIX-12T5MRV4</FQDN><InstallUTC>2016-10-12T00:00:00Z</InstallUTC>
    <ProductVersion>11.16.6.0. build 35000</ProductVersion><SGPClockErrorCode>0</SGPClockErrorCode><SGPMaxDays>15</SGPMaxDays>
  </LicenseServer>
  <Inventory>
    <Feature>
      <ID>XDT_ENT_UD</ID>
      <UDBinFileCreatedUTC>2016-11-09T00:55:56Z</UDBinFileCreatedUTC>
      <UDReportGenerationUTC>2022-10-10T06:00:00Z</UDReportGenerationUTC>
      <UDAdminUsersReleased>3</UDAdminUsersReleased><UDAdminDevicesReleased>1</UDAdminDevicesReleased>
      <SADate id="2022.1231">
        <DateSampleStartUTC>2022-10-09T01:08:13Z</DateSampleStartUTC><DateSampleStopUTC>2022-10-10T00:55:56Z</DateSampleStopUTC>
        <CountUsedMax>6</CountUsedMax><CCUDevices><DevId>C39A925064A3</DevId><DevId>C39A925064A4</DevId></CCUDevices>
      </SADate>
      <Active>1</Active>
      <Licensees>
        <CountTotal>3</CountTotal>
        <Users><User><timeLastLogin>2022-07-12T10:00:00</timeLastLogin><ID>user@domain.com</ID></User><User><ID>other</ID></User></Users>
        <Devices><Device><timeLastLogin>2022-07-12T10:00:00</timeLastLogin><DevId>C39A925064A3</DevId><Name>User1Desktop</Name></Device></Devices>
      </Licensees>
      <CountInstalled>1203</CountInstalled>
      <Pool>
        <Serial>OR10:13</Serial><DateExpiration>12/1/2023</DateExpiration><DateIssued>1-Dec-03</DateIssued>
        <VendorStr><![CDATA[;LT=Retail;GP=2;PSL=10;CL=ENT,ADV,STD,AST;SA=1;ODP=0]]></VendorStr>
        <CountInstalled>100</CountInstalled><CountOverdraft>0</CountOverdraft>
        <UsageSamples>
          <Sample><Timestamp>2022-10-09T12:00:00Z</Timestamp><CountInUse>3</CountInUse><OverDraft>0</OverDraft><Installed>100</Installed></Sample>
          <Sample><Timestamp>2022-10-10T00:00:00Z</Timestamp><CountInUse>5</CountInUse><OverDraft>0</OverDraft><Installed>100</Installed></Sample>
        </UsageSamples>
        <DateStart>31-Dec-2014</DateStart>
      </Pool>
    </Feature>
  </Inventory>
  <StartupCounts><LPE><ID><![CDATA[XDT_PLT_2020.1201]]></ID><Count>2</Count></LPE></StartupCounts>
  <SupplementalGracePeriod>
    <Trigger>
      <ID>XDT_ENT_UD</ID><SADate>2019.1201</SADate><SGPErrorCode>-4</SGPErrorCode><LicCount>100</LicCount>
      <DateTriggerUTC>2022-07-19T14:35:59Z</DateTriggerUTC><DateTriggerLocal>2022-07-19T10:35:59</DateTriggerLocal>
    </Trigger>
  </SupplementalGracePeriod>
</LicenseServerCompliance>`;

const server = { serverGuid: 'a5ae17c9-8a4a-4318-938f-a8c6da2aa2ef', serverFqdn: 'CITRIX-12T5MRV4' };

describe('License Server compliance uploads', () => {
  it('become one record per feature, Software Assurance sample, usage sample, startup count and burst trigger', () => {
    expect(licenseServerRecords(UPLOAD)).toEqual({
      records: [
        {
          kind: 'license-server.feature',
          eventTime: '2022-10-10T06:00:00Z',
          ...server,
          feature: 'XDT_ENT_UD',
          active: true,
          countInstalled: 1203,
          licenseesInUse: 3,
          usersAssigned: 2,
          devicesAssigned: 1,
          usersReleased: 3,
          devicesReleased: 1,
        },
        {
          kind: 'license-server.sa-sample',
          eventTime: '2022-10-10T00:55:56Z',
          ...server,
          feature: 'XDT_ENT_UD',
          saDate: '2022.1231',
          sampleStart: '2022-10-09T01:08:13Z',
          sampleStop: '2022-10-10T00:55:56Z',
          countUsedMax: 6,
          concurrentDevices: 2,
        },
        ...[
          ['2022-10-09T12:00:00Z', 3],
          ['2022-10-10T00:00:00Z', 5],
        ].map(([eventTime, countInUse]) => ({
          kind: 'license-server.usage-sample',
          eventTime,
          ...server,
          feature: 'XDT_ENT_UD',
          serial: 'OR10:13',
          countInUse,
          overdraft: 0,
          installed: 100,
        })),
        {
          kind: 'license-server.startup',
          eventTime: '2022-10-10T06:11:14Z',
          ...server,
          lpe: 'XDT_PLT_2020.1201',
          count: 2,
        },
        {
          kind: 'license-server.burst',
          eventTime: '2022-07-19T14:35:59Z',
          ...server,
          feature: 'XDT_ENT_UD',
          saDate: '2019.1201',
          errorCode: -4,
          licenseCount: 100,
        },
      ],
    });
  });

  /** Each element group's invalid fixture: what is changed, and the path and reason it must give. */
  const INVALID: [string, string, string, RegExp][] = [
    [
      'metadata',
      '<Product>LicenseServerCompliance</Product>',
      '<Product>Other</Product>',
      /^LicenseServerCompliance\/Metadata\/Product: must be LicenseServerCompliance$/,
    ],
    [
      'server',
      '<GUID>a5ae17c9-8a4a-4318-938f-a8c6da2aa2ef</GUID>',
      '<GUID>not-a-guid</GUID>',
      /^LicenseServerCompliance\/LicenseServer\/GUID: must be the server’s GUID$/,
    ],
    [
      'feature',
      '<Active>1</Active>',
      '<Active>yes</Active>',
      /^LicenseServerCompliance\/Inventory\/Feature\/0\/Active: must be 1 \(in the inventory\) or 0/,
    ],
    [
      'SA date sample',
      '<CountUsedMax>6</CountUsedMax>',
      '<CountUsedMax>six</CountUsedMax>',
      /Feature\/0\/SADate\/0\/CountUsedMax: must be a whole number$/,
    ],
    ['licensees', '<CountTotal>3</CountTotal>', '', /Feature\/0\/Licensees\/CountTotal: /],
    [
      'usage sample',
      '<Timestamp>2022-10-09T12:00:00Z</Timestamp>',
      '<Timestamp>09/10/2022</Timestamp>',
      /Pool\/0\/UsageSamples\/Sample\/0\/Timestamp: must be a UTC date-time/,
    ],
    [
      'startup counts',
      '<Count>2</Count>',
      '<Count>-</Count>',
      /^LicenseServerCompliance\/StartupCounts\/LPE\/0\/Count: must be a whole number$/,
    ],
    [
      'burst trigger',
      '<DateTriggerUTC>2022-07-19T14:35:59Z</DateTriggerUTC>',
      '',
      /^LicenseServerCompliance\/SupplementalGracePeriod\/Trigger\/0\/DateTriggerUTC: /,
    ],
  ];
  it.each(INVALID)('refuses an invalid %s, naming the element', (_group, find, replace, reason) => {
    expect(UPLOAD).toContain(find);
    const result = licenseServerRecords(UPLOAD.replace(find, replace));
    expect('error' in result && result.error).toMatch(reason);
  });

  it('refuses what is not XML, or not one upload', () => {
    expect(licenseServerRecords('<a><b></a>')).toEqual({
      error: expect.stringMatching(/^not well-formed XML: /),
    });
    expect(licenseServerRecords('{"not": "xml"}')).toEqual({
      error: expect.stringMatching(/^(not well-formed XML|expected one root element)/),
    });
  });
});
