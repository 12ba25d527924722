/**
 * The life of every session, shared by Monitor (Sessions, Connections, ApplicationInstances, SessionMetrics,
 * ConnectionFailureLogs, LogOnMetrics, SessionMetricsLatest, and through site-activity.ts the summaries and
 * resource samples) and casodata (sessions, users).
 *
 * Exactly `sessionsPerHour` sessions start in each UTC hour. Session `index` of hour `hour` is a pure function
 * of (seed, hour, index): a cheap timeline (start, logon, disconnect/reconnect, end) drawn first, and the
 * descriptive details (key, client, scores) drawn from a second stream only when a record is materialised.
 * Every event of a session happens within SESSION_MAX_LIFETIME_MS of its start.
 */

import { LRUCache } from 'lru-cache';
import { type PlantedSessionSpec, plantedSessionKey, type ScenarioPlan } from './planted-scenarios.ts';
import type { Population } from './population.ts';
import { createRng, hashOf, mix } from './random.ts';
import { CITIES, CLIENT_ISPS, CLIENT_PLATFORMS, CLIENT_VERSIONS, DNS_SUFFIX } from './reference-names.ts';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from './time.ts';

export const SESSION_MAX_LIFETIME_MS = 8 * HOUR_MS;
/** Numeric ids of per-session rows are `hour * ID_HOUR_STRIDE + index * slots + k`. */
export const ID_HOUR_STRIDE = 100_000_000;
export const MAX_SESSIONS_PER_HOUR = 1_000_000;

/** Monitor ConnectionState values used by the emulator. */
export const ConnectionState = {
  Connected: 1,
  Disconnected: 2,
  Terminated: 3,
  PreparingSession: 4,
  Active: 5,
} as const;

export interface World {
  seed: number;
  sessionsPerHour: number;
  population: Population;
  /** Precomputed hash bases for the hot paths. */
  timelineBase: number;
  keyBase: number;
  detailBase: number;
  /**
   * Where each session whose detail was made lately comes from, by its SessionKey (a random GUID, so it
   * cannot be decoded): how `$expand=Session` finds the session of a row served just before. Bounded.
   */
  recentSessions: LRUCache<string, { hour: number; index: number }>;
  /** The planted detection scenarios (option `scenarios`), or null. */
  planted: ScenarioPlan | null;
}

export interface SessionTimeline {
  hour: number;
  index: number;
  start: number;
  logOnMs: number;
  machineIndex: number;
  userIndex: number;
  /** The launch failed: the session ended at `end` without ever becoming active. */
  failed: boolean;
  /** Start of the active state (start + logon), null for failed launches. */
  activeAt: number | null;
  disconnectAt: number | null;
  reconnectAt: number | null;
  /** EndDate (logoff) or, for failed launches, the failure time. */
  end: number;
}

export type SessionPhase = 'preparing' | 'active' | 'disconnected' | 'reconnected' | 'ended' | 'failed';

export interface SessionState {
  phase: SessionPhase;
  /** When the session entered this phase: the current ModifiedDate / ConnectionStateChangeDate. */
  since: number;
}

/** Sessions remembered by key for `$expand=Session`: far more than the rows of a page. */
const RECENT_SESSIONS = 100_000;

export function createWorld(
  seed: number,
  sessionsPerHour: number,
  population: Population,
  planted: ScenarioPlan | null = null,
): World {
  return {
    seed,
    sessionsPerHour: Math.max(0, Math.min(MAX_SESSIONS_PER_HOUR, Math.floor(sessionsPerHour))),
    population,
    timelineBase: hashOf(seed, 'session-timeline'),
    keyBase: hashOf(seed, 'session-key'),
    detailBase: hashOf(seed, 'session-detail'),
    recentSessions: new LRUCache({ max: RECENT_SESSIONS }),
    planted,
  };
}

/**
 * How many sessions start in `hour`: `sessionsPerHour`, plus the planted scenarios' sessions of that hour
 * (indexes from `sessionsPerHour` on).
 */
export function sessionsInHour(world: World, hour: number): number {
  return world.sessionsPerHour + (world.planted?.sessionsByHour.get(hour)?.length ?? 0);
}

/** The planted session at `index` of `hour`, when `index` is beyond the generated ones. */
function plantedSession(world: World, hour: number, index: number): PlantedSessionSpec | undefined {
  if (index < world.sessionsPerHour) return undefined;
  return world.planted?.sessionsByHour.get(hour)?.[index - world.sessionsPerHour];
}

function plantedTimeline(hour: number, index: number, spec: PlantedSessionSpec): SessionTimeline {
  return {
    hour,
    index,
    start: spec.start,
    logOnMs: spec.logOnMs,
    machineIndex: spec.machineIndex,
    userIndex: spec.userIndex,
    failed: spec.failed,
    activeAt: spec.failed ? null : spec.start + spec.logOnMs,
    disconnectAt: null,
    reconnectAt: null,
    end: spec.end,
  };
}

