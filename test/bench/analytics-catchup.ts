/**
 * Catch-up benchmark of the Analytics (casodata) source: the emulator answers every API request after
 * 200 ms (a realistic round trip to api.cloud.com), the source reads all three entities with $top=1000
 * through the real runner into the file sink, starting 7 days ago, within a time budget (a 5-minute
 * Lambda by default). Prints one sentence: the complete hours caught up per entity and in total, pages,
 * records and elapsed seconds; then the same as one JSON line (what `run.ts` records).
 *
 *   node --conditions=@ctxsiem/source test/bench/analytics-catchup.ts
 *   BUDGET_SECONDS=60 node --conditions=@ctxsiem/source test/bench/analytics-catchup.ts
 *
 * Also: TOP_N (default 1000), LATENCY_MS (default 200), DAYS (default 7), CONCURRENCY (streams at once,
 * default 4 as the CLI; requests of one tenant are serialised either way).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { floorTo, HOUR_MS, run, silentLogger, systemClock } from '@ctxsiem/core';
import { startEmulator } from '@ctxsiem/emulator';
import { fileCheckpointStore, fileSink } from '@ctxsiem/sink-file';
import { analyticsSource, lastCompleteHour } from '@ctxsiem/source-analytics';

function numberFromEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got ${text}`);
  return value;
}

const budgetSeconds = numberFromEnv('BUDGET_SECONDS', 300);
const top = numberFromEnv('TOP_N', 1000);
const latencyMs = numberFromEnv('LATENCY_MS', 200);
const days = numberFromEnv('DAYS', 7);
const concurrency = numberFromEnv('CONCURRENCY', 4);

const logger = silentLogger();
const clock = systemClock;
const emulator = await startEmulator({ latencyMs });
const directory = await mkdtemp(join(tmpdir(), 'ctxsiem-bench-analytics-'));
const source = analyticsSource(
  {
    options: { type: 'analytics', top },
    connection: emulator.connection,
  },
  { logger, clock },
);
const sink = fileSink({ directory: join(directory, 'out') }, { logger, clock });

try {
  const now = clock.now();
  const start = new Date(floorTo(now - days * 24 * HOUR_MS, HOUR_MS));
  const dueHours =
    (lastCompleteHour(now, source.options.lookbackMinutes).getTime() + HOUR_MS - start.getTime()) / HOUR_MS;
  const began = performance.now();
  const summary = await run({
    source,
    sink,
    checkpoints: fileCheckpointStore({ directory: join(directory, 'state') }),
    logger,
    clock,
    start,
    budgetMs: budgetSeconds * 1000,
    concurrency,
  });
  const elapsedSeconds = (performance.now() - began) / 1000;
  // Complete hours: everything before a stream's checkpoint position (a half-read hour does not count).
  const perEntity = summary.streams.map((s) => ({
    entity: s.stream,
    hours: Math.floor((Date.parse(s.to) - start.getTime()) / HOUR_MS),
  }));
  const total = perEntity.reduce((sum, e) => sum + e.hours, 0);
  const failed = summary.failed.length ? summary.failed.join(',') : 'none';
  console.log(
    `analytics catch-up: ${total}/${dueHours * perEntity.length} complete hours in ${elapsedSeconds.toFixed(1)} s ` +
      `(${perEntity.map((e) => `${e.entity} ${e.hours}/${dueHours}`).join(', ')}; ${days} days due) ` +
      `with budget ${budgetSeconds} s, latency ${latencyMs} ms, $top=${top}: ` +
      `${summary.totals.pages} pages, ${summary.totals.records} records, ` +
      `${source.client.stats.requests} requests, ${source.client.stats.retries} retries, ` +
      `budget exhausted: ${summary.budgetExhausted ? 'yes' : 'no'}, failed: ${failed}`,
  );
  // The same as one JSON line, last: what `run.ts` records in results.json.
  console.log(
    JSON.stringify({
      completeHours: total,
      dueHours: dueHours * perEntity.length,
      entities: perEntity.length,
      days,
      seconds: Number(elapsedSeconds.toFixed(1)),
      budgetSeconds,
      latencyMs,
      top,
      pages: summary.totals.pages,
      records: summary.totals.records,
      requests: source.client.stats.requests,
      retries: source.client.stats.retries,
      budgetExhausted: summary.budgetExhausted,
      failed: summary.failed,
    }),
  );
  if (summary.failed.length > 0) process.exitCode = 1;
} finally {
  await source.close();
  await sink.close();
  await emulator.close();
  await rm(directory, { recursive: true, force: true });
}
