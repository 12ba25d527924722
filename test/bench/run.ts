/**
 * `make bench`: runs every benchmark in its own process (clean memory readings) and prints the figures.
 * Nothing is asserted: targets are printed next to the measured ratios.
 *
 * Every benchmark's JSON result is recorded, with the machine, the commit and the load average at start
 * and end, in `test/bench/results.json` (keys sorted, so a new run's diff shows only what changed); then
 * `docs/benchmarks.md` and the README's headline figures are rendered from it (`render-results.ts`).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import stringify from 'safe-stable-stringify';
import { RESULTS_FILE, writeRenderedDocuments } from './render-results.ts';

const here = import.meta.dirname;
const started = new Date();
const loadAtStart = loadavg();

/** Each benchmark's result by its id (see `render-results.ts`), with the command that produced it. */
const recorded: Record<string, { command: string; result: Record<string, unknown> }> = {};

function bench(
  id: string,
  script: string,
  args: string[] = [],
  env: Record<string, string> = {},
  nodeOptions: string[] = [],
): Record<string, unknown> {
  const result = spawnSync(
    process.execPath,
    [...nodeOptions, '--expose-gc', '--conditions=@ctxsiem/source', join(here, script), ...args],
    {
      encoding: 'utf8',
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  if (result.status !== 0) throw new Error(`${script} ${args.join(' ')} failed with status ${result.status}`);
  const last = result.stdout.trim().split('\n').at(-1) ?? '';
  // Benchmarks print one JSON line, or one plain sentence (kept as `text`).
  const parsed = last.startsWith('{') ? (JSON.parse(last) as Record<string, unknown>) : { text: last };
  const command = [
    ...Object.entries(env).map(([name, value]) => `${name}=${value}`),
    'node',
    ...nodeOptions,
    `test/bench/${script}`,
    ...args,
  ].join(' ');
  recorded[id] = { command, result: parsed };
  return parsed;
}

const out = (line: string) => process.stdout.write(`${line}\n`);

out('== registry: cold import of every connector manifest vs every connector implementation (SDKs)');
const registry = bench('registry-load', 'registry-load.ts');
out(
  `   manifests ${registry.manifestsMs} ms, implementations ${registry.implementationsMs} ms → ratio ${registry.ratio} (median of 5 fresh processes)`,
);

out(
  '== deployable functions: zip size (Lambda target ≤ 1.5 MB), two clean builds, cold import (target ≤ 300 ms)',
);
for (const artifact of ['lambda', 'cloud-function']) {
  const r = bench(`function-artifacts ${artifact}`, 'function-artifacts.ts', [artifact]);
  out(
    `   ${artifact}: zip ${r.zipKiB} KiB (index.mjs ${r.bundleKiB} KiB), two clean builds ${r.identical ? 'byte-identical' : 'DIFFERENT'} (sha256 ${r.sha256}), cold import ${r.coldImportMs} ms (median of 7 fresh processes)`,
  );
}

out(
  '== memory each artifact needs: peak RSS of a catch-up of ~27k Monitor records into its usual sink, × 1.25, rounded up to the platform sizes (MINIMUM_MEMORY_MB must cover it)',
);
for (const artifact of ['lambda', 'cloud-function', 'container']) {
  const r = bench(`function-memory ${artifact}`, 'function-memory.ts', [artifact]);
  out(
    `   ${artifact}: peak RSS ${r.peakRssMb} MB over ${r.records} records → minimum ${r.impliedMinimumMb} MB; declared ${r.declaredMinimumMb} MB ${r.declaredCovers ? '(covers it)' : '(TOO LOW: raise MINIMUM_MEMORY_MB, then node scripts/artifact-figures.ts --write)'}`,
  );
}

out(
  '== SIEM API sinks against their contract servers: records/s, and full requests ÷ the limit (target ≥ 0.9)',
);
for (const sink of ['secops', 'azure-monitor']) {
  const r = bench(`siem-sinks ${sink}`, 'siem-sinks.ts', [sink]);
  out(
    `   ${sink}: ${r.recordsPerSecond} records/s over ${r.records} records; ${r.fullRequests} full requests filled to ${r.packing} of the limit`,
  );
}

out(
  '== sentinel: a real broker (SASL_SSL, SCRAM) → sink, claimed, committed after the ack; events with every column of Citrix’s DCR (target ≥ 50,000 events/s)',
);
for (const [target, workers, label] of [
  ['file', 'auto', 'file sink, routing workers (default)'],
  ['file', '0', 'file sink, routed on the consuming thread'],
  ['minio', 'auto', 'MinIO (S3 sink and claims), routing workers'],
] as const) {
  const r = bench(`sentinel-consume ${target} ${workers}`, 'sentinel-consume.ts', [target, workers]);
  out(
    `   ${label}: ${r.eventsPerSecond} events/s over ${r.events} events of ~${r.averageBytes} B in ${r.batches} batches (CPU ${r.cpuShare} of a core); the client alone ${r.rawPerSecond} msg/s → ratio ${r.ratio}; peak RSS ${r.peakRssMb} MB`,
  );
}

out(
  '== tenants side by side: Monitor Sessions of N tenants, emulator 200 ms per request, the default configuration (target ≤ 1.2 × one tenant at 50)',
);
const oneTenant = bench('tenants 1', 'tenants.ts', ['1']);
for (const tenants of ['1', '10', '50']) {
  const r = tenants === '1' ? oneTenant : bench(`tenants ${tenants}`, 'tenants.ts', [tenants]);
  out(
    `   ${tenants.padStart(2)} tenant(s): ${r.seconds} s for ${r.pages} pages → ${(Number(r.seconds) / Number(oneTenant.seconds)).toFixed(2)} × one tenant; CPU ${r.cpuShare} of a core; peak RSS ${r.peakRssMb} MB`,
  );
}

out(
  '== replicas of ctxsiem serve on one state folder: 24 tenants 4 h behind, emulator 200 ms per request, runner.tenantConcurrency 4 each (wall time from start until every tenant caught up)',
);
const oneReplica = bench('replicas 1', 'replicas.ts', ['1']);
const threeReplicas = bench('replicas 3', 'replicas.ts', ['3']);
out(
  `   1 replica ${oneReplica.seconds} s, 3 replicas ${threeReplicas.seconds} s → ${(Number(oneReplica.seconds) / Number(threeReplicas.seconds)).toFixed(2)} × faster (${threeReplicas.records} records; start-up of the processes included)`,
);

out(
  '== runner + file sink, generated source, one window: peak RSS flat as the window grows (target: 1M records ≤ 256 MB)',
);
const WINDOW_RSS_TARGET_MB = 256;
const windowRow = (label: string, r: Record<string, unknown>, target = false) =>
  out(
    `   ${label.padEnd(12)} ${String(r.recordsPerSecond).padStart(8)} records/s   peak RSS ${r.peakRssMb} MB${target ? ` → ${(Number(r.peakRssMb) / WINDOW_RSS_TARGET_MB).toFixed(2)} of ${WINDOW_RSS_TARGET_MB} MB (${Number(r.peakRssMb) <= WINDOW_RSS_TARGET_MB ? 'met' : 'NOT MET'})` : ''}   (${r.seconds} s, ${r.pages} pages, V8 new space ${r.newSpaceMb} MB)`,
  );
const WINDOWS = [
  ['100k records', '1667'],
  ['1M records', '16667'],
  ['3M records', '50000'],
] as const;
out("   with V8's sizing for this host's memory:");
for (const [label, recordsPerMinute] of WINDOWS)
  windowRow(label, bench(`runner-file ${recordsPerMinute}`, 'runner-file.ts', [recordsPerMinute]));
// V8 sizes its heap from the memory it is given (Heap::HeapSizeFromPhysicalMemory: an old generation of
// half of it on 64-bit without pointer compression) and its young generation from that: measured with
// `node --max-heap-size=N`, heaps of 560, 1024 and 2048 MB get 32, 64 and 128 MB of new space (two
// semi-spaces). This host's 24 GB reach the cap, 128 MB; a function of 1 GB (a 560 MB heap) gets 32.
// The target is a function's: measured with the young generation a function of 1 GB gets.
out('   as in a function of 1 GB (V8 gives it 16 MB semi-spaces: --max-semi-space-size=16):');
for (const [label, recordsPerMinute] of WINDOWS.slice(1))
  windowRow(
    label,
    bench(`runner-file ${recordsPerMinute} function-1gb`, 'runner-file.ts', [recordsPerMinute], {}, [
      '--max-semi-space-size=16',
    ]),
    label === '1M records',
  );

out('== Monitor: fetch/delivery overlap, emulator latency 50 ms (target ≤ 1.05)');
const overlap = bench('monitor overlap', 'monitor.ts', ['overlap']);
out(
  `   ${overlap.pages} pages in ${Number(overlap.seconds).toFixed(2)} s; ideal ${overlap.idealSeconds} s → ratio ${overlap.ratio} (a bare fetch + JSON.parse loop over the same pages: ${overlap.rawSeconds} s → ${overlap.rawRatio})`,
);

out('== Monitor: throughput at latency 0, ours ÷ raw fetch + JSON.parse (target ≥ 0.9)');
const throughput = bench('monitor throughput', 'monitor.ts', ['throughput']);
out(
  `   ours ${throughput.oursRecordsPerSecond} records/s, raw ${throughput.rawRecordsPerSecond} records/s → ratio ${throughput.ratio}`,
);

out('== S3 multipart upload of one large batch to MinIO, with the V8 heap capped at 160 MB');
out(
  '   (the body is encoded as a stream into bounded parts: a batch far larger than the heap still goes through)',
);
for (const megabytes of ['50', '400']) {
  const r = bench(`s3-multipart ${megabytes}`, 's3-multipart.ts', [megabytes], {}, [
    '--max-old-space-size=160',
  ]);
  out(
    `   ${String(r.megabytes).padStart(4)} MB batch: ${r.upload}, ${r.seconds} s, RSS grew ${r.growthDuringUploadMb} MB while uploading`,
  );
}

out('== Analytics catch-up: 7 days behind, emulator latency 200 ms, one 5-minute Lambda budget');
const catchup = bench('analytics-catchup', 'analytics-catchup.ts', [], {
  BUDGET_SECONDS: process.env.CATCHUP_BUDGET_SECONDS ?? '300',
});
out(
  `   ${catchup.completeHours}/${catchup.dueHours} complete hours in ${catchup.seconds} s (${catchup.entities} entities × ${catchup.days} days) with budget ${catchup.budgetSeconds} s: ${catchup.pages} pages, ${catchup.records} records, ${catchup.requests} requests, ${catchup.retries} retries, budget exhausted: ${catchup.budgetExhausted ? 'yes' : 'no'}`,
);

const cpu = cpus();
const commit = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: here, encoding: 'utf8' }).stdout.trim();
const results = {
  machine: {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    totalMemoryMiB: Math.round(totalmem() / 2 ** 20),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  },
  measured: {
    started: started.toISOString(),
    finished: new Date().toISOString(),
    commit,
    loadAverage: { atStart: loadAtStart.map(round2), atEnd: loadavg().map(round2) },
  },
  benchmarks: recorded,
};
// Arrays of numbers or strings on one line, as the repository's formatter (Biome) writes them.
const json = (stringify(results, null, 2) ?? '').replace(
  /\[\n\s*([^[\]{}]*?)\n\s*\]/g,
  (_, items: string) => `[${items.split(/,\n\s*/).join(', ')}]`,
);
writeFileSync(join(here, '..', '..', RESULTS_FILE), `${json}\n`);
out(`== recorded in ${RESULTS_FILE}`);
for (const file of writeRenderedDocuments()) out(`== rendered ${file}`);

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
