/**
 * The benchmark figures the documentation shows, rendered from `test/bench/results.json` (what the last
 * `make bench` measured) and never typed: the machine, when, and a table Benchmark | Result | Target in
 * `docs/benchmarks.md`, and the headline figures against their targets in the root README. Each sits
 * between markers; the prose around them is the documents' own. From the repository root:
 *
 *   node test/bench/render-results.ts --check   exits 1 when a document differs from results.json
 *   node test/bench/render-results.ts --write   rewrites them (`make bench` does, after a run)
 *
 * A test runs the check (`test/docs/bench-results.test.ts`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const RESULTS_FILE = 'test/bench/results.json';

const entry = <T extends z.ZodType>(result: T) => z.object({ command: z.string(), result });

const Artifact = z.object({
  zipKiB: z.number(),
  bundleKiB: z.number(),
  identical: z.boolean(),
  coldImportMs: z.number(),
});
const Memory = z.object({
  records: z.number(),
  peakRssMb: z.number(),
  impliedMinimumMb: z.number(),
  declaredMinimumMb: z.number(),
  declaredCovers: z.boolean(),
});
const Siem = z.object({
  records: z.number(),
  recordsPerSecond: z.number(),
  fullRequests: z.number(),
  packing: z.number(),
});
const Sentinel = z.object({
  events: z.number(),
  averageBytes: z.number(),
  eventsPerSecond: z.number(),
  rawPerSecond: z.number(),
  ratio: z.number(),
  cpuShare: z.number(),
  peakRssMb: z.number(),
});
const Tenants = z.object({
  tenants: z.number(),
  seconds: z.number(),
  pages: z.number(),
  cpuShare: z.number(),
  peakRssMb: z.number(),
});
const Replicas = z.object({
  replicas: z.number(),
  tenants: z.number(),
  seconds: z.number(),
  records: z.number(),
});
const Window = z.object({
  records: z.number(),
  pages: z.number(),
  seconds: z.number(),
  recordsPerSecond: z.number(),
  peakRssMb: z.number(),
  newSpaceMb: z.number(),
});
const Multipart = z.object({
  megabytes: z.number(),
  upload: z.string(),
  seconds: z.number(),
  growthDuringUploadMb: z.number(),
});

/** What `run.ts` writes: the fields the documents show are checked here, by benchmark. */
export const BenchResultsSchema = z.object({
  machine: z.object({
    cpus: z.number().int(),
    cpuModel: z.string(),
    totalMemoryMiB: z.number(),
    node: z.string(),
    platform: z.string(),
  }),
  measured: z.object({
    started: z.iso.datetime(),
    finished: z.iso.datetime(),
    commit: z.string(),
    loadAverage: z.object({ atStart: z.array(z.number()).length(3), atEnd: z.array(z.number()).length(3) }),
  }),
  benchmarks: z.object({
    'registry-load': entry(
      z.object({ manifestsMs: z.number(), implementationsMs: z.number(), ratio: z.number() }),
    ),
    'function-artifacts lambda': entry(Artifact),
    'function-artifacts cloud-function': entry(Artifact),
    'function-memory lambda': entry(Memory),
    'function-memory cloud-function': entry(Memory),
    'function-memory container': entry(Memory),
    'siem-sinks secops': entry(Siem),
    'siem-sinks azure-monitor': entry(Siem),
    'sentinel-consume file auto': entry(Sentinel),
    'sentinel-consume file 0': entry(Sentinel),
    'sentinel-consume minio auto': entry(Sentinel),
    'tenants 1': entry(Tenants),
    'tenants 10': entry(Tenants),
    'tenants 50': entry(Tenants),
    'replicas 1': entry(Replicas),
    'replicas 3': entry(Replicas),
    'runner-file 1667': entry(Window),
    'runner-file 16667': entry(Window),
    'runner-file 50000': entry(Window),
    'runner-file 16667 function-1gb': entry(Window),
    'runner-file 50000 function-1gb': entry(Window),
    'monitor overlap': entry(
      z.object({
        pages: z.number(),
        seconds: z.number(),
        idealSeconds: z.number(),
        ratio: z.number(),
        rawSeconds: z.number(),
        rawRatio: z.number(),
      }),
    ),
    'monitor throughput': entry(
      z.object({ oursRecordsPerSecond: z.number(), rawRecordsPerSecond: z.number(), ratio: z.number() }),
    ),
    's3-multipart 50': entry(Multipart),
    's3-multipart 400': entry(Multipart),
    'analytics-catchup': entry(
      z.object({
        completeHours: z.number(),
        dueHours: z.number(),
        entities: z.number(),
        days: z.number(),
        seconds: z.number(),
        budgetSeconds: z.number(),
        latencyMs: z.number(),
        pages: z.number(),
        records: z.number(),
        budgetExhausted: z.boolean(),
      }),
    ),
  }),
});
export type BenchResults = z.infer<typeof BenchResultsSchema>;

