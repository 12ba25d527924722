/**
 * Record schemas derived from `$metadata` (EDM types → zod): every record the emulator serves passes its
 * set's schema, a wrong one is refused naming each bad field, and the parser reads both the cloud's
 * EDMX 4.0 and the one public capture of the real service's document (an on-premises OData v1 fragment).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { columnType, monitorModel, parseEntityTypes, parseMetadata } from '../src/odata-model.ts';
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
        expect(result.success ? 'valid' : result.error.message, name).toBe('valid');
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1_000);
  });

  it('refuses a wrong record naming every bad field, and keeps fields the model does not declare', () => {
    const connections = monitorModel().get('Connections')!;
    const schema = entityRecordSchema(connections, ['Id', 'ModifiedDate']);
    const valid = {
      Id: 4990430000000,
      IsReconnect: false,
      SessionKey: '5a3f0b9e-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
      CreatedDate: '2024-08-06T07:00:00Z',
      ModifiedDate: '2024-08-06T07:05:00.5Z',
      AddedByALaterRelease: 'kept',
    };
    expect(schema.safeParse(valid)).toEqual({ success: true });
    const wrong = schema.safeParse({ ...valid, Id: 'x', IsReconnect: 'no', ModifiedDate: null });
    expect(wrong.success).toBe(false);
    const message = wrong.success ? '' : wrong.error.message;
    expect(message).toMatch(/^Connections record: /);
    expect(message).toContain('Id: ');
    expect(message).toContain('IsReconnect: ');
    expect(message).toContain('ModifiedDate: ');
    expect(message).not.toContain('SessionKey');
  });

  it('requires the key and the cursor, and lets any other field be null or absent', () => {
    const connections = monitorModel().get('Connections')!;
    const schema = entityRecordSchema(connections, ['Id', 'ModifiedDate']);
    // CreatedDate is declared Nullable="false": inferred, so not required.
    expect(schema.safeParse({ Id: 1, ModifiedDate: '2024-08-06T07:00:00Z', CreatedDate: null }).success).toBe(
      true,
    );
    const noKey = schema.safeParse({ ModifiedDate: '2024-08-06T07:00:00Z' });
    expect(noKey.success ? '' : noKey.error.message).toContain('Id: ');
    const noCursor = schema.safeParse({ Id: 1, ModifiedDate: null });
    expect(noCursor.success ? '' : noCursor.error.message).toContain('ModifiedDate: ');
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
    const hourly = schema.safeParse({ ...row, Granularity: 'hour' });
    expect(hourly.success ? '' : hourly.error.message).toContain('Granularity: ');
  });
});
