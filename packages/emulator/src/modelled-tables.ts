/**
 * The Monitor entity sets the emulator has no hand-made model of (notifications, probes, processes,
 * Secure Private Access, hotfixes, load indexes, …): rows of exactly the types and keys Citrix's
 * OpenAPI documents (`@ctxsiem/monitor-model`), made from the model alone and deterministic per seed.
 * How a set's rows come and change follows how the model collects it:
 *
 * - windowed on a modification time (`modified`) or read whole (`snapshot`): a small pool of
 *   configuration objects, each changing at a seeded cadence (pool-tables.ts's `poolSource`);
 * - windowed on an event or sample time: insert-only rows, one to five per hour at seeded times;
 * - windowed on `SummaryDate`: a few rows per slot — hour and day slots for a set with a `Granularity`
 *   column, the set's own slot length otherwise — published PUBLISH_DELAY_MS after the slot ends.
 *
 * Values: keys unique by construction; a foreign key whose navigation leads to one of the site's pools
 * (machines, delivery groups, users, applications, catalogs, hypervisors) names a real member, so
 * `$expand` finds it; every other value is drawn by its EDM type (about one optional value in ten is
 * null). Properties that would hold a credential (`…Password`, `CommunityString`) are always null here.
 */
import type { MonitorEntitySet, MonitorProperty, WindowedCollection } from '@ctxsiem/monitor-model';
import { type EntitySetDef, entityKey, entitySetOrThrow } from './monitor-schema.ts';
import { poolSource } from './pool-tables.ts';
import { type ChangeCadence, POOL_EPOCH_MS, type PoolVersion } from './population.ts';
import { createRng, hashOf, type Rng } from './random.ts';
import { creationHours, inWindow, type Row, type RowSource } from './row-source.ts';
import type { World } from './session-model.ts';
import { PUBLISH_DELAY_MS } from './summary-tables.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from './time.ts';

/**
 * A modelled configuration object is rewritten every six hours at least (as the Monitor database
 * synchronises the site's configuration: pool-tables.ts's site objects), now and then more often.
 */
const CONFIGURATION_CADENCE: ChangeCadence = { periodHours: 6, extraChance: 0.02 };
/** Members of a modelled pool: 10 to 19. */
const MIN_MEMBERS = 10;
const MEMBER_SPREAD = 10;
const MAX_EVENTS_PER_HOUR = 5;

/** When a row was made, and what its time columns say. */
interface RowTimes {
  /** The value of the set's cursor column (or, for a snapshot set, its last change). */
  cursor: number;
  created: number;
  modified: number;
  /** Summary rows: the slot length in minutes. */
  granularity?: number;
}

/** Where a row sits among its set's rows: its slot or hour and its index there. */
interface RowPlace {
  period: number;
  index: number;
}

const CREDENTIALS = /Password$|^CommunityString$/;

/** The site's pools a foreign key may name, by the set the navigation leads to. */
function poolKeys(world: World): ReadonlyMap<string, readonly (string | number)[]> {
  const { population } = world;
  return new Map<string, readonly (string | number)[]>([
    ['Machines', population.machines.map((m) => m.id)],
    ['DesktopGroups', population.desktopGroups.map((g) => g.id)],
    ['Users', population.users.map((u) => u.id)],
    ['Applications', population.applications.map((a) => a.id)],
    ['Catalogs', population.catalogs.map((c) => c.id)],
    ['Hypervisors', population.hypervisors.map((h) => h.id)],
  ]);
}

/** A value of an EDM type, drawn. */
function drawn(property: MonitorProperty, rng: Rng, times: RowTimes): unknown {
  switch (property.type) {
    case 'Edm.Guid':
      return rng.guid();
    case 'Edm.String':
      return `${property.name} ${rng.int(1, 1000)}`;
    case 'Edm.Int16':
      return rng.int(0, 1000);
    case 'Edm.Int32':
      return rng.int(0, 10_000);
    case 'Edm.Int64':
      return rng.int(0, 1_000_000);
    case 'Edm.Double':
      return Math.round(rng.next() * 100_000) / 100;
    case 'Edm.Boolean':
      return rng.chance(0.5);
    case 'Edm.DateTimeOffset':
      return times.cursor - rng.int(0, HOUR_MS);
    case 'Collection(Edm.String)':
      return rng.chance(0.5) ? [`${property.name} ${rng.int(1, 10)}`] : [];
    default:
      throw new Error(`no value for ${property.name}'s EDM type ${property.type}`);
  }
}