/** The targets the benchmarks are held to (printed, never asserted: no test depends on the machine). */
export const TARGETS = {
  lambdaZipKiB: 1536,
  coldImportMs: 300,
  siemPacking: 0.9,
  sentinelEventsPerSecond: 50_000,
  tenantsRatioAt50: 1.2,
  windowRssMb: 256,
  monitorOverlapRatio: 1.05,
  monitorThroughputRatio: 0.9,
} as const;

const number = (value: number) => value.toLocaleString('en-US');
const met = (ok: boolean) => (ok ? 'met' : '**not met**');
const minutes = (iso: string) => iso.slice(11, 16);

/** A Markdown table padded as a formatter pads one. */
function renderTable(header: string[], body: string[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...body.map(line)].join('\n');
}

/**
 * Text folded into lines of at most `width` characters (a word longer than that keeps its own line); a
 * comparison sign stays on the line of the figure after it, a product sign with the figures on both sides.
 */
function wrap(text: string, width = 105): string {
  const words = text.split(' ').reduce<string[]>((merged, word) => {
    const previous = merged.at(-1);
    if (previous !== undefined && (/[≤≥×]$/.test(previous) || word === '×'))
      merged[merged.length - 1] = `${previous} ${word}`;
    else merged.push(word);
    return merged;
  }, []);
  const lines: string[] = [];
  let current = '';
  for (const word of words) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  if (current) lines.push(current);
  return lines.join('\n');
}

/** The flag an entry's command ran node with (`--max-old-space-size=160` → 160). */
function nodeFlag(command: string, flag: string): string {
  const found = command.split(' ').find((part) => part.startsWith(`${flag}=`));
  if (!found) throw new Error(`${RESULTS_FILE}: no ${flag} in "${command}"`);
  return found.slice(flag.length + 1);
}

/** When and where the figures were measured: one sentence. */
function provenance(results: BenchResults): string {
  const { machine, measured } = results;
  const load = (values: number[]) => values.map((v) => v.toFixed(2)).join(', ');
  return wrap(
    `Measured ${measured.started.slice(0, 10)} ${minutes(measured.started)}–${minutes(measured.finished)} UTC ` +
      `at commit \`${measured.commit.slice(0, 7)}\` on ${machine.cpus} × ${machine.cpuModel}, ` +
      `${(machine.totalMemoryMiB / 1024).toFixed(1)} GiB of memory, ${machine.platform}, Node ${machine.node}. ` +
      `Load average (1, 5, 15 minutes) ${load(measured.loadAverage.atStart)} at the start and ` +
      `${load(measured.loadAverage.atEnd)} at the end: the benchmarks' own processes, and whatever else ` +
      'shared the machine then.',
  );
}

