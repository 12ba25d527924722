/**
 * Record schemas derived from `$metadata` (EDM types → zod): every record the emulator serves passes its
 * set's schema, a wrong one is refused naming each bad field, and the parser reads both the cloud's
 * EDMX 4.0 and the one public capture of the real service's document (an on-premises OData v1 fragment).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  columnType,
  monitorModel,
  parseEntityTypes,
  parseMetadata,
  servedModel,
} from '../src/odata-model.ts';
import { edmZodType, entityRecordSchema } from '../src/record-schema.ts';
import { type MonitorHarness, monitorHarness, NOW } from './harness.ts';

const fixture = (name: string) => readFile(join(import.meta.dirname, 'fixtures', name), 'utf8');

let harness: MonitorHarness | undefined;
afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

describe('EDM types as zod types', () => {
  const accepts = (edmType: string, value: unknown) => edmZodType(edmType).safeParse(value).success;

  it('checks each primitive type the Monitor model uses', () => {
    expect(accepts('Edm.Guid', '5a3f0b9e-1c2d-4e5f-8a9b-0c1d2e3f4a5b')).toBe(true);
    expect(accepts('Edm.Guid', 'not-a-guid')).toBe(false);
    expect(accepts('Edm.Int32', 2_147_483_647)).toBe(true);
    expect(accepts('Edm.Int32', 2_147_483_648)).toBe(false);
    expect(accepts('Edm.Int32', 1.5)).toBe(false);
    expect(accepts('Edm.Int16', 40_000)).toBe(false);
    expect(accepts('Edm.Int64', 49_904_300_000_002)).toBe(true);
    expect(accepts('Edm.Double', 0.99)).toBe(true);
    expect(accepts('Edm.Double', '0.99')).toBe(false);
    expect(accepts('Edm.Boolean', false)).toBe(true);
    expect(accepts('Edm.Boolean', 'false')).toBe(false);
    expect(accepts('Edm.String', 'HDX')).toBe(true);
    expect(accepts('Edm.String', 7)).toBe(false);
  });

  it('reads instants as the service writes them, with Z or an offset and any fraction', () => {
    expect(accepts('Edm.DateTimeOffset', '2024-08-06T07:00:00Z')).toBe(true);
    expect(accepts('Edm.DateTimeOffset', '2024-08-06T07:00:00.1234567Z')).toBe(true);
    expect(accepts('Edm.DateTimeOffset', '2024-08-06T09:00:00+02:00')).toBe(true);
    expect(accepts('Edm.DateTimeOffset', '2024-08-06')).toBe(false);
    expect(accepts('Edm.DateTimeOffset', 1722927600000)).toBe(false);
    // OData v3's Edm.DateTime has no offset.
    expect(accepts('Edm.DateTime', '2024-08-06T07:00:00')).toBe(true);
  });

  it('types collections element by element, and lets an unknown type through', () => {
    expect(accepts('Collection(Edm.String)', ['a', 'b'])).toBe(true);
    expect(accepts('Collection(Edm.String)', ['a', 1])).toBe(false);
    expect(accepts('Citrix.Monitor.Model.SomeEnum', { any: 'thing' })).toBe(true);
  });
});

describe('record schemas of the Monitor model', () => {
  it('accepts every record the service serves, in every set it publishes', async () => {
    harness = await monitorHarness();
    const data = harness.emulator.data;
    const range = { from: new Date(NOW.getTime() - 6 * 3_600_000), to: NOW };
    let checked = 0;
    for (const [name, set] of monitorModel()) {
      const schema = entityRecordSchema(set, [...set.keys]);
      for (const record of data.monitor(name, range)) {
        const result = schema.safeParse(record);
        expect(result.success ? (result.drift ?? []) : result.error.message, name).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1_000);
  });

  it('delivers a record whose other fields differ from the model, naming each as drift', () => {
    const connections = monitorModel().get('Connections')!;
    const schema = entityRecordSchema(connections, ['Id', 'ModifiedDate']);
    const valid = {
      Id: 4990430000000,
      IsReconnect: false,
      SessionKey: '5a3f0b9e-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
      CreatedDate: '2024-08-06T07:00:00Z',
      ModifiedDate: '2024-08-06T07:05:00.5Z',
    };
    expect(schema.safeParse(valid)).toEqual({ success: true });
    const drifted = schema.safeParse({
      ...valid,
      IsReconnect: 'no',
      BrokeringDuration: 1.5,
      AddedLater: 'kept',
    });
    expect(drifted).toEqual({
      success: true,
      drift: [
        { field: 'IsReconnect', expected: 'Edm.Boolean', found: 'a string' },
        { field: 'BrokeringDuration', expected: 'Edm.Int64', found: 'a number' },
        { field: 'AddedLater', expected: 'undeclared', found: 'a string' },
      ],
    });
  });

  it('gives every record the same verdict whatever the records checked before it', () => {
    const connections = monitorModel().get('Connections')!;
    const schema = entityRecordSchema(connections, ['Id', 'ModifiedDate']);
    const at = '2024-08-06T07:05:00.5Z';
    // The same instant in several fields and records is checked as the first (remembered once valid);
    // a value refused once is refused every time, never remembered.
    expect(schema.safeParse({ Id: 1, CreatedDate: at, ModifiedDate: at })).toEqual({ success: true });
    for (let i = 0; i < 3; i++)
      expect(schema.safeParse({ Id: 2, CreatedDate: 'yesterday', ModifiedDate: at })).toEqual({
        success: true,
        drift: [{ field: 'CreatedDate', expected: 'Edm.DateTimeOffset', found: 'a string' }],
      });
    const refused = schema.safeParse({ Id: 3, CreatedDate: at, ModifiedDate: 'yesterday' });
    expect(refused.success ? '' : refused.error.message).toContain('ModifiedDate: ');
    expect(schema.safeParse([at])).toMatchObject({ success: false });
    expect(schema.safeParse({ Id: 4, ModifiedDate: at, SessionKey: 'not-a-guid' })).toEqual({
      success: true,
      drift: [{ field: 'SessionKey', expected: 'Edm.Guid', found: 'a string' }],
    });
  });

  it('dead-letters only a record without its key or with no instant for its cursor, naming them', () => {
    const connections = monitorModel().get('Connections')!;
    const schema = entityRecordSchema(connections, ['Id', 'ModifiedDate']);
    // CreatedDate is required by Citrix's model, but only the key and the cursor place a record.
    expect(schema.safeParse({ Id: 1, ModifiedDate: '2024-08-06T07:00:00Z', CreatedDate: null }).success).toBe(
      true,
    );
    // A key of another type than the model's still identifies the record: drift, not a dead letter.
    expect(schema.safeParse({ Id: 'x', ModifiedDate: '2024-08-06T07:00:00Z' })).toMatchObject({
      success: true,
      drift: [{ field: 'Id', expected: 'Edm.Int64', found: 'a string' }],
    });
    const noKey = schema.safeParse({ ModifiedDate: '2024-08-06T07:00:00Z' });
    expect(noKey.success ? '' : noKey.error.message).toBe(
      'Connections record: Id: missing: a key must hold a value',
    );
    const noCursor = schema.safeParse({ Id: 1, ModifiedDate: null });
    expect(noCursor.success ? '' : noCursor.error.message).toContain('ModifiedDate: ');
    const notAnInstant = schema.safeParse({ Id: 1, ModifiedDate: 'yesterday' });
    expect(notAnInstant.success ? '' : notAnInstant.error.message).toContain('ModifiedDate: ');
  });

  it('accepts rows shaped as Citrix documents them, which the old model dead-lettered (issue 25)', () => {
    const application = {
      Id: '0f8c6a1e-2b3d-4c5e-8f90-a1b2c3d4e5f6',
      Name: 'Applications\\Teams',
      PublishedName: 'Teams',
      ApplicationType: 0,
      Enabled: true,
      AdminFolder: null,
      LifecycleState: 0,
      Path: null,
      BrowserName: 'Teams',
      CreatedDate: '2024-08-01T00:00:00Z',
      ModifiedDate: '2024-08-06T07:00:00Z',
    };
    const applications = entityRecordSchema(monitorModel().get('Applications')!, ['Id', 'ModifiedDate']);
    expect(applications.safeParse(application)).toEqual({ success: true });
    const metric = {
      MachineId: '5a3f0b9e-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
      CollectedDate: '2024-08-06T07:00:00Z',
      Iops: 12,
      Latency: 1.5,
    };
    const metrics = entityRecordSchema(monitorModel().get('MachineMetric')!, [
      'MachineId',
      'CollectedDate',
      'CollectedDate',
    ]);
    expect(metrics.safeParse(metric)).toEqual({ success: true });
    const missing = metrics.safeParse({ ...metric, MachineId: null });
    expect(missing.success ? '' : missing.error.message).toContain('MachineId: missing');
  });
});

describe('$metadata documents of the real service', () => {
  it('reads the on-premises OData v1 capture (EDMX 1.0): its type, key and property types', async () => {
    const xml = await fixture('onprem-v1-metadata-fragment.xml');
    const type = parseEntityTypes(xml).get('ApplicationInstanceSummary');
    expect(type?.keys).toEqual(['Id']);
    expect(type?.properties.map((p) => `${p.name}:${p.type}:${p.nullable ? 'null' : 'notnull'}`)).toEqual([
      'Id:Edm.Int64:notnull',
      'SummaryDate:Edm.DateTime:notnull',
      'ApplicationId:Edm.Guid:notnull',
      'DesktopGroupId:Edm.Guid:notnull',
      'PeakConcurrentInstanceCount:Edm.Int32:notnull',
      'TotalUsageDuration:Edm.Double:notnull',
      'TotalLaunchesCount:Edm.Int32:notnull',
      'StartingInstanceCount:Edm.Int32:notnull',
      'Granularity:Edm.Int32:notnull',
      'CreatedDate:Edm.DateTime:notnull',
      'ModifiedDate:Edm.DateTime:notnull',
    ]);
    expect(columnType('Edm.DateTime')).toBe('datetime');
    // The fragment ends before its entity container: no set is published by it.
    expect(parseMetadata(xml).size).toBe(0);
  });

  it('parses a service’s $metadata once for every tenant that serves the same document', async () => {
    const xml = await fixture('cloud-v4-metadata-inferred.xml');
    const first = servedModel(xml);
    // Another tenant's answer: equal text, another string.
    expect(servedModel(Buffer.from(xml).toString())).toBe(first);
    expect([...first.keys()]).toEqual([...parseMetadata(xml).keys()]);
    // Another service version's document is parsed on its own.
    const other = xml.replaceAll('"ApplicationActivitySummaries"', '"ApplicationActivitySummariesV2"');
    expect(servedModel(other)).not.toBe(first);
    expect(servedModel(other).has('ApplicationActivitySummariesV2')).toBe(true);
  });

  it('maps a cloud set to its differently named type, with its record schema (inferred v4 rendering)', async () => {
    const sets = parseMetadata(await fixture('cloud-v4-metadata-inferred.xml'));
    const set = sets.get('ApplicationActivitySummaries');
    expect(set).toMatchObject({ typeName: 'ApplicationInstanceSummary', keys: ['Id'] });
    const schema = entityRecordSchema(set!, ['Id', 'SummaryDate']);
    const row = {
      Id: 1,
      SummaryDate: '2024-08-06T07:00:00Z',
      ApplicationId: null,
      DesktopGroupId: '5a3f0b9e-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
      PeakConcurrentInstanceCount: 3,
      TotalUsageDuration: 5_400_000.5,
      TotalLaunchesCount: 4,
      StartingInstanceCount: 1,
      Granularity: 60,
      CreatedDate: '2024-08-06T08:05:00Z',
      ModifiedDate: '2024-08-06T08:05:00Z',
    };
    expect(schema.safeParse(row)).toEqual({ success: true });
    expect(schema.safeParse({ ...row, Granularity: 'hour' })).toEqual({
      success: true,
      drift: [{ field: 'Granularity', expected: 'Edm.Int32', found: 'a string' }],
    });
  });
});
