/**
 * How many tenants a run collects at once (`runner.tenantConcurrency`).
 *
 * A tenant's run waits on the network most of the time: Citrix allows one request in flight per tenant,
 * so tenants side by side are what makes fifty tenants take about as long as one. What running more
 * of them costs is memory (each holds its streams' pages read ahead), not time: the parsing they share
 * is one thread's either way. So `auto`, the default, starts every tenant at once while the process
 * has memory to spare — the V8 heap below 60 % of its limit and the resident set below 60 % of the
 * memory the platform gives the process (Lambda's size, the cgroup's limit) — and past that starts the
 * next tenant only when a running one finishes (one always runs). A number fixes the count instead.
 */
import { getHeapStatistics } from 'node:v8';
import pLimit from 'p-limit';
import { configuredMemoryMb } from './memory.ts';

/** A run's tenant limit: the setting of `runner.tenantConcurrency`. */
export type TenantConcurrency = number | 'auto';

/** Runs `task` when the limit admits it. */
export type Admission = <T>(task: () => Promise<T>) => Promise<T>;

/** The share of its memory the process uses above which `auto` starts no further tenant. */
export const AUTO_MEMORY_SHARE = 0.6;

/**
 * The larger of the heap's share of its limit and the resident set's share of the memory the platform
 * gives the process (when it says; an unlimited machine has only the heap's bound).
 */
export function memoryShare(configuredMb: number | undefined = configuredMemoryMb()): number {
  const heap = getHeapStatistics();
  const heapShare = heap.used_heap_size / heap.heap_size_limit;
  if (configuredMb === undefined) return heapShare;
  return Math.max(heapShare, process.memoryUsage.rss() / (configuredMb * 1024 * 1024));
}

export interface AdmissionOptions {
  /** The process's memory share now (default `memoryShare()`); tests give their own. */
  memoryShare?: () => number;
}

export function tenantAdmission(setting: TenantConcurrency, options: AdmissionOptions = {}): Admission {
  if (setting !== 'auto') {
    const limit = pLimit(setting);
    return (task) => limit(task);
  }
  const share = options.memoryShare ?? (() => memoryShare());
  let running = 0;
  const waiting: (() => void)[] = [];
  const roomFor = () => running === 0 || share() < AUTO_MEMORY_SHARE;
  const admitWaiting = () => {
    while (waiting.length > 0 && roomFor()) {
      running++;
      waiting.shift()?.();
    }
  };
  return async (task) => {
    if (waiting.length === 0 && roomFor()) running++;
    else await new Promise<void>((admitted) => waiting.push(admitted));
    try {
      return await task();
    } finally {
      running--;
      admitWaiting();
    }
  };
}