/** The table of `docs/benchmarks.md`: every figure from results.json. */
export function renderResultsTable(results: BenchResults): string {
  const b = results.benchmarks;
  const rows: string[][] = [];
  const registry = b['registry-load'].result;
  rows.push([
    'Registry: cold import of every connector manifest ÷ every connector implementation (median of fresh processes)',
    `${registry.manifestsMs} ms ÷ ${registry.implementationsMs} ms = ${registry.ratio.toFixed(2)}`,
    '—',
  ]);
  for (const artifact of ['lambda', 'cloud-function'] as const) {
    const r = b[`function-artifacts ${artifact}`].result;
    const zipTarget = artifact === 'lambda' ? `zip ≤ ${number(TARGETS.lambdaZipKiB)} KiB, ` : '';
    const zipMet = artifact === 'lambda' ? r.zipKiB <= TARGETS.lambdaZipKiB : true;
    rows.push([
      `Function artifact \`${artifact}\`: zip size; two clean builds; cold import of the unzipped handler`,
      `zip ${number(r.zipKiB)} KiB (index.mjs ${r.bundleKiB} KiB); ${r.identical ? 'byte-identical' : '**different**'}; ${r.coldImportMs} ms`,
      `${zipTarget}identical, ≤ ${TARGETS.coldImportMs} ms: ${met(zipMet && r.identical && r.coldImportMs <= TARGETS.coldImportMs)}`,
    ]);
  }
  for (const artifact of ['lambda', 'cloud-function', 'container'] as const) {
    const r = b[`function-memory ${artifact}`].result;
    rows.push([
      `Memory \`${artifact}\` needs: peak RSS of a Monitor catch-up into its usual sink → the minimum it implies`,
      `${r.peakRssMb} MB over ${number(r.records)} records → ${r.impliedMinimumMb} MB`,
      `\`MINIMUM_MEMORY_MB\` (${r.declaredMinimumMb} MB) covers it: ${met(r.declaredCovers)}`,
    ]);
  }
  for (const [sink, label] of [
    ['secops', 'SecOps'],
    ['azure-monitor', 'Azure Monitor'],
  ] as const) {
    const r = b[`siem-sinks ${sink}`].result;
    rows.push([
      `SIEM sink ${label} against its contract server: records/s; full requests ÷ the API's limit`,
      `${number(r.recordsPerSecond)} records/s over ${number(r.records)} records; ${r.fullRequests} full requests filled to ${r.packing.toFixed(2)}`,
      `≥ ${TARGETS.siemPacking}: ${met(r.packing >= TARGETS.siemPacking)}`,
    ]);
  }
  for (const [id, label, target] of [
    ['file auto', 'file sink, routing workers (the default)', true],
    ['file 0', 'file sink, routed on the consuming thread', false],
    ['minio auto', 'MinIO (S3 sink and claims), routing workers', false],
  ] as const) {
    const r = b[`sentinel-consume ${id}`].result;
    rows.push([
      `Sentinel: a real broker (SASL_SSL, SCRAM) → ${label}; the client alone`,
      `${number(r.eventsPerSecond)} events/s (${number(r.events)} events of ~${r.averageBytes} B; CPU ${r.cpuShare} of a core); the client alone ${number(r.rawPerSecond)} msg/s → ${r.ratio}; peak RSS ${r.peakRssMb} MB`,
      target
        ? `≥ ${number(TARGETS.sentinelEventsPerSecond)} events/s: ${met(r.eventsPerSecond >= TARGETS.sentinelEventsPerSecond)}`
        : '—',
    ]);
  }
  const one = b['tenants 1'].result;
  for (const tenants of ['1', '10', '50'] as const) {
    const r = b[`tenants ${tenants}`].result;
    const ratio = r.seconds / one.seconds;
    rows.push([
      `Tenants side by side: Monitor Sessions of ${r.tenants} tenant${r.tenants === 1 ? '' : 's'}, the default configuration`,
      `${r.seconds} s for ${r.pages} pages → ${ratio.toFixed(2)} × one tenant; CPU ${r.cpuShare} of a core; peak RSS ${r.peakRssMb} MB`,
      tenants === '50'
        ? `≤ ${TARGETS.tenantsRatioAt50} × one tenant: ${met(ratio <= TARGETS.tenantsRatioAt50)}`
        : '—',
    ]);
  }
  const oneReplica = b['replicas 1'].result;
  const threeReplicas = b['replicas 3'].result;
  rows.push([
    `Replicas of \`ctxsiem serve\` on one state folder: ${threeReplicas.tenants} tenants behind, 1 replica against 3`,
    `${oneReplica.seconds} s against ${threeReplicas.seconds} s → ${(oneReplica.seconds / threeReplicas.seconds).toFixed(2)} × faster (${number(threeReplicas.records)} records; start-up included)`,
    '—',
  ]);
  for (const [id, inFunction] of [
    ['1667', false],
    ['16667', false],
    ['50000', false],
    ['16667 function-1gb', true],
    ['50000 function-1gb', true],
  ] as const) {
    const entry = b[`runner-file ${id}`];
    const r = entry.result;
    const where = inFunction
      ? `as in a function of 1 GB (\`--max-semi-space-size=${nodeFlag(entry.command, '--max-semi-space-size')}\`)`
      : "with V8's sizing for this host";
    const isTarget = inFunction && id.startsWith('16667');
    rows.push([
      `Runner + file sink, generated source, one window of ${number(r.records)} records, ${where}`,
      `${number(r.recordsPerSecond)} records/s; peak RSS ${r.peakRssMb} MB (${r.seconds} s, ${r.pages} pages, V8 new space ${r.newSpaceMb} MB)`,
      isTarget ? `≤ ${TARGETS.windowRssMb} MB: ${met(r.peakRssMb <= TARGETS.windowRssMb)}` : '—',
    ]);
  }
  const overlap = b['monitor overlap'].result;
  rows.push([
    'Monitor, emulator latency 50 ms: wall time ÷ (pages × latency); the same for a bare fetch + `JSON.parse` loop',
    `${overlap.pages} pages in ${overlap.seconds.toFixed(2)} s, ideal ${overlap.idealSeconds} s → ${overlap.ratio}; the bare loop ${overlap.rawSeconds} s → ${overlap.rawRatio}`,
    `≤ ${TARGETS.monitorOverlapRatio}: ${met(overlap.ratio <= TARGETS.monitorOverlapRatio)} (the floor: see below)`,
  ]);
  const throughput = b['monitor throughput'].result;
  rows.push([
    'Monitor, latency 0: our records/s (client + runner + file sink) ÷ a raw fetch + `JSON.parse` loop',
    `${number(throughput.oursRecordsPerSecond)} ÷ ${number(throughput.rawRecordsPerSecond)} records/s = ${throughput.ratio}`,
    `≥ ${TARGETS.monitorThroughputRatio}: ${met(throughput.ratio >= TARGETS.monitorThroughputRatio)}`,
  ]);
  for (const size of ['50', '400'] as const) {
    const entry = b[`s3-multipart ${size}`];
    const r = entry.result;
    const heapMb = nodeFlag(entry.command, '--max-old-space-size');
    rows.push([
      `S3 multipart upload of one ${r.megabytes} MB batch to MinIO, V8 heap capped at ${heapMb} MB`,
      `${r.upload}, ${r.seconds} s; RSS grew ${r.growthDuringUploadMb} MB while uploading`,
      `goes through: ${met(r.upload === 'multipart')}`,
    ]);
  }
  const catchup = b['analytics-catchup'].result;
  rows.push([
    `Analytics catch-up, ${catchup.days} days behind, emulator latency ${catchup.latencyMs} ms, one budget of ${catchup.budgetSeconds} s`,
    `${catchup.completeHours}/${catchup.dueHours} complete hours (${catchup.entities} entities) in ${catchup.seconds} s; ${catchup.pages} pages, ${number(catchup.records)} records`,
    `every due hour within the budget: ${met(catchup.completeHours === catchup.dueHours && !catchup.budgetExhausted)}`,
  ]);
  return `${provenance(results)}\n\n${renderTable(['Benchmark', 'Result', 'Target'], rows)}`;
}

