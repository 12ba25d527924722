/**
 * Benchmarks of the Monitor source against the emulator over real HTTP.
 *  overlap:    latency 50 ms, ~200 pages: wall time ÷ (pages × latency). 1.0 means delivery is fully
 *              hidden behind fetching (target ≤ 1.05). Printed beside it, the floor: a bare fetch +
 *              JSON.parse loop over the same pages at the same latency (the emulator's timers and the
 *              HTTP round trips alone).
 *  throughput: latency 0: our records/s (client + runner + file sink, the full guarantee on: schema
 *              checks, digests, manifests, create-only parts, checkpoints) ÷ a raw fetch + JSON.parse
 *              loop over the same pages (target ≥ 0.9).
 *   node --conditions=@ctxsiem/source test/bench/monitor.ts overlap|throughput
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, run, silentLogger } from '@ctxsiem/core';
import { fileCheckpointStore, fileSink } from '@ctxsiem/sink-file';
import { monitorSource } from '@ctxsiem/source-monitor';
import { emulatorInChild } from './emulator-child.ts';

const NOW = new Date('2024-08-06T12:20:00Z');
const FROM = new Date('2024-08-06T08:00:00Z');
const mode = process.argv[2] ?? 'overlap';

async function ours(latencyMs: number, sessionsPerHour: number, pageSize: number) {
  const clock = new ManualClock(NOW);
  const emulator = await emulatorInChild({ nowIso: NOW.toISOString(), latencyMs, sessionsPerHour, pageSize });
  const directory = await mkdtemp(join(tmpdir(), 'ctxsiem-bench-monitor-'));
  const source = monitorSource(
    {
      options: { type: 'monitor', entities: ['Sessions'], sessionUserFields: false },
      connection: { customerId: 'demo', clientId: 'demo', clientSecret: 'demo', apiBase: emulator.url },
    },
    { logger: silentLogger(), clock },
  );
  // Warm up the token and the connection outside the measurement.
  await source.client.getJson('monitorodata/Sessions?$top=1');
  const began = performance.now();
  const summary = await run({
    source,
    sink: fileSink({ directory }, { logger: silentLogger(), clock }),
    checkpoints: fileCheckpointStore({ directory: join(directory, '_state') }),
    logger: silentLogger(),
    clock,
    start: FROM,
    streams: ['Sessions'],
  });
  const seconds = (performance.now() - began) / 1000;
  await source.close?.();
  await emulator.stop();
  await rm(directory, { recursive: true, force: true });
  return { seconds, records: summary.totals.records, pages: summary.totals.pages };
}

async function raw(latencyMs: number, sessionsPerHour: number, pageSize: number) {
  const emulator = await emulatorInChild({ nowIso: NOW.toISOString(), latencyMs, sessionsPerHour, pageSize });
  const tokenResponse = await fetch(`${emulator.url}/cctrustoauth2/demo/tokens/clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&client_id=demo&client_secret=demo',
  });
  const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
  const headers = {
    authorization: `CwsAuth Bearer=${token}`,
    'citrix-customerid': 'demo',
    accept: 'application/json',
  };
  const began = performance.now();
  let records = 0;
  let pages = 0;
  // Same windows as the runner plans: hour by hour up to the horizon.
  for (let from = FROM.getTime(); from < NOW.getTime() - 10 * 60_000; ) {
    const to = Math.min(from + 3600_000, NOW.getTime() - 10 * 60_000);
    const filter = `(ModifiedDate ge ${new Date(from).toISOString().replace('.000Z', 'Z')} and ModifiedDate lt ${new Date(to).toISOString().replace('.000Z', 'Z')})`;
    let url: string | undefined =
      `${emulator.url}/monitorodata/Sessions?$filter=${encodeURIComponent(filter)}`;
    while (url) {
      const body = JSON.parse(await (await fetch(url, { headers })).text()) as {
        value: unknown[];
        '@odata.nextLink'?: string;
      };
      records += body.value.length;
      pages++;
      url = body['@odata.nextLink'];
    }
    from = to;
  }
  const seconds = (performance.now() - began) / 1000;
  await emulator.stop();
  return { seconds, records, pages };
}

if (mode === 'overlap') {
  const latencyMs = 50;
  const result = await ours(latencyMs, 3_000, 100);
  // The floor: a bare fetch + JSON.parse loop over the same pages at the same latency.
  const floor = await raw(latencyMs, 3_000, 100);
  const ideal = (result.pages * latencyMs) / 1000;
  process.stdout.write(
    `${JSON.stringify({
      benchmark: 'monitor overlap (latency 50 ms)',
      ...result,
      idealSeconds: ideal,
      ratio: Number((result.seconds / ideal).toFixed(3)),
      rawSeconds: Number(floor.seconds.toFixed(3)),
      rawRatio: Number((floor.seconds / ideal).toFixed(3)),
      target: '<= 1.05',
    })}\n`,
  );
} else {
  const sessionsPerHour = 20_000;
  const pageSize = 1000;
  const mine = await ours(0, sessionsPerHour, pageSize);
  const baseline = await raw(0, sessionsPerHour, pageSize);
  if (mine.records !== baseline.records)
    throw new Error(`record counts differ: ours ${mine.records}, raw ${baseline.records}`);
  const oursRate = mine.records / mine.seconds;
  const rawRate = baseline.records / baseline.seconds;
  process.stdout.write(
    `${JSON.stringify({
      benchmark: 'monitor throughput (latency 0): ours ÷ raw fetch+JSON.parse',
      records: mine.records,
      pages: mine.pages,
      oursRecordsPerSecond: Math.round(oursRate),
      rawRecordsPerSecond: Math.round(rawRate),
      ratio: Number((oursRate / rawRate).toFixed(3)),
      target: '>= 0.9',
    })}\n`,
  );
}
