/**
 * Machine resource tables, from the sessions each machine hosts (site-activity.ts):
 *
 * - ResourceUtilization: a raw CPU/memory sample of each machine every 5 minutes (at a per-machine offset)
 *   while it is powered on, key (MachineId, CollectedDate), insert-only, uploaded 30–90 s after CollectedDate.
 *   Multi-session servers are always on; single-session desktops are on while they host a session and
 *   during business hours (06:00–20:00 UTC), off otherwise.
 * - ResourceUtilizationSummary: per machine and slot (Granularity 60 / 1440), Avg and Peak of its samples,
 *   key (MachineId, Granularity, SummaryDate).
 * - MachineCostSavingsSummaries: per delivery group and slot, machine power states and what powering machines
 *   off saved, key (DesktopGroupId, HypervisorType, TagId, SummaryDate, Granularity), Granularity being the
 *   CostSavingsSummaryGranularity enum (0 Hour, 1 Day).
 *
 * Day rows roll up the day's hours. Per-slot machine aggregates are memoised like the session activity.
 */
import { LRUCache } from 'lru-cache';
import { entityKey, entitySetOrThrow } from './monitor-schema.ts';
import { type MachineInfo, machineSpec } from './population.ts';
import { createRng, hashOf } from './random.ts';
import { inWindow, type Row, type RowSource } from './row-source.ts';
import type { World } from './session-model.ts';
import {
  DAYS_MEMOISED,
  HOURS_MEMOISED,
  type HourActivity,
  RESOURCE_SAMPLE_INTERVAL_MS,
  SAMPLES_PER_HOUR,
  type SiteActivity,
  type SlotActivity,
} from './site-activity.ts';
import { type SummarySlot, slotActivity, summarySource } from './summary-tables.ts';
import { DAY_MS, HOUR_MS, hourIndex, MINUTE_MS, SECOND_MS } from './time.ts';

const BUSINESS_HOURS_UTC = [6, 20] as const;
const SAMPLE_MINUTES = RESOURCE_SAMPLE_INTERVAL_MS / MINUTE_MS;
/** MachineCostSavingsSummary.HypervisorType of the site's one hosting connection (8 VSphere). */
const HYPERVISOR_TYPE_VSPHERE = 8;
/** MachineCostSavingsSummary.TagId of machines without an Autoscale tag. */
const NO_AUTOSCALE_TAG = 0;
/** CostType 2 ConfiguredCostFromStudio, CurrencyType 1 USD. */
const COST_TYPE_CONFIGURED = 2;
const CURRENCY_USD = 1;
/** Samples below this CPU count as idle time. */
const IDLE_CPU_PERCENT = 5;

export interface ResourceSample {
  collected: number;
  /** When the sample was uploaded: CreatedDate = ModifiedDate. */
  created: number;
  sessions: number;
  percentCpu: number;
  usedMemory: number;
  totalMemory: number;
  /** Mean ICA round trip of the machine's connected sessions; null without one. */
  icaRttMs: number | null;
}

/** A machine's samples over a slot, summed. */
export interface MachineUsage {
  /** Sample times at which the machine was on (a sample was taken), and off (it existed, no sample). */
  onSamples: number;
  offSamples: number;
  withoutSessions: number;
  /** On, with sessions, all of them disconnected. */
  disconnectedOnly: number;
  idle: number;
  cpuSum: number;
  cpuPeak: number;
  usedSum: number;
  usedPeak: number;
  totalSum: number;
  icaSum: number;
  icaCount: number;
  /** Off → on and on → off between consecutive samples of the slot. */
  scaleOut: number;
  scaleIn: number;
  /** State at the slot's last sample: 'off', 'idle' (on without sessions), 'busy', or null before creation. */
  last: 'off' | 'idle' | 'busy' | null;
}

/** The machines' usage in a slot, with the session activity it came from. */
export interface ResourceSlot {
  machines: readonly MachineUsage[];
  activity: SlotActivity;
}

export interface ResourceUsage {
  /** Machine `machine`'s k-th sample of `hour`, or undefined when it was off or did not exist. */
  sample(machine: number, hour: number, k: number): ResourceSample | undefined;
  slot(slot: SummarySlot): ResourceSlot;
}

