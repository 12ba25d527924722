/**
 * Citrix Analytics for Performance OData (`/casodata/{sessions|machines|users}`): hourly records selected by
 * the mandatory UTC `year`, `month`, `day` and optional `hour` parameters, with $top / $skip / $select /
 * $orderby. The response is `{"value":[...]}` without a nextLink: clients page with $top/$skip until a short
 * page. Records are derived from the same session timelines and inventory as Monitor (same SessionKey,
 * machine ids and user names). About one hour in CASODATA_EMPTY_HOUR_ONE_IN has no data for an entity; an hour
 * still in progress returns the records whose time is before `now`. Under the lateArrivals fault, delayed rows
 * of an hour appear only some minutes after the hour ends (late-arrivals.ts).
 */
import { badRequest } from './api-error.ts';
import { casodataRowArrived, type LateArrivals } from './late-arrivals.ts';
import {
  collectOptions,
  type OrderTerm,
  parseNonNegativeInteger,
  parseOrderBy,
  parseSelect,
} from './odata-query.ts';
import { createRng, hashOf, mix } from './random.ts';
import type { Row } from './row-source.ts';
import type { ScanBudget } from './scan-budget.ts';
import {
  type SessionPhase,
  type SessionTimeline,
  sessionDetail,
  sessionStateAt,
  sessionsInHour,
  sessionTimeline,
  type World,
} from './session-model.ts';
import { compareSortValues, compareTuples } from './sort-order.ts';
import { formatIsoDate, HOUR_MS, hourIndex } from './time.ts';

/** Largest accepted $top; also the number of rows returned when $top is absent. */
export const CASODATA_MAX_TOP = 10_000;
/** Roughly one hour in this many has no data, per entity. */
export const CASODATA_EMPTY_HOUR_ONE_IN = 12;

interface CasodataEntity {
  name: string;
  key: string;
  /** Records with this time ≥ now do not exist yet; also the default sort column. */
  timeField: string;
  fields: readonly string[];
  dateFields: readonly string[];
  generate(world: World, hour: number, now: number, budget: ScanBudget): Row[];
}

const FAILURE_REASONS: Record<number, string> = {
  2: 'SessionPreparation',
  3: 'RegistrationTimeout',
  4: 'ConnectionTimeout',
  8: 'GeneralFail',
  12: 'NoDesktopAvailable',
  13: 'SessionLimitReached',
  18: 'SpinUpFailed',
  23: 'CommunicationError',
  100: 'NoMachineAvailable',
  101: 'MachineNotFunctional',
};

function scoreCategory(score: number | null): string | null {
  if (score === null) return null;
  if (score >= 75) return 'Excellent';
  return score >= 50 ? 'Fair' : 'Poor';
}

/** casodata sessionState for each phase of a session. */
const SESSION_STATES: Record<SessionPhase, string> = {
  preparing: 'Connecting',
  active: 'Active',
  disconnected: 'Disconnected',
  reconnected: 'Active',
  ended: 'Terminated',
  failed: 'Failed',
};

/** Sessions that started in `hour` before `now`. */
function* startedSessions(
  world: World,
  hour: number,
  now: number,
  budget: ScanBudget,
): Generator<SessionTimeline> {
  const count = sessionsInHour(world, hour);
  budget.consume(count);
  for (let index = 0; index < count; index++) {
    const t = sessionTimeline(world, hour, index);
    if (t.start < now) yield t;
  }
}

const sessions: CasodataEntity = {
  name: 'sessions',
  key: 'sessionKey',
  timeField: 'sessionStartTime',
  fields: [
    'sessionKey',
    'user',
    'machine',
    'machineId',
    'deliveryGroup',
    'sessionType',
    'sessionState',
    'sessionStartTime',
    'sessionEndTime',
    'sessionScore',
    'sessionScoreCategory',
    'logonDurationSec',
    'icaRttMs',
    'sessionReconnects',
    'sessionFailureReason',
    'clientPlatform',
    'clientVersion',
    'city',
    'country',
  ],
  dateFields: ['sessionStartTime', 'sessionEndTime'],
  generate(world, hour, now, budget) {
    const rows: Row[] = [];
    for (const t of startedSessions(world, hour, now, budget)) {
      const d = sessionDetail(world, t);
      const state = sessionStateAt(t, now);
      const machine = world.population.machines[t.machineIndex];
      const user = world.population.users[t.userIndex];
      const phase = state?.phase ?? 'preparing';
      const failed = phase === 'failed';
      const score = t.failed ? null : d.score;
      rows.push({
        sessionKey: d.key,
        user: user?.userName ?? null,
        machine: machine?.hostedMachineName ?? null,
        machineId: machine?.id ?? null,
        deliveryGroup: machine?.desktopGroup.name ?? null,
        sessionType: machine?.desktopGroup.sessionType === 1 ? 'Application' : 'Desktop',
        sessionState: SESSION_STATES[phase],
        sessionStartTime: t.start,
        sessionEndTime: phase === 'ended' || failed ? t.end : null,
        sessionScore: score,
        sessionScoreCategory: scoreCategory(score),
        logonDurationSec: t.failed ? null : Math.round(t.logOnMs / 100) / 10,
        icaRttMs: t.failed ? null : d.icaRttMs,
        sessionReconnects: t.reconnectAt !== null && t.reconnectAt <= now ? 1 : 0,
        sessionFailureReason: failed ? (FAILURE_REASONS[d.failureEnum] ?? 'Other') : null,
        clientPlatform: d.clientPlatform,
        clientVersion: d.clientVersion,
        city: d.city,
        country: d.country,
      });
    }
    return rows;
  },
};

