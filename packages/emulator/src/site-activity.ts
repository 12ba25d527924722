/**
 * What happened on the site in each UTC hour, derived from the session timelines and the machine faults:
 * the aggregates the summary tables publish (sessions per delivery group and machine, application
 * instances, logons, reconnects, failures) and the sessions each machine's 5-minute resource samples see.
 *
 * An hour reads the timelines of the creation hours that can overlap it (SESSION_MAX_LIFETIME_MS back); a
 * day is the roll-up of its 24 hours. Both are memoised per world (a bounded number of each), so the rows
 * of one slot in every summary table cost one pass over those timelines.
 */

import { LRUCache } from 'lru-cache';
import { machineFailures } from './hourly-tables.ts';
import { hashOf } from './random.ts';
import {
  applicationInstanceTimes,
  SESSION_MAX_LIFETIME_MS,
  sessionDetail,
  sessionsInHour,
  sessionTimeline,
  type World,
} from './session-model.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from './time.ts';

/** Machines report a resource sample every 5 minutes (at a per-machine offset) while powered on. */
export const RESOURCE_SAMPLE_INTERVAL_MS = 5 * MINUTE_MS;
export const SAMPLES_PER_HOUR = HOUR_MS / RESOURCE_SAMPLE_INTERVAL_MS;
/** FailureLogSummary.FailureCategory: 1 Connection (failed launches), 2 Machine (machine faults). */
export const FailureCategory = { Connection: 1, Machine: 2 } as const;
/** An application instance summary's member: application index × this + delivery group index. */
export const APPLICATION_MEMBER_STRIDE = 10;

/** Hours before a slot whose sessions can still run in it: sessions last less than 8 h. */
const LOOKBACK_HOURS = Math.ceil(SESSION_MAX_LIFETIME_MS / HOUR_MS);
/** Slots whose aggregates are kept (here and in resource-tables.ts): more than any query window spans. */
export const HOURS_MEMOISED = 200;
export const DAYS_MEMOISED = 16;

/** Intervals (sessions, application instances) of one member seen over a slot. */
export interface UsageStats {
  /** Most intervals running at once within the slot. */
  peak: number;
  /** Their running time inside the slot, summed (ms). */
  usageMs: number;
  /** Intervals that started in the slot. */
  launches: number;
  /** Intervals already running when the slot began. */
  starting: number;
}

/**
 * The logon phases LogOnSummaries totals (Citrix's OpenAPI: a duration and a count per phase), as the
 * Connections rows of the emulator time them. VM start never happens here (machines are always on).
 */
export const LOGON_PHASES = [
  'Brokering',
  'VMStart',
  'Hdx',
  'Authentication',
  'Gpo',
  'LogOnScripts',
  'ProfileLoad',
  'Interactive',
] as const;
export type LogOnPhase = (typeof LOGON_PHASES)[number];

/** Each phase's total duration (ms) over the logons counted. */
export type LogOnPhases = Record<LogOnPhase, number>;

const noPhases = (): LogOnPhases =>
  Object.fromEntries(LOGON_PHASES.map((phase) => [phase, 0])) as LogOnPhases;

/** A session's logon phases, as its initial Connection row shows them. */
function phasesOf(detail: ReturnType<typeof sessionDetail>): LogOnPhases {
  return {
    Brokering: detail.brokeringMs,
    VMStart: 0,
    Hdx: detail.authenticationMs,
    Authentication: detail.authenticationMs,
    Gpo: detail.gpoMs,
    LogOnScripts: detail.scriptsMs,
    ProfileLoad: detail.profileMs,
    Interactive: detail.interactiveMs,
  };
}

export interface GroupActivity {
  /** The group's sessions from start to end (failed launches excluded). */
  sessions: UsageStats;
  /** Most sessions connected (active) at once, and most disconnected at once. */
  peakConnected: number;
  peakDisconnected: number;
  /** Logons of the sessions that started in the slot (failed launches excluded), and their total (ms). */
  logOnCount: number;
  logOnMs: number;
  /** Those logons' phases, totalled. */
  logOnPhases: LogOnPhases;
  /** Sessions whose connection came back in the slot: one SessionAutoReconnects event each. */
  reconnects: number;
}

