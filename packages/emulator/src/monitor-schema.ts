/**
 * The Monitor OData model served by the emulator: Citrix's, from `@ctxsiem/monitor-model` (derived from
 * Citrix's OpenAPI for the cloud service): every entity set, its properties (EDM types), keys, the column
 * the emulator orders and windows it on (the set's cursor; none for a snapshot set) and the navigation
 * properties it resolves for $expand. Used to validate queries, to build $metadata and to serialise rows.
 */
import { type MonitorEntitySet, type MonitorNavigation, monitorModel } from '@ctxsiem/monitor-model';
import type { Row } from './row-source.ts';

/** An EDM type name (`Edm.Guid`, `Edm.Int16`, `Collection(Edm.String)`, …). */
export type EdmType = string;

export interface PropertyDef {
  name: string;
  type: EdmType;
  nullable: boolean;
}

export type NavigationDef = MonitorNavigation;

export interface EntitySetDef {
  name: string;
  /** Entity type name (in its `namespace`). */
  typeName: string;
  namespace: string;
  /** The key property, or the first of a composite key's. */
  key: string;
  /** Every key property, in $metadata order: `[key]`, or several for a composite key. */
  keys: readonly string[];
  /**
   * The column the emulator's rows are ordered and searched on (the default order is (cursor, then the
   * full key)); undefined for a set without a time column, ordered by its key and always read whole.
   */
  cursor: string | undefined;
  properties: readonly PropertyDef[];
  /** The navigations $expand resolves: the model's, to the sets whose rows the emulator can look up. */
  navigation: readonly NavigationDef[];
  model: MonitorEntitySet;
  property(name: string): PropertyDef | undefined;
}

/**
 * The sets whose row sources answer a lookup by key (small pools, and Sessions through a bounded memory
 * of the sessions made lately): a navigation to any other set is not declared by the emulator (its
 * foreign keys hold made-up values), a deviation from Citrix's model that only $expand can see.
 */
export const EXPANDABLE_SETS: ReadonlySet<string> = new Set([
  'Applications',
  'Catalogs',
  'DesktopGroups',
  'Hypervisors',
  'Machines',
  'Sessions',
  'Users',
]);

/**
 * The sets made from the session timelines, whose session keys name sessions the emulator made (the
 * other sets' SessionKey values are made up, so their Session navigation is not declared).
 */
const SESSION_TABLES: ReadonlySet<string> = new Set([
  'ApplicationInstances',
  'ConnectionFailureLogs',
  'Connections',
  'LogOnMetrics',
  'SessionAutoReconnects',
  'SessionMetrics',
]);

const resolvable = (set: string, navigation: NavigationDef) =>
  EXPANDABLE_SETS.has(navigation.target) && (navigation.target !== 'Sessions' || SESSION_TABLES.has(set));

function entitySetDef(model: MonitorEntitySet): EntitySetDef {
  const properties = model.properties.map((p) => ({
    name: p.name,
    type: p.type,
    nullable: !p.required && !model.keys.includes(p.name),
  }));
  const byName = new Map(properties.map((p) => [p.name, p]));
  return {
    name: model.name,
    typeName: model.typeName,
    namespace: model.namespace,
    key: model.keys[0] ?? '',
    keys: model.keys,
    cursor: model.collection.mode === 'window' ? model.collection.cursor : undefined,
    properties,
    navigation: model.navigations.filter((n) => resolvable(model.name, n)),
    model,
    property: (name) => byName.get(name),
  };
}

export const ENTITY_SETS: readonly EntitySetDef[] = [...monitorModel().values()].map(entitySetDef);

const BY_NAME = new Map(ENTITY_SETS.map((d) => [d.name, d]));

export function findEntitySet(name: string): EntitySetDef | undefined {
  return BY_NAME.get(name);
}

export function entitySetOrThrow(name: string): EntitySetDef {
  const def = BY_NAME.get(name);
  if (!def) throw new Error(`Unknown Monitor entity set '${name}'. Known: ${[...BY_NAME.keys()].join(', ')}`);
  return def;
}

/** Width of the zero-padded integers in a composite key (Int32 values are non-negative here). */
const KEY_INTEGER_DIGITS = 10;

function keyPart(type: EdmType | undefined, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (type === 'Edm.DateTimeOffset') {
    const ms = typeof value === 'number' ? value : Date.parse(String(value));
    return new Date(ms).toISOString();
  }
  if (typeof value === 'number') return String(value).padStart(KEY_INTEGER_DIGITS, '0');
  return String(value);
}

/**
 * The identity of a row: the value of its key property, or, for a composite key, one string joining the key
 * properties in $metadata order with `|`: GUIDs as they are, DateTimeOffset as a fixed-width ISO 8601
 * instant (`2024-08-06T07:05:00.000Z`), integers zero-padded to 10 digits. Every part has a fixed width, so
 * comparing two such strings orders rows like their key tuples. Accepts internal rows (timestamps as
 * numbers) and wire rows (timestamp strings) alike; row sources return the same value from `key()`.
 */
export function entityKey(def: EntitySetDef, row: Row): string | number {
  if (def.keys.length === 1) {
    const value = row[def.key];
    if (typeof value !== 'string' && typeof value !== 'number')
      throw new Error(`${def.name}: row without a ${def.key}`);
    return value;
  }
  return def.keys.map((k) => keyPart(def.property(k)?.type, row[k])).join('|');
}