const machines: CasodataEntity = {
  name: 'machines',
  key: 'machineId',
  timeField: 'timestamp',
  fields: [
    'machineId',
    'machineName',
    'dnsName',
    'deliveryGroup',
    'osType',
    'machineState',
    'machineScore',
    'machineScoreCategory',
    'cpuUsagePercent',
    'memoryUsagePercent',
    'sessionCount',
    'timestamp',
  ],
  dateFields: ['timestamp'],
  generate(world, hour, now, budget) {
    const base = hashOf(world.seed, 'casodata-machine');
    const rows: Row[] = [];
    for (const machine of world.population.machines) {
      budget.consume(1);
      const rng = createRng(mix(mix(base, hour), machine.index));
      const timestamp = hour * HOUR_MS + rng.int(0, HOUR_MS);
      if (timestamp >= now || timestamp < machine.createdMs) continue;
      const registered = rng.chance(0.93);
      const maintenance = registered && rng.chance(0.04);
      const cpu = Math.round(rng.next() ** 1.5 * 1000) / 10;
      const score = registered ? Math.round((100 - cpu * 0.6 - rng.next() * 20) * 10) / 10 : null;
      rows.push({
        machineId: machine.id,
        machineName: machine.hostedMachineName,
        dnsName: machine.dnsName,
        deliveryGroup: machine.desktopGroup.name,
        osType: machine.osType,
        machineState: maintenance ? 'Maintenance' : registered ? 'Registered' : 'Unregistered',
        machineScore: score,
        machineScoreCategory: scoreCategory(score),
        cpuUsagePercent: cpu,
        memoryUsagePercent: Math.round((20 + rng.next() * 75) * 10) / 10,
        sessionCount: registered ? rng.int(0, machine.desktopGroup.sessionType === 1 ? 15 : 2) : 0,
        timestamp,
      });
    }
    return rows;
  },
};

const users: CasodataEntity = {
  name: 'users',
  key: 'userName',
  timeField: 'timestamp',
  fields: [
    'userName',
    'fullName',
    'userScore',
    'userScoreCategory',
    'sessionCount',
    'failedSessionCount',
    'timestamp',
  ],
  dateFields: ['timestamp'],
  generate(world, hour, now, budget) {
    const byUser = new Map<number, { first: number; sessions: number; failed: number; scores: number[] }>();
    for (const t of startedSessions(world, hour, now, budget)) {
      const entry = byUser.get(t.userIndex) ?? { first: t.start, sessions: 0, failed: 0, scores: [] };
      entry.first = Math.min(entry.first, t.start);
      entry.sessions++;
      if (t.failed) entry.failed++;
      else entry.scores.push(sessionDetail(world, t).score);
      byUser.set(t.userIndex, entry);
    }
    const rows: Row[] = [];
    for (const [userIndex, entry] of byUser) {
      const user = world.population.users[userIndex];
      const score = entry.scores.length
        ? Math.round((entry.scores.reduce((a, b) => a + b, 0) / entry.scores.length) * 10) / 10
        : null;
      rows.push({
        userName: user?.userName ?? null,
        fullName: user?.fullName ?? null,
        userScore: score,
        userScoreCategory: scoreCategory(score),
        sessionCount: entry.sessions,
        failedSessionCount: entry.failed,
        timestamp: entry.first,
      });
    }
    return rows;
  },
};

const ENTITIES = new Map<string, CasodataEntity>([sessions, machines, users].map((e) => [e.name, e]));

export const CASODATA_ENTITY_NAMES: readonly string[] = [...ENTITIES.keys()];

export function isCasodataEntity(name: string): boolean {
  return ENTITIES.has(name);
}

function entityOrThrow(name: string): CasodataEntity {
  const entity = ENTITIES.get(name);
  if (!entity)
    throw new Error(`Unknown casodata entity '${name}'. Known: ${CASODATA_ENTITY_NAMES.join(', ')}`);
  return entity;
}

/** Does this (entity, hour) have no data at all? Deterministic per seed. */
export function isEmptyHour(seed: number, entity: string, hour: number): boolean {
  return hashOf(seed, 'casodata-empty', entity, hour) % CASODATA_EMPTY_HOUR_ONE_IN === 0;
}

