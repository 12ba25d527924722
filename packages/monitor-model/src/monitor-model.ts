/**
 * The Monitor Service's model as ctxsiem uses it: every entity set Citrix's OpenAPI document publishes
 * ([OA], `openapi-facts.generated.ts`), with EDM types, keys, navigations and indexed fields taken from
 * it, and how each set is collected (`collection-decisions.ts`). The source (windows, record schemas,
 * columns), the emulator (what it serves and its `$metadata`), the SIEM table generators and
 * `ctxsiem config records` all read this one model.
 */
import {
  COLLECTION,
  type CollectionDecision,
  type IdentityDecision,
  INFERRED_KEYS,
  INFERRED_TYPES,
  identityOf,
  type WindowedCollection,
} from './collection-decisions.ts';
import { OPENAPI_FACTS } from './openapi-facts.generated.ts';
import type { OpenApiPropertyFacts, OpenApiSetFacts } from './openapi-facts.ts';

export interface MonitorProperty {
  name: string;
  /** `Edm.Guid`, `Edm.Int64`, `Collection(Edm.String)`, … */
  type: string;
  /** `openapi` when [OA] types it; `inferred` when [OA] leaves it unrendered and we chose. */
  typedBy: 'openapi' | 'inferred';
  /** In [OA]'s required list (some types list every non-null property, others only their key). */
  required: boolean;
}

/** A single-valued navigation whose foreign key is a property of the set (`User` via `UserId`). */
export interface MonitorNavigation {
  name: string;
  /** The entity set it leads to. */
  target: string;
  /** This set's property holding the target's key. */
  foreignKey: string;
}

export interface MonitorEntitySet {
  name: string;
  /** The entity type's name without its namespace (`Session`). */
  typeName: string;
  /** The entity type's namespace (`Citrix.Monitor.Model`, `Citrix.Monitor.Model.Pnaa`, …). */
  namespace: string;
  keys: readonly string[];
  /** Why the keys are what they are, when [OA] gives no `Id` (INFERRED). */
  keysInferred?: string;
  properties: readonly MonitorProperty[];
  navigations: readonly MonitorNavigation[];
  /** The "Indexed fields" [OA] lists for the set that are properties of it. */
  indexed: readonly string[];
  /** [OA]'s `$filter` example for the set. */
  filterExample: string | null;
  collection: CollectionDecision;
  /** What identifies a version of a row: key + cursor, or key + content digest (`IDENTITY_BY_KIND`). */
  identity: IdentityDecision;
  property(name: string): MonitorProperty | undefined;
}

/** [OA]'s JSON type and format as an EDM type (the usual OData mapping), undefined when unrendered. */
export function edmTypeOf(property: Pick<OpenApiPropertyFacts, 'type' | 'format'>): string | undefined {
  switch (`${property.type}/${property.format}`) {
    case 'string/uuid':
      return 'Edm.Guid';
    case 'string/date-time':
      return 'Edm.DateTimeOffset';
    case 'string/string':
    case 'string/':
      return 'Edm.String';
    case 'integer/int32':
      return 'Edm.Int32';
    case 'integer/int64':
      return 'Edm.Int64';
    case 'number/double':
      return 'Edm.Double';
    case 'boolean/boolean':
    case 'boolean/':
      return 'Edm.Boolean';
    default:
      return undefined;
  }
}

const splitTypeName = (qualified: string) => {
  const at = qualified.lastIndexOf('.');
  return { namespace: qualified.slice(0, at), typeName: qualified.slice(at + 1) };
};

function properties(facts: OpenApiSetFacts): MonitorProperty[] {
  const inferred = INFERRED_TYPES[facts.name] ?? {};
  return facts.properties.map((property) => {
    const type = edmTypeOf(property);
    const chosen = inferred[property.name];
    if (type === undefined && chosen === undefined)
      throw new Error(
        `${facts.name}.${property.name}: [OA] leaves its type unrendered and no type is inferred`,
      );
    return {
      name: property.name,
      type: type ?? chosen!,
      typedBy: type === undefined ? 'inferred' : 'openapi',
      required: facts.required.includes(property.name),
    };
  });
}

function keysOf(facts: OpenApiSetFacts): { keys: readonly string[]; keysInferred?: string } {
  const inferred = INFERRED_KEYS[facts.name];
  if (inferred) return { keys: inferred.keys, keysInferred: inferred.why };
  if (facts.properties.some((p) => p.name === 'Id')) return { keys: ['Id'] };
  throw new Error(`${facts.name}: no Id in [OA] and no inferred key`);
}

