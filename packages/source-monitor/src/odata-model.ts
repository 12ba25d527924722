/**
 * The Monitor OData model: each entity set's key and properties with their EDM types, and the columns a
 * delivered record has. Known without a call from Citrix's own publication (`@ctxsiem/monitor-model`,
 * derived from its OpenAPI document), and read from a service's `$metadata` (EDMX, parsed with
 * fast-xml-parser) when the source asks the service itself.
 */
import type { Column, ColumnType } from '@ctxsiem/core';
import { monitorModel as citrixModel, type MonitorEntitySet } from '@ctxsiem/monitor-model';
import { XMLParser } from 'fast-xml-parser';

export interface ODataProperty {
  name: string;
  /** `Edm.String`, `Edm.Int32`, … */
  type: string;
  nullable: boolean;
}

export interface ODataEntitySet {
  name: string;
  /** The entity type's name (`Citrix.Monitor.Model.Session` → `Session`). */
  typeName: string;
  /** The key properties, in `$metadata` order (several for a set without an `Id`). */
  keys: readonly string[];
  properties: readonly ODataProperty[];
}

/** EDM primitive types as SIEM column types. */
const COLUMN_TYPES: Record<string, ColumnType> = {
  'Edm.Guid': 'string',
  'Edm.String': 'string',
  'Edm.Byte': 'int',
  'Edm.SByte': 'int',
  'Edm.Int16': 'int',
  'Edm.Int32': 'int',
  'Edm.Int64': 'long',
  'Edm.Double': 'real',
  'Edm.Decimal': 'real',
  'Edm.Single': 'real',
  'Edm.Boolean': 'boolean',
  'Edm.DateTimeOffset': 'datetime',
  // OData v3 services (the on-premises Monitor v1/v3 endpoints) type instants as Edm.DateTime.
  'Edm.DateTime': 'datetime',
  'Edm.Date': 'datetime',
};

export function columnType(edmType: string): ColumnType {
  return COLUMN_TYPES[edmType] ?? 'dynamic';
}

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

interface XmlEntityType {
  '@_Name': string;
  Key?: { PropertyRef?: { '@_Name': string } | { '@_Name': string }[] };
  Property?: XmlProperty | XmlProperty[];
}
interface XmlProperty {
  '@_Name': string;
  '@_Type': string;
  '@_Nullable'?: string;
}
interface XmlSchema {
  EntityType?: XmlEntityType | XmlEntityType[];
  EntityContainer?: {
    EntitySet?: { '@_Name': string; '@_EntityType': string } | { '@_Name': string; '@_EntityType': string }[];
  };
}

/** An entity type as `$metadata` declares it: its name, key properties and properties. */
export interface ODataEntityType {
  name: string;
  keys: readonly string[];
  properties: readonly ODataProperty[];
}

function parseSchemas(xml: string): XmlSchema[] {
  const parsed = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true }).parse(xml) as {
    Edmx?: { DataServices?: { Schema?: XmlSchema | XmlSchema[] } };
  };
  return asArray(parsed.Edmx?.DataServices?.Schema);
}

function entityType(type: XmlEntityType): ODataEntityType {
  return {
    name: type['@_Name'],
    keys: asArray(type.Key?.PropertyRef).map((ref) => ref['@_Name']),
    properties: asArray(type.Property).map((p) => ({
      name: p['@_Name'],
      type: p['@_Type'],
      nullable: p['@_Nullable'] !== 'false',
    })),
  };
}

/**
 * The entity types a `$metadata` document declares, by name: EDMX 4.0 (the cloud service) or the EDMX
 * 1.0 of OData v1–v3 (on-premises Monitor), whose schemas nest the same way.
 */
export function parseEntityTypes(xml: string): Map<string, ODataEntityType> {
  return entityTypesOf(parseSchemas(xml));
}

function entityTypesOf(schemas: readonly XmlSchema[]): Map<string, ODataEntityType> {
  const types = new Map<string, ODataEntityType>();
  for (const schema of schemas)
    for (const type of asArray(schema.EntityType)) types.set(type['@_Name'], entityType(type));
  return types;
}

/** The entity sets a `$metadata` document publishes (its entity container), by name, with their types. */
export function parseMetadata(xml: string): Map<string, ODataEntitySet> {
  const schemas = parseSchemas(xml);
  const types = entityTypesOf(schemas);
  const sets = new Map<string, ODataEntitySet>();
  for (const schema of schemas)
    for (const set of asArray(schema.EntityContainer?.EntitySet)) {
      const type = types.get(set['@_EntityType'].split('.').at(-1) ?? '');
      if (!type) continue;
      const { name: typeName, ...rest } = type;
      sets.set(set['@_Name'], { name: set['@_Name'], typeName, ...rest });
    }
  return sets;
}

/** Documents `servedModel` keeps parsed: one per service version a deployment's tenants are on. */
const DOCUMENTS_KEPT = 8;
const parsedDocuments = new Map<string, ReadonlyMap<string, ODataEntitySet>>();

/**
 * `parseMetadata`, once per document: the tenants of one service serve the same `$metadata` (hundreds
 * of KB of XML), so a run over fifty tenants parses it once, not fifty times. The model is shared:
 * read-only. The last few documents are kept (oldest dropped first).
 */
export function servedModel(xml: string): ReadonlyMap<string, ODataEntitySet> {
  let sets = parsedDocuments.get(xml);
  if (sets === undefined) {
    sets = parseMetadata(xml);
    parsedDocuments.set(xml, sets);
    const oldest = parsedDocuments.keys().next().value;
    if (parsedDocuments.size > DOCUMENTS_KEPT && oldest !== undefined) parsedDocuments.delete(oldest);
  }
  return sets;
}

/** A set of Citrix's model as the parsed `$metadata` of a service would give it. */
export function odataEntitySet(set: MonitorEntitySet): ODataEntitySet {
  return {
    name: set.name,
    typeName: set.typeName,
    keys: set.keys,
    properties: set.properties.map((p) => ({
      name: p.name,
      type: p.type,
      nullable: !p.required && !set.keys.includes(p.name),
    })),
  };
}

let model: Map<string, ODataEntitySet> | undefined;

/** The Monitor entity sets, as Citrix publishes them (its OpenAPI document, `@ctxsiem/monitor-model`). */
export function monitorModel(): Map<string, ODataEntitySet> {
  model ??= new Map([...citrixModel().values()].map((set) => [set.name, odataEntitySet(set)]));
  return model;
}

/**
 * The columns of a delivered record of `set`: its properties — a property whose type Citrix leaves
 * unrendered is `dynamic`, so a value of any type reaches the table — and for Sessions with the user's
 * fields the `UserName` and `FullName` moved onto it.
 */
export function recordColumns(
  set: ODataEntitySet | undefined,
  sessionUserFields: boolean,
): Column[] | undefined {
  if (!set) return undefined;
  const citrix = citrixModel().get(set.name);
  const columns: Column[] = set.properties.map((p) => ({
    name: p.name,
    type: citrix?.property(p.name)?.typedBy === 'inferred' ? 'dynamic' : columnType(p.type),
  }));
  if (set.name === 'Sessions' && sessionUserFields)
    columns.push({ name: 'UserName', type: 'string' }, { name: 'FullName', type: 'string' });
  return columns;
}