/** The README's headline: each target's figure, a few lines. */
export function renderHeadline(results: BenchResults): string {
  const b = results.benchmarks;
  const sentinel = b['sentinel-consume file auto'].result;
  const tenants = b['tenants 50'].result.seconds / b['tenants 1'].result.seconds;
  const window = b['runner-file 16667 function-1gb'].result;
  const overlap = b['monitor overlap'].result;
  const throughput = b['monitor throughput'].result;
  const lambda = b['function-artifacts lambda'].result;
  const packing = Math.min(
    b['siem-sinks secops'].result.packing,
    b['siem-sinks azure-monitor'].result.packing,
  );
  const figure = (text: string, target: string, ok: boolean) => `${text} (${target}${ok ? '' : ': not met'})`;
  const figures = [
    figure(
      `Sentinel → files ${number(sentinel.eventsPerSecond)} events/s`,
      `≥ ${number(TARGETS.sentinelEventsPerSecond)}`,
      sentinel.eventsPerSecond >= TARGETS.sentinelEventsPerSecond,
    ),
    figure(
      `50 tenants ${tenants.toFixed(2)} × one`,
      `≤ ${TARGETS.tenantsRatioAt50}`,
      tenants <= TARGETS.tenantsRatioAt50,
    ),
    figure(
      `${(window.records / 1e6).toFixed(0)}M-record window ${window.peakRssMb} MB in a 1 GB function`,
      `≤ ${TARGETS.windowRssMb}`,
      window.peakRssMb <= TARGETS.windowRssMb,
    ),
    `${figure(
      `Monitor overlap ${overlap.ratio}`,
      `≤ ${TARGETS.monitorOverlapRatio}`,
      overlap.ratio <= TARGETS.monitorOverlapRatio,
    )}, bare fetch loop ${overlap.rawRatio}`,
    figure(
      `throughput ${throughput.ratio} × raw`,
      `≥ ${TARGETS.monitorThroughputRatio}`,
      throughput.ratio >= TARGETS.monitorThroughputRatio,
    ),
    figure(
      `SIEM requests ${packing.toFixed(2)} full`,
      `≥ ${TARGETS.siemPacking}`,
      packing >= TARGETS.siemPacking,
    ),
    figure(
      `Lambda zip ${number(lambda.zipKiB)} KiB`,
      `≤ ${number(TARGETS.lambdaZipKiB)}`,
      lambda.zipKiB <= TARGETS.lambdaZipKiB,
    ),
    figure(
      `cold import ${lambda.coldImportMs} ms`,
      `≤ ${TARGETS.coldImportMs}`,
      lambda.coldImportMs <= TARGETS.coldImportMs,
    ),
  ];
  return wrap(
    `${results.measured.started.slice(0, 10)}, ${results.machine.cpus} cores: ${figures.join('; ')}.`,
  );
}