/** The cheap part of a session: its timeline. Hot path (millions of calls), hence the inline PRNG. */
export function sessionTimeline(world: World, hour: number, index: number): SessionTimeline {
  if (index >= world.sessionsPerHour) {
    const spec = plantedSession(world, hour, index);
    if (spec) return plantedTimeline(hour, index, spec);
  }
  let state = mix(mix(world.timelineBase, hour), index);
  // mulberry32, inlined to avoid allocating a PRNG object per session.
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let r = state;
    r = Math.imul(r ^ (r >>> 15), r | 1);
    r ^= r + Math.imul(r ^ (r >>> 7), r | 61);
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
  const start = hour * HOUR_MS + Math.floor(next() * HOUR_MS);
  const machineIndex = Math.floor(next() * world.population.machines.length);
  const userIndex = Math.floor(next() * world.population.users.length);
  const logOnMs = 4 * SECOND_MS + Math.floor(next() ** 2 * 56 * SECOND_MS);
  const t: SessionTimeline = {
    hour,
    index,
    start,
    logOnMs,
    machineIndex,
    userIndex,
    failed: false,
    activeAt: null,
    disconnectAt: null,
    reconnectAt: null,
    end: start,
  };
  if (next() < 0.03) {
    t.failed = true;
    t.end = start + 1 + Math.floor(next() * logOnMs);
    return t;
  }
  const minimum = logOnMs + 5 * MINUTE_MS;
  const duration = minimum + Math.floor(next() ** 1.6 * (SESSION_MAX_LIFETIME_MS - minimum));
  const activeAt = start + logOnMs;
  t.activeAt = activeAt;
  t.end = start + duration;
  if (next() < 0.25) {
    const disconnectAt = activeAt + MINUTE_MS + Math.floor(next() * (t.end - activeAt - 2 * MINUTE_MS) * 0.6);
    t.disconnectAt = disconnectAt;
    if (next() < 0.7) {
      const candidate = disconnectAt + MINUTE_MS + Math.floor(next() * 30 * MINUTE_MS);
      if (candidate < t.end - MINUTE_MS) t.reconnectAt = candidate;
    }
  }
  return t;
}

/** The SessionKey (a GUID) of session `index` of `hour`; cheaper than the full detail. */
export function sessionKey(world: World, hour: number, index: number): string {
  const spec = plantedSession(world, hour, index);
  if (spec && world.planted) return plantedSessionKey(world.planted, spec);
  return createRng(mix(mix(world.keyBase, hour), index)).guid();
}

/** The state of a session at `now` (undefined before it starts). */
export function sessionStateAt(t: SessionTimeline, now: number): SessionState | undefined {
  if (now < t.start) return undefined;
  if (t.failed)
    return now >= t.end ? { phase: 'failed', since: t.end } : { phase: 'preparing', since: t.start };
  if (now >= t.end) return { phase: 'ended', since: t.end };
  if (t.reconnectAt !== null && now >= t.reconnectAt) return { phase: 'reconnected', since: t.reconnectAt };
  if (t.disconnectAt !== null && now >= t.disconnectAt)
    return { phase: 'disconnected', since: t.disconnectAt };
  if (t.activeAt !== null && now >= t.activeAt) return { phase: 'active', since: t.activeAt };
  return { phase: 'preparing', since: t.start };
}

export interface SessionDetail {
  key: string;
  clientName: string;
  clientAddress: string;
  clientPlatform: string;
  clientVersion: string;
  gateway: string;
  storefront: string;
  brokeringMs: number;
  authenticationMs: number;
  gpoMs: number;
  profileMs: number;
  scriptsMs: number;
  interactiveMs: number;
  /** ConnectionFailureEnumValue for failed launches. */
  failureEnum: number;
  failureLogDelayMs: number;
  /** casodata: session experience score 0..100 and round-trip time. */
  score: number;
  icaRttMs: number;
  city: string;
  country: string;
  /** 1..3 application instances for application sessions. */
  applicationIds: string[];
  /** The client's public address as the gateway sees it, and its ISP (Connections' geo columns). */
  clientPublicIp: string;
  clientIsp: string;
  /** Connections.ClientNetworkInterfaceType and WorkspaceType: enum codes (INFERRED, see monitor-model). */
  networkInterfaceType: number;
  workspaceType: number;
}

/**
 * Where a user connects from: one city, public address (TEST-NET-2, RFC 5737) and provider per user, so
 * that the generated sessions never look like a user in two places at once or travelling fast — only the
 * planted scenarios do (planted-scenarios.ts). INFERRED: most users connect from one place.
 */