/** How the rows of one modelled set are made. */
class ModelledRows {
  readonly def: EntitySetDef;
  readonly #model: MonitorEntitySet;
  readonly #world: World;
  readonly #pools: ReadonlyMap<string, readonly (string | number)[]>;
  readonly #cursor: string | undefined;

  constructor(world: World, def: EntitySetDef) {
    this.def = def;
    this.#model = def.model;
    this.#world = world;
    this.#pools = poolKeys(world);
    this.#cursor = def.cursor;
  }

  /** The value of key property `name` of the row at `place`: unique among the set's rows by construction. */
  keyValue(name: string, place: RowPlace, times: RowTimes): unknown {
    const property = this.#model.property(name);
    if (!property) throw new Error(`${this.def.name}: no key property ${name}`);
    if (property.type === 'Edm.DateTimeOffset') return times.cursor;
    if (name === 'Granularity') return times.granularity ?? null;
    const target = this.#model.navigations.find((n) => n.foreignKey === name)?.target;
    const pool = target ? this.#pools.get(target) : undefined;
    // The other key parts of a composite key are times: a pool member per row index keeps them unique.
    if (pool && this.def.keys.length > 1) return pool[place.index % pool.length] ?? null;
    if (property.type === 'Edm.Guid')
      return createRng(
        hashOf(this.#world.seed, this.def.name, 'key', name, place.period, place.index),
      ).guid();
    // Integers: a pool member's ordinal, or the hour (slot) and the index within it.
    const ordinal = place.period < 0 ? place.index + 1 : place.period * 100 + place.index + 1;
    return property.type === 'Edm.Int32' ? ordinal % 2_147_483_647 : ordinal;
  }

  keyRow(place: RowPlace, times: RowTimes): Row {
    return Object.fromEntries(this.def.keys.map((key) => [key, this.keyValue(key, place, times)]));
  }

  key(place: RowPlace, times: RowTimes): string | number {
    return entityKey(this.def, this.keyRow(place, times));
  }

  row(place: RowPlace, times: RowTimes, version: number): Row {
    const rng = createRng(hashOf(this.#world.seed, this.def.name, place.period, place.index, version));
    const row: Row = this.keyRow(place, times);
    for (const property of this.#model.properties) {
      const name = property.name;
      if (name in row) continue;
      if (name === this.#cursor) row[name] = times.cursor;
      else if (name === 'CreatedDate') row[name] = times.created;
      else if (name === 'ModifiedDate' || name === 'LastModifiedDate' || name === 'UpdatedDate')
        row[name] = times.modified;
      else if (name === 'Granularity' && times.granularity !== undefined) row[name] = times.granularity;
      else if (CREDENTIALS.test(name)) row[name] = null;
      else {
        const target = this.#model.navigations.find((n) => n.foreignKey === name)?.target;
        const pool = target ? this.#pools.get(target) : undefined;
        const optional = !property.required && rng.chance(0.1);
        row[name] = optional ? null : pool ? rng.pick(pool) : drawn(property, rng, times);
      }
    }
    return row;
  }
}

/** A pool of configuration objects (modified or snapshot sets). */
function modelledPool(world: World, rows: ModelledRows, timeless: boolean): RowSource {
  const name = rows.def.name;
  const count = MIN_MEMBERS + (hashOf(world.seed, name, 'members') % MEMBER_SPREAD);
  const members = Array.from({ length: count }, (_, index) => ({
    index,
    createdMs: POOL_EPOCH_MS + (hashOf(world.seed, name, 'created', index) % (180 * DAY_MS)),
  }));
  const timesOf = (member: (typeof members)[number], version: PoolVersion): RowTimes => ({
    cursor: version.modifiedMs,
    created: member.createdMs,
    modified: version.modifiedMs,
  });
  const place = (index: number): RowPlace => ({ period: -1, index });
  return poolSource(world, {
    name,
    members,
    index: (member) => member.index,
    key: (member) =>
      rows.key(place(member.index), timesOf(member, { modifiedMs: member.createdMs, hour: -1 })),
    createdMs: (member) => member.createdMs,
    cadence: CONFIGURATION_CADENCE,
    row: (member, version) => rows.row(place(member.index), timesOf(member, version), version.hour),
    timeless,
  });
}

/** Insert-only rows at seeded times: one to five per hour. */
function modelledEvents(world: World, rows: ModelledRows): RowSource {
  const name = rows.def.name;
  const countIn = (hour: number) => 1 + (hashOf(world.seed, name, 'count', hour) % MAX_EVENTS_PER_HOUR);
  // Distinct times within the hour: index k lies in the k-th fifth of it.
  const timeOf = (hour: number, index: number) =>
    hour * HOUR_MS +
    index * (HOUR_MS / MAX_EVENTS_PER_HOUR) +
    (hashOf(world.seed, name, 'at', hour, index) % (HOUR_MS / MAX_EVENTS_PER_HOUR - SECOND_MS));
  const timesOf = (hour: number, index: number): RowTimes => {
    const at = timeOf(hour, index);
    return { cursor: at, created: at + 2 * SECOND_MS, modified: at + 2 * SECOND_MS };
  };
  return {
    sliceMs: HOUR_MS,
    settlesAfterMs: 0,
    scan(lo, hi, now, budget, into) {
      for (const hour of creationHours(lo, hi, now, 0)) {
        for (let index = 0; index < countIn(hour); index++) {
          budget.consume(1);
          const at = timeOf(hour, index);
          if (at <= now && inWindow(at, lo, hi)) into.add(at, hour, index);
        }
      }
    },
    key: (hour, index) => rows.key({ period: hour, index }, timesOf(hour, index)),
    cursorAt: (hour, index, _c, at) => (timeOf(hour, index) <= at ? timeOf(hour, index) : undefined),
    build: (hour, index) => rows.row({ period: hour, index }, timesOf(hour, index), 0),
  };
}

/** Per-slot summaries: hour and day slots (a Granularity column), or the set's own slot length. */
function modelledSummaries(world: World, rows: ModelledRows, collection: WindowedCollection): RowSource {
  const name = rows.def.name;
  const granularities = collection.slotMinutes ? [collection.slotMinutes] : [60, 1440];
  const membersIn = (slot: number, minutes: number) =>
    2 + (hashOf(world.seed, name, 'members', slot, minutes) % 3);
  const timesOf = (slot: number, member: number, minutes: number): RowTimes => {
    const start = slot * minutes * MINUTE_MS;
    const published = start + minutes * MINUTE_MS + PUBLISH_DELAY_MS + member * SECOND_MS;
    return { cursor: start, created: published, modified: published, granularity: minutes };
  };
  // Slot numbers are per granularity: the row's place carries both, so keys never collide across them.
  const place = (slot: number, member: number, minutes: number): RowPlace => ({
    period: slot * 4 + granularities.indexOf(minutes),
    index: member,
  });
  return {
    sliceMs: HOUR_MS,
    settlesAfterMs: DAY_MS + PUBLISH_DELAY_MS + HOUR_MS,
    scan(lo, hi, now, budget, into) {
      for (const minutes of granularities) {
        const slotMs = minutes * MINUTE_MS;
        for (let slot = Math.ceil(lo / slotMs); slot * slotMs < hi; slot++) {
          for (let member = 0; member < membersIn(slot, minutes); member++) {
            budget.consume(1);
            if (timesOf(slot, member, minutes).created <= now) into.add(slot * slotMs, slot, member, minutes);
          }
        }
      }
    },
    key: (slot, member, minutes) => rows.key(place(slot, member, minutes), timesOf(slot, member, minutes)),
    cursorAt(slot, member, minutes, at) {
      const times = timesOf(slot, member, minutes);
      return times.created <= at ? times.cursor : undefined;
    },
    build: (slot, member, minutes) =>
      rows.row(place(slot, member, minutes), timesOf(slot, member, minutes), 0),
  };
}

/** The row source of a set made from the model alone. */
export function modelledSource(world: World, entitySet: string): RowSource {
  const def = entitySetOrThrow(entitySet);
  const rows = new ModelledRows(world, def);
  const collection = def.model.collection;
  if (collection.mode === 'snapshot') return modelledPool(world, rows, true);
  switch (collection.kind) {
    case 'modified':
      return modelledPool(world, rows, false);
    case 'summary':
      return modelledSummaries(world, rows, collection);
    default:
      return modelledEvents(world, rows);
  }
}
