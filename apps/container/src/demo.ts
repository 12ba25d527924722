/**
 * `ctxsiem demo`: the main job on the embedded default with nothing to configure. It starts the Citrix
 * Cloud emulator in-process, collects the last six hours of the chosen sources into local files under
 * `out/demo`, and keeps the checkpoints there, so running it again resumes where it stopped.
 */
import { readdir, rm } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { floorTo, HOUR_MS, type Logger, type SecretRegistry, systemClock } from '@ctxsiem/core';
import { type CollectSummary, collect } from '@ctxsiem/deployment';
import { MONITOR_ENTITY_SETS, startEmulator } from '@ctxsiem/emulator';
import { type DeploymentConfig, DeploymentConfigSchema, sourceConnectors } from '@ctxsiem/registry';
import { STANDING_EMULATOR_URL, writeDemoConfig } from './demo-config.ts';
import { type DemoSink, demoTarget } from './demo-sinks.ts';
import { type DemoSource as DemoSourceSetup, demoSource } from './demo-sources.ts';

/** The sources whose API the built-in emulator serves, as their manifests say. */
export const DEMO_SOURCES: readonly string[] = sourceConnectors
  .filter((connector) => connector.emulated)
  .map((connector) => connector.type);
export type DemoSource = string;

/**
 * The Monitor entity sets `--entities` names: a comma-separated list, or `all` — every set the
 * emulator serves, which is every set Citrix's OpenAPI publishes. Undefined: the source's default.
 */
export function demoEntities(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === 'all') return MONITOR_ENTITY_SETS.map((set) => set.name);
  return text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
}

export interface DemoOptions {
  out: string;
  sources: DemoSource[];
  sink: DemoSink;
  logger: Logger;
  secrets: SecretRegistry;
  signal?: AbortSignal | undefined;
  /** Monitor entity sets to collect (the default five when absent). */
  entities?: readonly string[] | undefined;
  /** Emulator seed (the same seed always serves the same data). */
  seed?: number;
}

/**
 * Before a source that starts afresh each demo (`fresh`: a new Kafka broker) writes into a file sink's
 * folder, the previous demo's parts of it (`…-<source>-<tenant>.ndjson[.gz]`) are removed: the new
 * events come at the same offsets, so their parts would have the old parts' names. Returns how many.
 */
async function clearFreshSources(
  options: DemoOptions,
  sources: readonly DemoSourceSetup[],
  tenant: string,
): Promise<number> {
  if (options.sink !== 'file') return 0;
  const suffixes = sources
    .filter((source) => source.fresh)
    .flatMap((source) => [
      `-${source.config.type}-${tenant}.ndjson`,
      `-${source.config.type}-${tenant}.ndjson.gz`,
    ]);
  if (suffixes.length === 0) return 0;
  let removed = 0;
  const entries = await readdir(options.out, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const path = join(entry.parentPath, entry.name);
    if (
      !entry.isFile() ||
      path.includes(`${sep}_state${sep}`) ||
      !suffixes.some((suffix) => entry.name.endsWith(suffix))
    )
      continue;
    await rm(path);
    removed++;
  }
  return removed;
}

export async function runDemo(
  options: DemoOptions,
): Promise<CollectSummary & { emulator: string; where: string; resumes: boolean; configFile: string }> {
  // The demo tenant is licensed under both Citrix DaaS models (Citrix's multi-type licensing), so
  // `--sources licensing` shows the User/Device streams and the Concurrent one side by side.
  const emulator = await startEmulator({
    seed: options.seed ?? 1,
    customers: [{ customerId: 'demo', clientId: 'demo', clientSecret: 'demo', licenseModel: 'both' }],
  });
  const target = await demoTarget(options.sink, options.out).catch(async (error) => {
    await emulator.close();
    throw error;
  });
  const sources: DemoSourceSetup[] = [];
  try {
    for (const type of options.sources)
      sources.push(
        await demoSource(type, {
          tenant: emulator.connection.customerId,
          now: systemClock.now(),
          seed: options.seed ?? 1,
          out: options.out,
          entities: options.entities,
        }),
      );
    for (const source of sources) options.secrets.add(source.secret);
    const cleared = await clearFreshSources(options, sources, emulator.connection.customerId);
    const input = {
      tenants: [emulator.connection],
      sources: sources.map((source) => source.config),
      sink: target.sink,
      ...(target.deadLetters ? { deadLetters: target.deadLetters } : {}),
      checkpoint: target.checkpoint,
    };
    const config: DeploymentConfig = DeploymentConfigSchema.parse(input);
    // Recorded with the address of a standing `ctxsiem emulator --port 8080`, which serves the same data
    // (same seed, same customer): this emulator stops with the demo, and `check`, `preview` or another
    // `collect` with the recorded configuration are run against that one.
    const configFile = await writeDemoConfig(
      options.out,
      { ...input, tenants: [{ ...emulator.connection, apiBase: STANDING_EMULATOR_URL }] },
      sources.map((source) => source.secret).filter((secret): secret is string => Boolean(secret)),
    );
    await target.prepare?.(config, { logger: options.logger, clock: systemClock, secrets: options.secrets });
    const sixHoursBack = new Date(floorTo(systemClock.now(), HOUR_MS) - 6 * HOUR_MS);
    const ownStart = new Set<string>(
      sources.filter((source) => source.ownStart).map((source) => source.config.type),
    );
    const summary = await collect(config, {
      logger: options.logger,
      clock: systemClock,
      secrets: options.secrets,
      signal: options.signal,
      startOf: (source) => (ownStart.has(source.type) ? source.start : sixHoursBack),
    });
    const where = [
      ...sources.map((source) => source.describe).filter(Boolean),
      ...(cleared > 0
        ? [
            `The sentinel demo starts afresh (a new broker each run, its events new ones at the same offsets): ${cleared} part(s) of the previous demo removed first.`,
          ]
        : []),
      await target.describe(),
    ];
    return {
      ...summary,
      emulator: emulator.url,
      where: where.join('\n'),
      resumes: target.resumes,
      configFile,
    };
  } finally {
    for (const source of sources) await source.stop();
    await target.stop();
    await emulator.close();
  }
}