export interface MachineActivity {
  sessions: UsageStats;
  logOnCount: number;
  logOnMs: number;
}

export interface FailureCount {
  group: number;
  category: number;
  /** ConnectionFailureEnumValue (connection) or FaultState (machine). */
  code: number;
  count: number;
}

export interface SlotActivity {
  /** By delivery group index. */
  groups: readonly GroupActivity[];
  /** By machine index. */
  machines: readonly MachineActivity[];
  /** Application instances by member (application index × APPLICATION_MEMBER_STRIDE + group index). */
  applications: ReadonlyMap<number, UsageStats>;
  /** Failures of the slot (launch failures at their time, machine faults at their start); counts > 0. */
  failures: readonly FailureCount[];
}

/** Sessions on one machine at each of its sample times in an hour, and how many of them were disconnected. */
export interface MachineSamples {
  sessions: readonly number[];
  disconnected: readonly number[];
}

export interface HourActivity extends SlotActivity {
  /** By machine index. */
  samples: readonly MachineSamples[];
}

export interface SiteActivity {
  /** Hour `hour` (hours since the epoch). */
  hour(hour: number): HourActivity;
  /** Day `day` (days since the epoch): its 24 hours rolled up. */
  day(day: number): SlotActivity;
  /** Time of machine `machine`'s k-th sample (0 ≤ k < SAMPLES_PER_HOUR) in `hour`. */
  sampleTime(machine: number, hour: number, k: number): number;
}

/** Collects intervals over the slot [lo, hi) and sweeps them for the peak. */
class UsageAccumulator {
  readonly #lo: number;
  readonly #hi: number;
  /** time × 2 + 1 for a start, time × 2 for an end: numeric order puts ends first at equal times. */
  readonly #events: number[] = [];
  #usageMs = 0;
  #launches = 0;
  #starting = 0;

  constructor(lo: number, hi: number) {
    this.#lo = lo;
    this.#hi = hi;
  }