/**
 * The single-valued navigations whose foreign key is found on the set (INFERRED by the names Citrix
 * uses: `Machine` by `MachineId`, `CurrentConnection` by `CurrentConnectionId`, `Session` by
 * `SessionKey` or `SessionId`), leading to a set of the model whose single key has the same type.
 * [OA] names navigations but not their referential constraints.
 */
function navigations(
  sets: ReadonlyMap<string, MonitorEntitySet>,
  set: MonitorEntitySet,
  facts: OpenApiSetFacts,
) {
  const byType = new Map([...sets.values()].map((s) => [`${s.namespace}.${s.typeName}`, s]));
  const found: MonitorNavigation[] = [];
  for (const navigation of facts.navigations) {
    if (navigation.collection) continue;
    const target = byType.get(navigation.target);
    const targetKey = target?.keys.length === 1 ? target.property(target.keys[0]!) : undefined;
    if (!target || !targetKey) continue;
    // The target's own key name (SessionKey) only when it is not the generic `Id` every set has.
    const names = [`${navigation.name}${targetKey.name}`, `${navigation.name}Id`];
    if (targetKey.name !== 'Id') names.push(targetKey.name);
    const foreignKey = names
      .map((name) => set.property(name))
      .find((property) => property?.type === targetKey.type);
    if (foreignKey) found.push({ name: navigation.name, target: target.name, foreignKey: foreignKey.name });
  }
  return found;
}

function buildModel(): ReadonlyMap<string, MonitorEntitySet> {
  const sets = new Map<string, MonitorEntitySet>();
  const pending: [MonitorEntitySet, OpenApiSetFacts][] = [];
  for (const facts of OPENAPI_FACTS.sets) {
    const collection = COLLECTION[facts.name];
    if (!collection) throw new Error(`${facts.name}: [OA] publishes it and no collection is decided`);
    const props = properties(facts);
    const byName = new Map(props.map((p) => [p.name, p]));
    const propertyNames = new Set(byName.keys());
    const set: MonitorEntitySet = {
      name: facts.name,
      ...splitTypeName(facts.typeName),
      ...keysOf(facts),
      properties: props,
      navigations: [],
      indexed: facts.indexed.filter((name) => propertyNames.has(name)),
      filterExample: facts.filterExample,
      collection,
      identity: identityOf(collection),
      property: (name) => byName.get(name),
    };
    sets.set(set.name, set);
    pending.push([set, facts]);
  }
  for (const [set, facts] of pending) set.navigations = navigations(sets, set, facts);
  return sets;
}

let model: ReadonlyMap<string, MonitorEntitySet> | undefined;

/** Every entity set of the Monitor Service, by name, in [OA]'s (alphabetical) order. */
export function monitorModel(): ReadonlyMap<string, MonitorEntitySet> {
  model ??= buildModel();
  return model;
}

/** One entity set of the model, or undefined. */
export function monitorEntitySet(name: string): MonitorEntitySet | undefined {
  return monitorModel().get(name);
}

/** The windowed collection of a set, or undefined for a snapshot set. */
export function windowedCollection(set: MonitorEntitySet): WindowedCollection | undefined {
  return set.collection.mode === 'window' ? set.collection : undefined;
}

/** Whether the set's window filter is on a column [OA] lists as indexed. */
export function cursorIndexed(set: MonitorEntitySet): boolean {
  const windowed = windowedCollection(set);
  return windowed !== undefined && set.indexed.includes(windowed.cursor);
}

/**
 * The README's table of each set's identity (a test keeps it equal): the set, how it is collected (its
 * cursor and the kind of time it is, or a snapshot) and what identifies a version of its rows.
 */
export function identityTable(): string {
  const rows = [...monitorModel().values()].map((set) => [
    set.name,
    set.collection.mode === 'snapshot' ? 'snapshot' : `\`${set.collection.cursor}\` (${set.collection.kind})`,
    set.identity.by === 'cursor'
      ? `key + cursor (${set.keys.map((key) => `\`${key}\``).join(', ')})`
      : `key + content digest (${set.keys.map((key) => `\`${key}\``).join(', ')})`,
  ]);
  const header = ['Set', 'Collected on', 'Identity'];
  const widths = header.map((title, at) => Math.max(title.length, ...rows.map((row) => row[at]!.length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, at) => cell.padEnd(widths[at]!)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** Where the facts come from (for headers, docs and `preview --list-streams`). */
export const MONITOR_MODEL_SOURCE = OPENAPI_FACTS.source;
