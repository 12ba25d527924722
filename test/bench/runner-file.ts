/**
 * Benchmark: the runner + file sink on the generated source over one window of ~1,000,000 records.
 * Prints records/s and the peak RSS of this process (run it in its own process for a clean reading), and
 * the size V8's young generation reached (`make bench` also runs it with a function's: see run.ts).
 *   node --conditions=@ctxsiem/source test/bench/runner-file.ts [records-per-minute]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';
import { ManualClock, run, silentLogger } from '@ctxsiem/core';
import { fileCheckpointStore, fileSink } from '@ctxsiem/sink-file';
import { generatedSource } from '@ctxsiem/source-generated';

const recordsPerMinute = Number(process.argv[2] ?? 16_667);
const directory = await mkdtemp(join(tmpdir(), 'ctxsiem-bench-runner-'));
const start = new Date('2024-08-06T00:00:00Z');
const clock = new ManualClock(new Date('2024-08-06T01:05:00Z'));
const source = generatedSource({ start, pageSize: 5_000, streams: [{ name: 'big', recordsPerMinute }] });
const baselineRss = process.memoryUsage().rss;
const began = performance.now();
const summary = await run({
  source,
  sink: fileSink({ directory: join(directory, 'out') }, { logger: silentLogger(), clock }),
  checkpoints: fileCheckpointStore({ directory: join(directory, 'state') }),
  logger: silentLogger(),
  clock,
});
const seconds = (performance.now() - began) / 1000;
const peakRssMb = process.resourceUsage().maxRSS / 1024;
// The young generation V8 grew to (it counts in the RSS; V8 sizes it from the memory it is given).
const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
await rm(directory, { recursive: true, force: true });
if (summary.failed.length > 0) throw new Error(`benchmark run failed: ${JSON.stringify(summary.streams)}`);
process.stdout.write(
  `${JSON.stringify({
    benchmark: 'runner+file sink, generated source, one window',
    records: summary.totals.records,
    pages: summary.totals.pages,
    bytes: summary.totals.bytes,
    seconds: Number(seconds.toFixed(2)),
    recordsPerSecond: Math.round(summary.totals.records / seconds),
    peakRssMb: Math.round(peakRssMb),
    baselineRssMb: Math.round(baselineRss / 1024 / 1024),
    newSpaceMb: Math.round((newSpace?.space_size ?? 0) / 1024 / 1024),
  })}\n`,
);