  add(from: number, to: number): void {
    if (from >= this.#hi || to <= this.#lo) return;
    if (from >= this.#lo) this.#launches++;
    else this.#starting++;
    this.#usageMs += Math.min(to, this.#hi) - Math.max(from, this.#lo);
    this.#events.push(Math.max(from, this.#lo) * 2 + 1);
    if (to < this.#hi) this.#events.push(to * 2);
  }

  stats(): UsageStats {
    this.#events.sort((a, b) => a - b);
    let running = 0;
    let peak = 0;
    for (const event of this.#events) {
      running += event % 2 === 1 ? 1 : -1;
      if (running > peak) peak = running;
    }
    return { peak, usageMs: this.#usageMs, launches: this.#launches, starting: this.#starting };
  }
}

const EMPTY_USAGE: UsageStats = { peak: 0, usageMs: 0, launches: 0, starting: 0 };

/** Rolls consecutive slots up into one: peaks are maxima, counts and durations sums. */
function rollUpUsage(slots: readonly (UsageStats | undefined)[]): UsageStats {
  let peak = 0;
  let usageMs = 0;
  let launches = 0;
  for (const s of slots) {
    if (!s) continue;
    peak = Math.max(peak, s.peak);
    usageMs += s.usageMs;
    launches += s.launches;
  }
  return { peak, usageMs, launches, starting: slots[0]?.starting ?? 0 };
}

function failureKey(group: number, category: number, code: number): number {
  return (group * 10 + category) * 100_000 + code;
}

function failureList(counts: ReadonlyMap<number, number>): FailureCount[] {
  return [...counts]
    .sort(([a], [b]) => a - b)
    .map(([key, count]) => ({
      group: Math.floor(key / 1_000_000),
      category: Math.floor(key / 100_000) % 10,
      code: key % 100_000,
      count,
    }));
}

function clampSample(k: number): number {
  return Math.max(0, Math.min(SAMPLES_PER_HOUR, k));
}

export function createSiteActivity(world: World): SiteActivity {
  const { machines, desktopGroups, applicationById } = world.population;
  const failureOf = machineFailures(world);
  const sampleOffsets = machines.map(
    (m) => (hashOf(world.seed, 'resource-sample-offset', m.index) % 300) * SECOND_MS,
  );
  const sampleTime = (machine: number, hour: number, k: number) =>
    hour * HOUR_MS + (sampleOffsets[machine] ?? 0) + k * RESOURCE_SAMPLE_INTERVAL_MS;

  const computeHour = (hour: number): HourActivity => {
    const lo = hour * HOUR_MS;
    const hi = lo + HOUR_MS;
    const usage = () => new UsageAccumulator(lo, hi);
    const groupSessions = desktopGroups.map(usage);
    const connected = desktopGroups.map(usage);
    const disconnected = desktopGroups.map(usage);
    const groupLogOns = desktopGroups.map(() => ({ count: 0, ms: 0, reconnects: 0, phases: noPhases() }));
    const machineSessions = machines.map(usage);
    const machineLogOns = machines.map(() => ({ count: 0, ms: 0 }));
    const samples = machines.map(() => ({
      sessions: new Array<number>(SAMPLES_PER_HOUR).fill(0),
      disconnected: new Array<number>(SAMPLES_PER_HOUR).fill(0),
    }));
    const applications = new Map<number, UsageAccumulator>();
    const failures = new Map<number, number>();
    const fail = (group: number, category: number, code: number) => {
      const key = failureKey(group, category, code);
      failures.set(key, (failures.get(key) ?? 0) + 1);
    };

    for (let created = hour - LOOKBACK_HOURS; created <= hour; created++) {
      const count = sessionsInHour(world, created);
      for (let index = 0; index < count; index++) {
        const t = sessionTimeline(world, created, index);
        const machine = machines[t.machineIndex];
        if (!machine) continue;
        const g = machine.desktopGroup.index;
        if (t.failed) {
          if (t.end >= lo && t.end < hi)
            fail(g, FailureCategory.Connection, sessionDetail(world, t).failureEnum);
          continue;
        }
        if (t.start >= hi || t.end <= lo) continue;
        const m = machine.index;
        const activeAt = t.activeAt ?? t.start;
        const resumeAt = t.reconnectAt ?? t.end;
        groupSessions[g]?.add(t.start, t.end);
        machineSessions[m]?.add(t.start, t.end);
        if (t.disconnectAt === null) {
          connected[g]?.add(activeAt, t.end);
        } else {
          connected[g]?.add(activeAt, t.disconnectAt);
          disconnected[g]?.add(t.disconnectAt, resumeAt);
          if (t.reconnectAt !== null) connected[g]?.add(t.reconnectAt, t.end);
        }
        const groupLogOn = groupLogOns[g];
        const machineLogOn = machineLogOns[m];
        if (t.start >= lo && groupLogOn && machineLogOn) {
          groupLogOn.count++;
          groupLogOn.ms += t.logOnMs;
          const phases = phasesOf(sessionDetail(world, t));
          for (const phase of LOGON_PHASES) groupLogOn.phases[phase] += phases[phase];
          machineLogOn.count++;
          machineLogOn.ms += t.logOnMs;
        }
        if (groupLogOn && t.reconnectAt !== null && t.reconnectAt >= lo && t.reconnectAt < hi)
          groupLogOn.reconnects++;
        const counts = samples[m];
        if (counts) {
          const first = sampleTime(m, hour, 0);
          const at = (time: number) => clampSample(Math.ceil((time - first) / RESOURCE_SAMPLE_INTERVAL_MS));
          for (let k = at(t.start); k < at(t.end); k++) counts.sessions[k] = (counts.sessions[k] ?? 0) + 1;
          if (t.disconnectAt !== null) {
            for (let k = at(t.disconnectAt); k < at(resumeAt); k++)
              counts.disconnected[k] = (counts.disconnected[k] ?? 0) + 1;
          }
        }
        if (machine.desktopGroup.sessionType === 1) {
          sessionDetail(world, t).applicationIds.forEach((id, k) => {
            const app = applicationById.get(id);
            if (!app) return;
            const member = app.index * APPLICATION_MEMBER_STRIDE + g;
            let instances = applications.get(member);
            if (!instances) {
              instances = usage();
              applications.set(member, instances);
            }
            const [from = t.start, to = t.end] = applicationInstanceTimes(t, k);
            instances.add(from, to);
          });
        }
      }
    }
    for (const machine of machines) {
      const failure = failureOf(hour, machine.index);
      if (failure) fail(machine.desktopGroup.index, FailureCategory.Machine, failure.faultState);
    }

    const appStats = new Map<number, UsageStats>();
    for (const [member, instances] of [...applications].sort(([a], [b]) => a - b)) {
      const stats = instances.stats();
      if (stats.usageMs > 0) appStats.set(member, stats);
    }
    return {
      groups: desktopGroups.map((_, g) => ({
        sessions: groupSessions[g]?.stats() ?? EMPTY_USAGE,
        peakConnected: connected[g]?.stats().peak ?? 0,
        peakDisconnected: disconnected[g]?.stats().peak ?? 0,
        logOnCount: groupLogOns[g]?.count ?? 0,
        logOnMs: groupLogOns[g]?.ms ?? 0,
        logOnPhases: groupLogOns[g]?.phases ?? noPhases(),
        reconnects: groupLogOns[g]?.reconnects ?? 0,
      })),
      machines: machines.map((_, m) => ({
        sessions: machineSessions[m]?.stats() ?? EMPTY_USAGE,
        logOnCount: machineLogOns[m]?.count ?? 0,
        logOnMs: machineLogOns[m]?.ms ?? 0,
      })),
      applications: appStats,
      failures: failureList(failures),
      samples,
    };
  };

  const hours = new LRUCache<number, HourActivity>({ max: HOURS_MEMOISED, memoMethod: computeHour });

  const computeDay = (day: number): SlotActivity => {
    const slots = Array.from({ length: DAY_MS / HOUR_MS }, (_, i) => hours.memo(day * 24 + i));
    const applications = new Map<number, UsageStats>();
    const members = new Set(slots.flatMap((s) => [...s.applications.keys()]));
    for (const member of [...members].sort((a, b) => a - b)) {
      applications.set(member, rollUpUsage(slots.map((s) => s.applications.get(member) ?? EMPTY_USAGE)));
    }
    const failures = new Map<number, number>();
    for (const slot of slots) {
      for (const f of slot.failures) {
        const key = failureKey(f.group, f.category, f.code);
        failures.set(key, (failures.get(key) ?? 0) + f.count);
      }
    }
    const sum = <T>(items: readonly T[], value: (item: T) => number) =>
      items.reduce((total, item) => total + value(item), 0);
    return {
      groups: desktopGroups.map((_, g) => {
        const of = slots.map((s) => s.groups[g]).filter((x): x is GroupActivity => x !== undefined);
        return {
          sessions: rollUpUsage(of.map((x) => x.sessions)),
          peakConnected: Math.max(0, ...of.map((x) => x.peakConnected)),
          peakDisconnected: Math.max(0, ...of.map((x) => x.peakDisconnected)),
          logOnCount: sum(of, (x) => x.logOnCount),
          logOnMs: sum(of, (x) => x.logOnMs),
          logOnPhases: Object.fromEntries(
            LOGON_PHASES.map((phase) => [phase, sum(of, (x) => x.logOnPhases[phase])]),
          ) as LogOnPhases,
          reconnects: sum(of, (x) => x.reconnects),
        };
      }),
      machines: machines.map((_, m) => {
        const of = slots.map((s) => s.machines[m]).filter((x): x is MachineActivity => x !== undefined);
        return {
          sessions: rollUpUsage(of.map((x) => x.sessions)),
          logOnCount: sum(of, (x) => x.logOnCount),
          logOnMs: sum(of, (x) => x.logOnMs),
        };
      }),
      applications,
      failures: failureList(failures),
    };
  };
  const days = new LRUCache<number, SlotActivity>({ max: DAYS_MEMOISED, memoMethod: computeDay });

  return { hour: (hour) => hours.memo(hour), day: (day) => days.memo(day), sampleTime };
}
