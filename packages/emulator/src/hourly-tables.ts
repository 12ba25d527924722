/**
 * Monitor tables generated per hour and machine: MachineMetric (hourly disk metrics) and MachineFailureLogs
 * (occasional machine faults lasting up to two hours; FailureLogSummaries counts them too).
 */

import { entityKey, entitySetOrThrow } from './monitor-schema.ts';
import { createRng, hashOf, mix } from './random.ts';
import { creationHours, inWindow, latestIndex, type RowSource } from './row-source.ts';
import type { World } from './session-model.ts';
import { HOUR_MS, hourIndex, MINUTE_MS } from './time.ts';

const MACHINE_FAILURE_MAX_MS = 2 * HOUR_MS;

export function machineMetricSource(world: World): RowSource {
  const def = entitySetOrThrow('MachineMetric');
  const base = hashOf(world.seed, 'machine-metric');
  const collectedAt = (hour: number, machine: number) =>
    hour * HOUR_MS + 50 * MINUTE_MS + (mix(mix(base, hour), machine) % (10 * MINUTE_MS));
  return {
    sliceMs: HOUR_MS,
    settlesAfterMs: 0,
    scan(lo, hi, now, budget, into) {
      for (const hour of creationHours(lo, hi, now, HOUR_MS)) {
        for (const machine of world.population.machines) {
          budget.consume(1);
          const collected = collectedAt(hour, machine.index);
          if (collected <= now && inWindow(collected, lo, hi) && collected >= machine.createdMs) {
            into.add(collected, hour, machine.index);
          }
        }
      }
    },
    // Citrix's OpenAPI gives MachineMetric no Id: a row is a machine's sample at its collection time.
    key: (hour, machine) =>
      entityKey(def, {
        MachineId: world.population.machines[machine]?.id,
        CollectedDate: collectedAt(hour, machine),
      }),
    cursorAt(hour, machine, _c, at) {
      const collected = collectedAt(hour, machine);
      return collected <= at ? collected : undefined;
    },
    build(hour, index) {
      const rng = createRng(hashOf(world.seed, 'machine-metric-values', hour, index));
      return {
        MachineId: world.population.machines[index]?.id ?? null,
        CollectedDate: collectedAt(hour, index),
        // An operation count (Edm.Int64) and a latency in milliseconds (Edm.Double).
        Iops: Math.round(rng.next() * 400),
        Latency: Math.round((1 + rng.next() ** 3 * 60) * 100) / 100,
      };
    },
  };
}

export interface MachineFailure {
  /** Start (FailureStartDate, within the hour) and end of the fault. */
  times: number[];
  /** MachineFaultStateCode. */
  faultState: number;
  /** LastDeregisteredCode. */
  code: number;
}

/**
 * The fault (if any) that machine `machine` starts in `hour`: about one machine-hour in 50 has one; a
 * machine of the `vda-deregistration` scenario (planted-scenarios.ts) has its planted outage instead, in
 * the hour it starts (Unregistered, its deregistration reason, ending when the machine registers again).
 */
export function machineFailures(world: World): (hour: number, machine: number) => MachineFailure | undefined {
  const base = hashOf(world.seed, 'machine-failure');
  return (hour, machine) => {
    const planted = world.planted?.machines.get(machine);
    if (planted && hourIndex(planted.at) === hour)
      return {
        times: [planted.at, planted.until],
        faultState: planted.faultState,
        code: planted.lastDeregisteredCode,
      };
    const rng = createRng(mix(mix(base, hour), machine));
    if (!rng.chance(0.02)) return undefined;
    const started = hour * HOUR_MS + rng.int(0, HOUR_MS);
    const ended = started + 5 * MINUTE_MS + rng.int(0, MACHINE_FAILURE_MAX_MS - 5 * MINUTE_MS);
    return { times: [started, ended], faultState: rng.pick([1, 2, 3, 4]), code: rng.pick([0, 3, 8, 9, 104]) };
  };
}

export function machineFailureLogsSource(world: World): RowSource {
  const failureOf = machineFailures(world);
  // How long after its hour a fault can still change: a planted outage may last longer than a drawn one.
  const longest = Math.max(
    MACHINE_FAILURE_MAX_MS,
    ...[...(world.planted?.machines.values() ?? [])].map((m) => m.until - m.at),
  );
  return {
    sliceMs: HOUR_MS,
    settlesAfterMs: HOUR_MS + longest,
    scan(lo, hi, now, budget, into) {
      for (const hour of creationHours(lo, hi, now, HOUR_MS + longest)) {
        for (const machine of world.population.machines) {
          budget.consume(1);
          const failure = failureOf(hour, machine.index);
          const cursor = failure?.times[latestIndex(failure.times, now)];
          if (cursor !== undefined && inWindow(cursor, lo, hi)) into.add(cursor, hour, machine.index);
        }
      }
    },
    key: (hour, machine) => hour * 1000 + machine,
    cursorAt(hour, machine, _c, at) {
      const times = failureOf(hour, machine)?.times ?? [];
      return times[latestIndex(times, at)];
    },
    build(hour, index, _c, now) {
      const failure = failureOf(hour, index);
      const times = failure?.times ?? [];
      const v = latestIndex(times, now);
      return {
        Id: hour * 1000 + index,
        MachineId: world.population.machines[index]?.id ?? null,
        FailureStartDate: times[0] ?? null,
        FailureEndDate: v === 1 ? (times[1] ?? null) : null,
        FaultState: failure?.faultState ?? null,
        LastDeregisteredCode: failure?.code ?? null,
        CreatedDate: times[0] ?? null,
        ModifiedDate: times[v] ?? null,
      };
    },
  };
}