function isPoweredOn(machine: MachineInfo, collected: number, sessions: number): boolean {
  if (machine.desktopGroup.sessionType === 1 || sessions > 0) return true;
  const hourOfDay = new Date(collected).getUTCHours();
  return hourOfDay >= BUSINESS_HOURS_UTC[0] && hourOfDay < BUSINESS_HOURS_UTC[1];
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function emptyUsage(): MachineUsage {
  return {
    onSamples: 0,
    offSamples: 0,
    withoutSessions: 0,
    disconnectedOnly: 0,
    idle: 0,
    cpuSum: 0,
    cpuPeak: 0,
    usedSum: 0,
    usedPeak: 0,
    totalSum: 0,
    icaSum: 0,
    icaCount: 0,
    scaleOut: 0,
    scaleIn: 0,
    last: null,
  };
}

export function createResourceUsage(world: World, activity: SiteActivity): ResourceUsage {
  const { machines } = world.population;

  const sampleOf = (hourly: HourActivity, m: number, hour: number, k: number): ResourceSample | undefined => {
    const machine = machines[m];
    const counts = hourly.samples[m];
    if (!machine || !counts) return undefined;
    const collected = activity.sampleTime(m, hour, k);
    const sessions = counts.sessions[k] ?? 0;
    if (collected < machine.createdMs || !isPoweredOn(machine, collected, sessions)) return undefined;
    const disconnected = counts.disconnected[k] ?? 0;
    const spec = machineSpec(machine.desktopGroup);
    const rng = createRng(hashOf(world.seed, 'resource-sample', m, collected));
    const connected = sessions - disconnected;
    const load = Math.min(1, (connected + 0.25 * disconnected) / spec.sessionCapacity);
    const percentCpu = round(Math.min(99.9, 1.5 + 70 * load + 8 * rng.next()), 2);
    const memoryShare = Math.min(0.95, 0.22 + 0.6 * load + 0.05 * rng.next());
    const rtt = Math.round(25 + 90 * rng.next());
    return {
      collected,
      created: collected + 30 * SECOND_MS + rng.int(0, 60) * SECOND_MS,
      sessions,
      percentCpu,
      usedMemory: Math.round(spec.totalMemoryBytes * memoryShare),
      totalMemory: spec.totalMemoryBytes,
      icaRttMs: connected > 0 ? rtt : null,
    };
  };

  const computeHour = (hour: number): MachineUsage[] => {
    const hourly = activity.hour(hour);
    return machines.map((machine, m) => {
      const usage = emptyUsage();
      for (let k = 0; k < SAMPLES_PER_HOUR; k++) {
        if (activity.sampleTime(m, hour, k) < machine.createdMs) continue;
        const sample = sampleOf(hourly, m, hour, k);
        const state = !sample ? 'off' : sample.sessions > 0 ? 'busy' : 'idle';
        if (usage.last === 'off' && state !== 'off') usage.scaleOut++;
        if (usage.last !== null && usage.last !== 'off' && state === 'off') usage.scaleIn++;
        usage.last = state;
        if (!sample) {
          usage.offSamples++;
          continue;
        }
        const disconnected = hourly.samples[m]?.disconnected[k] ?? 0;
        usage.onSamples++;
        if (sample.sessions === 0) usage.withoutSessions++;
        else if (disconnected === sample.sessions) usage.disconnectedOnly++;
        if (sample.percentCpu < IDLE_CPU_PERCENT) usage.idle++;
        usage.cpuSum += sample.percentCpu;
        usage.cpuPeak = Math.max(usage.cpuPeak, sample.percentCpu);
        usage.usedSum += sample.usedMemory;
        usage.usedPeak = Math.max(usage.usedPeak, sample.usedMemory);
        usage.totalSum += sample.totalMemory;
        if (sample.icaRttMs !== null) {
          usage.icaSum += sample.icaRttMs;
          usage.icaCount++;
        }
      }
      return usage;
    });
  };
  const hours = new LRUCache<number, MachineUsage[]>({ max: HOURS_MEMOISED, memoMethod: computeHour });

  const computeDay = (day: number): MachineUsage[] => {
    const slots = Array.from({ length: DAY_MS / HOUR_MS }, (_, i) => hours.memo(day * 24 + i));
    return machines.map((_, m) => {
      const total = emptyUsage();
      for (const slot of slots) {
        const u = slot[m];
        if (!u) continue;
        total.onSamples += u.onSamples;
        total.offSamples += u.offSamples;
        total.withoutSessions += u.withoutSessions;
        total.disconnectedOnly += u.disconnectedOnly;
        total.idle += u.idle;
        total.cpuSum += u.cpuSum;
        total.cpuPeak = Math.max(total.cpuPeak, u.cpuPeak);
        total.usedSum += u.usedSum;
        total.usedPeak = Math.max(total.usedPeak, u.usedPeak);
        total.totalSum += u.totalSum;
        total.icaSum += u.icaSum;
        total.icaCount += u.icaCount;
        total.scaleOut += u.scaleOut;
        total.scaleIn += u.scaleIn;
        total.last = u.last ?? total.last;
      }
      return total;
    });
  };
  const days = new LRUCache<number, MachineUsage[]>({ max: DAYS_MEMOISED, memoMethod: computeDay });

  return {
    sample: (m, hour, k) => sampleOf(activity.hour(hour), m, hour, k),
    slot: (slot) => ({
      machines: slot.code === 0 ? hours.memo(slot.hour) : days.memo(slot.hour / 24),
      activity: slotActivity(activity, slot),
    }),
  };
}

/** ResourceUtilization: candidates (hour, machine index, sample number). */
export function resourceUtilizationSource(
  world: World,
  usage: ResourceUsage,
  activity: SiteActivity,
): RowSource {
  const def = entitySetOrThrow('ResourceUtilization');
  const { machines } = world.population;
  return {
    sliceMs: HOUR_MS,
    settlesAfterMs: 2 * MINUTE_MS,
    scan(lo, hi, now, budget, into) {
      const last = hourIndex(Math.min(hi, now + 1) - 1);
      for (let hour = hourIndex(lo); hour <= last; hour++) {
        for (const machine of machines) {
          for (let k = 0; k < SAMPLES_PER_HOUR; k++) {
            if (!inWindow(activity.sampleTime(machine.index, hour, k), lo, hi)) continue;
            const sample = usage.sample(machine.index, hour, k);
            if (!sample) continue;
            budget.consume(1);
            if (sample.created <= now) into.add(sample.collected, hour, machine.index, k);
          }
        }
      }
    },
    key: (hour, m, k) =>
      entityKey(def, { MachineId: machines[m]?.id, CollectedDate: activity.sampleTime(m, hour, k) }),
    cursorAt(hour, m, k, at) {
      const sample = usage.sample(m, hour, k);
      return sample && sample.created <= at ? sample.collected : undefined;
    },
    build(hour, m, k) {
      const sample = usage.sample(m, hour, k);
      const machine = machines[m];
      if (!sample || !machine) throw new Error(`ResourceUtilization: no sample ${hour}/${m}/${k}`);
      return {
        MachineId: machine.id,
        CollectedDate: sample.collected,
        PercentCpu: sample.percentCpu,
        UsedMemory: sample.usedMemory,
        TotalMemory: sample.totalMemory,
        SessionCount: sample.sessions,
        CreatedDate: sample.created,
        ModifiedDate: sample.created,
        DesktopGroupId: machine.desktopGroup.id,
        AvgIcaRttInMs: sample.icaRttMs,
      };
    },
  };
}

/** ResourceUtilizationSummary: per machine existing in the slot. */
export function resourceUtilizationSummarySource(world: World, usage: ResourceUsage): RowSource {
  const def = entitySetOrThrow('ResourceUtilizationSummary');
  const { machines } = world.population;
  return summarySource<ResourceSlot>({
    data: (slot) => usage.slot(slot),
    members: (slot) => machines.filter((m) => m.createdMs < slot.end).map((m) => m.index),
    identity: {
      key: (slot, m) =>
        String(
          entityKey(def, { MachineId: machines[m]?.id, Granularity: slot.minutes, SummaryDate: slot.start }),
        ),
    },
    dated: true,
    columns(_slot, m, data) {
      const u = data.machines[m] ?? emptyUsage();
      const sessions = data.activity.machines[m];
      const on = u.onSamples;
      const mean = (sum: number, digits: number) => (on > 0 ? round(sum / on, digits) : null);
      return {
        MachineId: machines[m]?.id ?? null,
        DesktopGroupId: machines[m]?.desktopGroup.id ?? null,
        AvgPercentCpu: mean(u.cpuSum, 2),
        PeakPercentCpu: on > 0 ? u.cpuPeak : null,
        AvgUsedMemory: mean(u.usedSum, 0),
        PeakUsedMemory: on > 0 ? u.usedPeak : null,
        AvgTotalMemory: mean(u.totalSum, 0),
        TotalSessionCount: (sessions?.sessions.starting ?? 0) + (sessions?.sessions.launches ?? 0),
        AvgIcaRttInMs: u.icaCount > 0 ? Math.round(u.icaSum / u.icaCount) : null,
        AvgLogOnDurationInMs:
          sessions && sessions.logOnCount > 0 ? Math.round(sessions.logOnMs / sessions.logOnCount) : null,
        UptimeInMinutes: on * SAMPLE_MINUTES,
        UpTimeWithoutSessionInMinutes: u.withoutSessions * SAMPLE_MINUTES,
        DisconnectTimeInMinutes: u.disconnectedOnly * SAMPLE_MINUTES,
        IdleTimeInMinutes: u.idle * SAMPLE_MINUTES,
      };
    },
  });
}

/**
 * MachineCostSavingsSummaries: per delivery group (hypervisor type VSphere, no Autoscale tag), machine counts
 * by power state at the slot's last sample, power actions between samples, and costs: compute is paid while
 * a machine is on, storage always; what powering machines off saved is the compute of their off time.
 */
export function machineCostSavingsSummariesSource(world: World, usage: ResourceUsage): RowSource {
  const def = entitySetOrThrow('MachineCostSavingsSummaries');
  const { desktopGroups, machines } = world.population;
  const all = desktopGroups.map((g) => g.index);
  const costKey = (slot: SummarySlot, g: number): Row => ({
    DesktopGroupId: desktopGroups[g]?.id,
    HypervisorType: HYPERVISOR_TYPE_VSPHERE,
    TagId: NO_AUTOSCALE_TAG,
    SummaryDate: slot.start,
    Granularity: slot.code,
  });
  return summarySource<ResourceSlot>({
    data: (slot) => usage.slot(slot),
    members: () => all,
    identity: { key: (slot, g) => String(entityKey(def, costKey(slot, g))) },
    dated: false,
    granularity: (slot) => slot.code,
    columns(slot, g, data) {
      const group = desktopGroups[g];
      const spec = group ? machineSpec(group) : undefined;
      const compute = spec?.computePerHour ?? 0;
      const storage = spec?.storagePerHour ?? 0;
      const members = machines.filter((m) => m.desktopGroup.index === g && m.createdMs < slot.end);
      const usages = members.map((m) => data.machines[m.index] ?? emptyUsage());
      const count = (test: (u: MachineUsage) => boolean) => usages.filter(test).length;
      const sum = (value: (u: MachineUsage) => number) => usages.reduce((total, u) => total + value(u), 0);
      const onHours = (sum((u) => u.onSamples) * SAMPLE_MINUTES) / 60;
      const offHours = (sum((u) => u.offSamples) * SAMPLE_MINUTES) / 60;
      const computeCost = round(onHours * compute, 4);
      const storageCost = round((onHours + offHours) * storage, 4);
      const saved = round(offHours * compute, 4);
      const sessions = data.activity.groups[g];
      return {
        ...costKey(slot, g),
        TotalMachinesCount: members.length,
        PowerManagedMachinesOff: count((u) => u.last === 'off'),
        PowerManagedMachinesInHibernate: 0,
        PowerManagedMachinesOnWithSessions: count((u) => u.last === 'busy'),
        PowerManagedMachinesOnWithoutSessions: count((u) => u.last === 'idle'),
        PowerManagedMachineMinutesTurnedOff: sum((u) => u.offSamples) * SAMPLE_MINUTES,
        TotalScaleInActions: sum((u) => u.scaleIn),
        TotalHibernateActions: 0,
        TotalScaleOutActions: sum((u) => u.scaleOut),
        TotalPeakConcurrentSessions: sessions?.sessions.peak ?? 0,
        AverageLogonDurationInSec:
          sessions && sessions.logOnCount > 0 ? Math.round(sessions.logOnMs / sessions.logOnCount / 1000) : 0,
        AveragePowerManagedMachinesCount: Math.round(
          sum((u) => u.onSamples) / (slot.minutes / SAMPLE_MINUTES),
        ),
        AverageMachineCostPerHour: spec?.costPerHour ?? 0,
        CostType: COST_TYPE_CONFIGURED,
        CurrencyType: CURRENCY_USD,
        TotalAmountSaved: saved,
        TotalCostIfNoPowerManagement: round(computeCost + storageCost + saved, 4),
        TotalAutoscaleComputeSavings: saved,
        TotalAutoscaleStorageSavings: 0,
        TotalEndUserComputeSavings: 0,
        TotalEndUserStorageSavings: 0,
        AverageComputeCostPerHour: compute,
        AverageStorageCostPerHour: storage,
        TotalComputeCost: computeCost,
        TotalStorageCost: storageCost,
        PowerManagedMachinesFailedWithoutSessions: 0,
        PowerManagedMachinesUnregisteredWithSessions: 0,
      };
    },
  });
}