interface Block {
  file: string;
  begin: string;
  end: string;
  render: (results: BenchResults) => string;
}

const BLOCKS: Block[] = [
  {
    file: 'docs/benchmarks.md',
    begin: '<!-- bench-results -->',
    end: '<!-- /bench-results -->',
    render: renderResultsTable,
  },
  { file: 'README.md', begin: '<!-- bench -->', end: '<!-- /bench -->', render: renderHeadline },
];

/** The document with its block between `begin` and `end` replaced; throws when the markers are missing. */
export function replaceBlock(document: string, block: Block, content: string): string {
  const start = document.indexOf(block.begin);
  const end = document.indexOf(block.end);
  if (start < 0 || end < start) throw new Error(`${block.file} has no ${block.begin} … ${block.end} markers`);
  return `${document.slice(0, start + block.begin.length)}\n\n${content}\n\n${document.slice(end)}`;
}

export function readResults(root = ROOT): BenchResults {
  return BenchResultsSchema.parse(JSON.parse(readFileSync(join(root, RESULTS_FILE), 'utf8')));
}

/** The documents whose rendered blocks differ from results.json: each file with its rendered text. */
export function staleDocuments(root = ROOT): { file: string; next: string }[] {
  const results = readResults(root);
  return BLOCKS.flatMap((block) => {
    const current = readFileSync(join(root, block.file), 'utf8');
    const next = replaceBlock(current, block, block.render(results));
    return next === current ? [] : [{ file: block.file, next }];
  });
}

/** Rewrites the documents whose blocks are stale; returns their paths. */
export function writeRenderedDocuments(root = ROOT): string[] {
  const stale = staleDocuments(root);
  for (const { file, next } of stale) writeFileSync(join(root, file), next);
  return stale.map(({ file }) => file);
}

function main(argv: string[]): number {
  if (argv.includes('--write')) {
    for (const file of writeRenderedDocuments())
      console.log(`${file}: benchmark figures rendered from ${RESULTS_FILE}`);
    return 0;
  }
  if (!argv.includes('--check')) {
    console.error('usage: node test/bench/render-results.ts --check | --write');
    return 2;
  }
  const stale = staleDocuments();
  for (const { file } of stale)
    console.error(
      `${file}: its benchmark figures differ from ${RESULTS_FILE}; run \`node test/bench/render-results.ts --write\` (figures are never typed)`,
    );
  return stale.length > 0 ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  process.exitCode = main(process.argv.slice(2));
