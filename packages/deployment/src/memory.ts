/**
 * How much memory each artifact needs, and a warning at start when it is given less. The minimums are
 * measured, not guessed: `make bench` (test/bench/function-memory.ts) runs each built artifact through
 * a catch-up of about 27,000 Monitor records into its usual sink, reads its peak RSS, and prints it
 * beside the minimum here; a minimum is the peak with a quarter of headroom, rounded up to a size the
 * platform offers. The apps' READMEs and Terraform's defaults take these numbers from here.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from '@ctxsiem/core';
import type { Env } from './secret-references.ts';

/** The artifacts, as `scripts/package-app.ts` names them. */
export type Artifact = 'lambda' | 'cloud-function' | 'container';

/**
 * The least memory (MiB) each artifact is measured to run in: its peak RSS on a 27k-record catch-up
 * plus 25 %, rounded up to the platform's sizes (Lambda and the container: 64 MB steps; Cloud Run:
 * 256Mi steps). Measured on Node 24.9, 2026-12-07: the Lambda 211–229 MB, the Cloud Run function
 * (with the functions framework) 276 MB, the container's `collect` 221 MB. Seed functions keep
 * Lambda's 128 MB, which a catch-up outgrows.
 */
export const MINIMUM_MEMORY_MB: Readonly<Record<Artifact, number>> = {
  lambda: 320,
  'cloud-function': 512,
  container: 320,
};

/** Headroom over the measured peak that a minimum keeps. */
export const MEMORY_HEADROOM = 1.25;

/**
 * The memory this process is given, in MiB, when the platform says: Lambda's
 * AWS_LAMBDA_FUNCTION_MEMORY_SIZE, else the cgroup's limit (Cloud Run, containers); undefined when
 * unlimited or unreadable.
 */
export function configuredMemoryMb(env: Env = process.env, read = readCgroupLimit): number | undefined {
  const lambda = Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  if (Number.isFinite(lambda) && lambda > 0) return lambda;
  const bytes = read();
  return bytes === undefined ? undefined : Math.floor(bytes / (1024 * 1024));
}

/** cgroup v2's memory.max, else v1's memory.limit_in_bytes; undefined when unlimited or absent. */
function readCgroupLimit(): number | undefined {
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const text = readFileSync(file, 'utf8').trim();
      const bytes = Number(text);
      // "max", or v1's "no limit" (a page-rounded 2^63).
      if (!Number.isFinite(bytes) || bytes <= 0 || bytes >= 2 ** 60) return undefined;
      return bytes;
    } catch {}
  }
  return undefined;
}

/**
 * Logs a warning when the process is given less memory than `artifact` was measured to need, saying
 * how much to give it. Returns the warning (tests), or undefined when there is none.
 */
export function warnIfMemoryLow(
  artifact: Artifact,
  logger: Logger,
  configuredMb: number | undefined = configuredMemoryMb(),
): string | undefined {
  const minimum = MINIMUM_MEMORY_MB[artifact];
  if (configuredMb === undefined || configuredMb >= minimum) return undefined;
  const warning = `this ${artifact} has ${configuredMb} MB of memory; it was measured to need ${minimum} MB (peak RSS of a catch-up plus headroom): give it at least ${minimum} MB, or a long catch-up may be killed for lack of memory`;
  logger.warn({ configuredMb, minimumMb: minimum }, warning);
  return warning;
}