function homeOf(
  world: World,
  userIndex: number,
): { city: string; country: string; publicIp: string; isp: string } {
  const hash = hashOf(world.seed, 'user-home', userIndex);
  const place = CITIES[hash % CITIES.length]!;
  return {
    city: place.city,
    country: place.country,
    publicIp: `198.51.100.${1 + (mix(hash, 1) % 254)}`,
    isp: CLIENT_ISPS[mix(hash, 2) % CLIENT_ISPS.length]!,
  };
}

/** `value`, the draw before it discarded: the draws after it keep their values. */
const afterDrawing = <T>(_drawn: unknown, value: T): T => value;

const FAILURE_ENUMS = [2, 3, 4, 4, 4, 8, 12, 13, 18, 23, 100, 101] as const;

export function sessionDetail(world: World, t: SessionTimeline): SessionDetail {
  const rng = createRng(mix(mix(world.detailBase, t.hour), t.index));
  const key = sessionKey(world, t.hour, t.index);
  world.recentSessions.set(key, { hour: t.hour, index: t.index });
  const platform = rng.pick(CLIENT_PLATFORMS);
  // Drawn so that the values after it stay as they were; a user connects from home (`homeOf`).
  rng.pick(CITIES);
  const home = homeOf(world, t.userIndex);
  const clientNumber = rng.int(1000, 9999);
  const brokeringMs = Math.min(t.logOnMs - 1000, 300 + rng.int(0, 2500));
  const rest = Math.max(0, t.logOnMs - brokeringMs);
  const apps = world.population.applications;
  const appCount = 1 + rng.int(0, 3);
  const applicationIds: string[] = [];
  for (let i = 0; i < appCount; i++) applicationIds.push(rng.pick(apps).id);
  const quality = rng.next();
  const detail: SessionDetail = {
    key,
    clientName: `${platform === 'Windows' ? 'LT' : platform.toUpperCase().slice(0, 3)}-${clientNumber}`,
    clientAddress: `192.168.${rng.int(0, 255)}.${rng.int(1, 255)}`,
    clientPlatform: platform,
    clientVersion: rng.pick(CLIENT_VERSIONS),
    gateway: `gateway.${DNS_SUFFIX}`,
    storefront: `storefront.${DNS_SUFFIX}`,
    brokeringMs,
    authenticationMs: Math.floor(rest * 0.15),
    gpoMs: Math.floor(rest * 0.25),
    profileMs: Math.floor(rest * 0.3),
    scriptsMs: Math.floor(rest * 0.1),
    interactiveMs: Math.floor(rest * 0.2),
    failureEnum: rng.pick(FAILURE_ENUMS),
    failureLogDelayMs: 500 + rng.int(0, 3000),
    score: Math.round((100 - 100 * quality ** 3) * 10) / 10,
    icaRttMs: Math.round(20 + 400 * quality ** 4),
    city: home.city,
    country: home.country,
    applicationIds,
    // Drawn last, so every value above stays as it was.
    clientPublicIp: afterDrawing(rng.int(1, 255), home.publicIp),
    clientIsp: afterDrawing(rng.pick(CLIENT_ISPS), home.isp),
    networkInterfaceType: rng.int(0, 4),
    workspaceType: rng.int(0, 2),
  };
  const spec = plantedSession(world, t.hour, t.index);
  return spec ? plantedDetail(detail, spec) : detail;
}

/** A planted session's detail: its client, logon phases and failure code over the drawn ones. */
function plantedDetail(detail: SessionDetail, spec: PlantedSessionSpec): SessionDetail {
  const client = spec.client;
  const phases = spec.phases;
  return {
    ...detail,
    ...(client
      ? {
          clientName: client.name,
          // The client's own address is its public one: no NAT between it and the gateway.
          clientAddress: client.address,
          clientPublicIp: client.address,
          clientPlatform: client.platform,
          clientVersion: client.version,
          city: client.city,
          country: client.country,
        }
      : {}),
    ...(phases ?? {}),
    ...(spec.failureEnum !== undefined ? { failureEnum: spec.failureEnum } : {}),
  };
}

/** Start and end of the k-th application instance of an application session (one every 2 minutes). */
export function applicationInstanceTimes(t: SessionTimeline, k: number): number[] {
  return [(t.activeAt ?? t.start) + k * 2 * MINUTE_MS, t.end];
}

/** Monitor id of the session's k-th connection (k = 0 initial, 1 reconnect). */
export function connectionId(t: SessionTimeline, k: number): number {
  return t.hour * ID_HOUR_STRIDE + t.index * 2 + k;
}

/** Monitor id of the ConnectionFailureLog of a failed launch (also the session's FailureId). */
export function failureLogId(t: SessionTimeline): number {
  return t.hour * ID_HOUR_STRIDE + t.index;
}
