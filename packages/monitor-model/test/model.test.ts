import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deriveFacts, indexedFields } from '../scripts/derive-openapi-facts.ts';
import {
  COLLECTION,
  edmTypeOf,
  edmValueCheck,
  edmZodType,
  IDENTITY_BY_KIND,
  INFERRED_KEYS,
  INFERRED_TYPES,
  identityTable,
  metadataDocument,
  monitorEntitySet,
  monitorModel,
  OPENAPI_FACTS,
} from '../src/index.ts';

const facts = new Map(OPENAPI_FACTS.sets.map((set) => [set.name, set]));

describe('the facts derived from Citrix’s OpenAPI', () => {
  it('name their document, its public copy and commit', () => {
    expect(OPENAPI_FACTS.source).toMatchObject({
      title: 'Citrix Monitor Service API for Developer Portal',
      version: 'devportal-cloud-ga',
      repository: 'smitpi/CTXCloudApi',
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('hold the 74 entity sets the document publishes', () => {
    expect(OPENAPI_FACTS.sets).toHaveLength(74);
    expect(facts.has('ReconnectSummaries')).toBe(false);
    expect(facts.has('SessionMetricsLatest')).toBe(false);
  });
});

describe('the model', () => {
  const model = monitorModel();

  it('has every set of the facts and no other, each with a collection decision', () => {
    expect([...model.keys()].sort()).toEqual([...facts.keys()].sort());
    expect(Object.keys(COLLECTION).sort()).toEqual([...facts.keys()].sort());
  });

  it('types every property as the document does, and infers only what it leaves unrendered', () => {
    for (const set of model.values()) {
      const documented = facts.get(set.name)!;
      expect(set.properties.map((p) => p.name)).toEqual(documented.properties.map((p) => p.name));
      for (const property of documented.properties) {
        const ours = set.property(property.name)!;
        const theirs = edmTypeOf(property);
        if (theirs === undefined) expect(ours.typedBy, `${set.name}.${property.name}`).toBe('inferred');
        else expect({ name: property.name, type: ours.type }).toEqual({ name: property.name, type: theirs });
        expect(ours.required).toBe(documented.required.includes(property.name));
      }
    }
    for (const [setName, types] of Object.entries(INFERRED_TYPES))
      for (const name of Object.keys(types)) {
        const property = facts.get(setName)?.properties.find((p) => p.name === name);
        expect(property, `${setName}.${name}`).toMatchObject({ type: '', format: '' });
      }
  });

  it('keys a set on Id when the document gives one, else on inferred properties of it', () => {
    for (const set of model.values()) {
      for (const key of set.keys) expect(set.property(key), `${set.name} key ${key}`).toBeDefined();
      if (!INFERRED_KEYS[set.name]) expect(set.keys).toEqual(['Id']);
      else expect(set.keysInferred).toBeTruthy();
    }
  });

  it('windows each set on a date-time property, and says why where the document indexes it not', () => {
    for (const set of model.values()) {
      const collection = set.collection;
      if (collection.mode === 'snapshot') {
        expect(collection.why.length).toBeGreaterThan(10);
        continue;
      }
      expect(set.property(collection.cursor)?.type, `${set.name}.${collection.cursor}`).toBe(
        'Edm.DateTimeOffset',
      );
      const indexed = set.indexed.includes(collection.cursor);
      expect({ set: set.name, explained: collection.notIndexed !== undefined }).toEqual({
        set: set.name,
        explained: !indexed,
      });
      if (collection.kind === 'summary')
        expect(set.property('Granularity') !== undefined || collection.slotMinutes !== undefined).toBe(true);
    }
  });

  it('identifies the rows of each set by key + cursor where the cursor follows every change, else by key + content', () => {
    for (const set of model.values()) {
      const kind = set.collection.mode === 'snapshot' ? 'snapshot' : set.collection.kind;
      expect(set.identity, set.name).toBe(IDENTITY_BY_KIND[kind]);
      expect(set.identity.by, set.name).toBe(
        kind === 'modified' || kind === 'event' || kind === 'sample' ? 'cursor' : 'content',
      );
    }
    // A summary's cursor is its slot's start: a row recomputed for the slot keeps it (issue 30).
    expect(monitorEntitySet('LogOnSummaries')?.identity.by).toBe('content');
    expect(monitorEntitySet('Sessions')?.identity.by).toBe('cursor');
    // Every decision says why, and one that rests on no publication says INFERRED.
    for (const decision of Object.values(IDENTITY_BY_KIND)) expect(decision.why.length).toBeGreaterThan(40);
    expect(IDENTITY_BY_KIND.summary.why).toMatch(/INFERRED/);
  });

  it("shows each set's identity in the README, as the model decides it", () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const table = /<!-- identity -->\n([\s\S]*?)\n<!-- \/identity -->/.exec(readme)?.[1];
    expect(table, 'README table stale: paste identityTable()').toBe(identityTable());
  });

  it('pins what the emulator once had wrong (issue 25)', () => {
    expect(monitorEntitySet('Applications')?.property('Id')?.type).toBe('Edm.Guid');
    expect(monitorEntitySet('ApplicationInstances')?.property('ApplicationId')?.type).toBe('Edm.Guid');
    expect(monitorEntitySet('ApplicationActivitySummaries')?.property('ApplicationId')?.type).toBe(
      'Edm.Guid',
    );
    const metric = monitorEntitySet('MachineMetric')!;
    expect(metric.keys).toEqual(['MachineId', 'CollectedDate']);
    expect(metric.properties.map((p) => p.name)).toEqual(['MachineId', 'CollectedDate', 'Iops', 'Latency']);
    for (const name of [
      'Id',
      'UserId',
      'PublishedDesktopId',
      'BrokeringDuration',
      'DisconnectCode',
    ] as const) {
      const set =
        name === 'Id'
          ? 'Users'
          : name === 'UserId' || name === 'PublishedDesktopId'
            ? 'Sessions'
            : 'Connections';
      expect(monitorEntitySet(set)?.property(name)?.type, `${set}.${name}`).toBe('Edm.Int64');
    }
    const connections = monitorEntitySet('Connections')!;
    for (const name of [
      'ClientPublicIP',
      'ClientISP',
      'ClientLocationCountry',
      'ClientLocationCity',
      'VMPoweredOnDate',
    ])
      expect(connections.property(name), name).toBeDefined();
    expect(monitorEntitySet('Sessions')?.indexed).not.toContain('ModifiedDate');
  });

  it('finds navigations by their foreign keys, never by a set’s own Id', () => {
    const sessions = monitorEntitySet('Sessions')!;
    expect(sessions.navigations).toContainEqual({ name: 'User', target: 'Users', foreignKey: 'UserId' });
    expect(monitorEntitySet('SessionMetrics')?.navigations).toEqual([
      { name: 'Session', target: 'Sessions', foreignKey: 'SessionId' },
    ]);
    for (const set of model.values())
      for (const navigation of set.navigations) expect(navigation.foreignKey, set.name).not.toBe('Id');
  });

  it('renders a $metadata document with one schema per namespace and every set bound', () => {
    const xml = metadataDocument([...model.values()]);
    expect(xml.match(/<EntitySet /g)).toHaveLength(74);
    expect(xml).toContain('<Schema Namespace="Citrix.Monitor.Model.Pnaa"');
    expect(xml).toContain('<Property Name="Id" Type="Edm.Guid" Nullable="false"/>');
    expect(xml).toContain('<Key><PropertyRef Name="MachineId"/><PropertyRef Name="CollectedDate"/></Key>');
  });
});

describe('the derivation script', () => {
  const document = {
    info: { title: 'T', version: 'v' },
    paths: {
      '/Things': {
        get: {
          parameters: [
            {
              name: '$filter',
              description: 'Use them. \n Indexed fields: A, B and When.',
              example: 'When gt 2024-01-01T00:00:00Z',
            },
          ],
          responses: {
            '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/R' } } } },
          },
        },
      },
    },
    components: {
      schemas: {
        R: { properties: { value: { type: 'array', items: { $ref: '#/components/schemas/N.Thing' } } } },
        'N.Thing': {
          required: ['Id'],
          properties: {
            Id: { type: 'string', format: 'uuid' },
            When: { type: 'string', format: 'date-time' },
            Odd: { type: '', format: '' },
            Owner: { $ref: '#/components/schemas/N.Owner' },
            Parts: { type: 'array', items: { $ref: '#/components/schemas/N.Part' } },
          },
        },
      },
    },
  };

  it('keeps names, types, required lists, navigations, indexed fields and the example', () => {
    const text = deriveFacts(JSON.stringify(document), {
      repo: 'o/r',
      path: 'p.json',
      commit: 'c'.repeat(40),
    });
    const json = JSON.parse(text.slice(text.indexOf('= {') + 2, text.lastIndexOf(';')));
    expect(json.sets).toEqual([
      {
        name: 'Things',
        typeName: 'N.Thing',
        properties: [
          { name: 'Id', type: 'string', format: 'uuid' },
          { name: 'When', type: 'string', format: 'date-time' },
          { name: 'Odd', type: '', format: '' },
        ],
        required: ['Id'],
        navigations: [
          { name: 'Owner', target: 'N.Owner', collection: false },
          { name: 'Parts', target: 'N.Part', collection: true },
        ],
        indexed: ['A', 'B', 'When'],
        filterExample: 'When gt 2024-01-01T00:00:00Z',
      },
    ]);
    expect(text).toContain('github.com/o/r p.json @ cccc');
  });

  it('reads the indexed-fields note however Citrix punctuates it', () => {
    expect(indexedFields('x\n Indexed fields: Path, BrowserName')).toEqual(['Path', 'BrowserName']);
    expect(indexedFields('Indexed fields: A, B and A.')).toEqual(['A', 'B']);
    expect(indexedFields('no note')).toEqual([]);
  });
});

describe('EDM value checks', () => {
  it('answer as the zod types do, for every type of the model and values of every kind', () => {
    const samples: unknown[] = [
      null,
      true,
      0,
      -1,
      7.5,
      40_000,
      2_147_483_648,
      2 ** 53,
      '',
      'x',
      '55',
      '0f8c6a1e-2b3d-4c5e-8f90-a1b2c3d4e5f6',
      '0F8C6A1E-2B3D-4C5E-8F90-A1B2C3D4E5F6',
      '2024-08-06T07:00:00Z',
      '2024-08-06T07:00:00.1234567Z',
      '2024-08-06T09:00:00+02:00',
      '2024-08-06T07:00Z',
      '2024-08-06',
      '2024-13-06T07:00:00Z',
      [],
      ['a'],
      {},
    ];
    const types = new Set([...monitorModel().values()].flatMap((set) => set.properties.map((p) => p.type)));
    expect(types.size).toBeGreaterThan(6);
    for (const type of types) {
      const is = edmValueCheck(type);
      const zod = edmZodType(type);
      for (const value of samples)
        expect({ type, value, is: is(value) }).toEqual({ type, value, is: zod.safeParse(value).success });
    }
  });
});