/** Internal rows of one hour visible at `now`, in default order (time field, then key). */
function hourRows(
  world: World,
  entity: CasodataEntity,
  hour: number,
  now: number,
  budget: ScanBudget,
  late: LateArrivals | null,
): Row[] {
  if (isEmptyHour(world.seed, entity.name, hour) || hour * HOUR_MS >= now) return [];
  const rows = entity
    .generate(world, hour, now, budget)
    .filter((row) => casodataRowArrived(late, entity.name, hour, row[entity.key], now));
  rows.sort(
    (a, b) =>
      compareSortValues(a[entity.timeField], b[entity.timeField]) ||
      compareSortValues(a[entity.key], b[entity.key]),
  );
  return rows;
}

function toWire(entity: CasodataEntity, row: Row, select?: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of select ?? entity.fields) {
    const value = row[field] ?? null;
    out[field] =
      entity.dateFields.includes(field) && typeof value === 'number' ? formatIsoDate(value) : value;
  }
  return out;
}

/** Ground truth: every record of one hour visible at `now`, in the default order, in wire format. */
export function casodataHour(
  world: World,
  entityName: string,
  hourStartMs: number,
  now: number,
  budget: ScanBudget,
  late: LateArrivals | null,
) {
  const entity = entityOrThrow(entityName);
  return hourRows(world, entity, hourIndex(hourStartMs), now, budget, late).map((row) => toWire(entity, row));
}

const CASODATA_OPTIONS = new Set(['$top', '$skip', '$select', '$orderby']);

function dateParameter(params: URLSearchParams, name: string, pattern: RegExp): number | undefined {
  const value = params.get(name);
  if (value === null) return undefined;
  if (!pattern.test(value)) throw badRequest(`The parameter '${name}' has an invalid value '${value}'.`);
  return Number(value);
}

/** Hours (indices) selected by year / month / day [/ hour]. */
function selectedHours(params: URLSearchParams): number[] {
  const year = dateParameter(params, 'year', /^\d{4}$/);
  const month = dateParameter(params, 'month', /^\d{1,2}$/);
  const day = dateParameter(params, 'day', /^\d{1,2}$/);
  const hour = dateParameter(params, 'hour', /^\d{1,2}$/);
  if (year === undefined || month === undefined || day === undefined) {
    throw badRequest(
      'The parameters year, month and day are mandatory (UTC), e.g. ?year=2024&month=08&day=06.',
    );
  }
  const dayStart = Date.UTC(year, month - 1, day);
  const check = new Date(dayStart);
  if (month < 1 || month > 12 || check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) {
    throw badRequest(`The date ${year}-${month}-${day} is not a valid UTC date.`);
  }
  if (hour !== undefined && hour > 23)
    throw badRequest(`The parameter 'hour' must be between 0 and 23, got ${hour}.`);
  const first = hourIndex(dayStart);
  return hour === undefined ? Array.from({ length: 24 }, (_, i) => first + i) : [first + hour];
}

/** Answers `GET /casodata/{entity}` with `{ value: [...] }`. */
export function queryCasodata(
  world: World,
  entityName: string,
  params: URLSearchParams,
  now: number,
  budget: ScanBudget,
  late: LateArrivals | null,
): { value: Record<string, unknown>[] } {
  const entity = entityOrThrow(entityName);
  const options = collectOptions(params, CASODATA_OPTIONS);
  const hours = selectedHours(params);
  const scope = { typeName: entity.name, has: (name: string) => entity.fields.includes(name) };
  const select = options.has('$select') ? parseSelect(options.get('$select') ?? '', scope) : undefined;
  const orderBy: OrderTerm[] = options.has('$orderby')
    ? parseOrderBy(options.get('$orderby') ?? '', scope)
    : [];
  const top = options.has('$top')
    ? parseNonNegativeInteger('$top', options.get('$top') ?? '')
    : CASODATA_MAX_TOP;
  if (top > CASODATA_MAX_TOP) {
    throw badRequest(
      `The limit of '${CASODATA_MAX_TOP}' for Top query has been exceeded. The value from the incoming request is '${top}'.`,
    );
  }
  const skip = options.has('$skip') ? parseNonNegativeInteger('$skip', options.get('$skip') ?? '') : 0;

  let page: Row[] = [];
  if (orderBy.length === 0) {
    let toSkip = skip;
    for (const hour of hours) {
      if (page.length >= top) break;
      for (const row of hourRows(world, entity, hour, now, budget, late)) {
        if (toSkip > 0) {
          toSkip--;
          continue;
        }
        if (page.length >= top) break;
        page.push(row);
      }
    }
  } else {
    const terms = [...orderBy, { property: entity.key, descending: false }];
    const all = hours.flatMap((hour) => hourRows(world, entity, hour, now, budget, late));
    const keyed = all.map((row) => ({ row, tuple: terms.map((t) => row[t.property] ?? null) }));
    keyed.sort((a, b) => compareTuples(a.tuple, b.tuple, terms));
    page = keyed.slice(skip, skip + top).map((entry) => entry.row);
  }
  return { value: page.map((row) => toWire(entity, row, select)) };
}
