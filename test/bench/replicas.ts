/**
 * Replicas of `ctxsiem serve` on a latency-bound workload: 24 tenants' Monitor Sessions, four hours
 * behind, from the emulator (in its own process, 200 ms per request, one request in flight per
 * tenant), `runner.tenantConcurrency: 4` in each replica — what bounds a replica is requests waiting on
 * the network, not its CPU. N real `serve` processes on one state folder, a schedule every second; the
 * wall time from their start until every tenant's checkpoint has caught up (start-up included, the
 * same for one replica as for three). `run.ts` prints one replica against three.
 *
 *   node --conditions=@ctxsiem/source test/bench/replicas.ts <replicas>
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpointKey } from '@ctxsiem/core';
import { fileCheckpointStore, readStoredFiles } from '@ctxsiem/sink-file';
import { emulatorInChild } from './emulator-child.ts';

const REPLICAS = Number(process.argv[2] ?? 1);
const TENANTS = 24;
const LAG_MINUTES = 5;
const CLI = join(import.meta.dirname, '..', '..', 'apps', 'container', 'src', 'cli.ts');

const now = Date.now();
const tenants = Array.from({ length: TENANTS }, (_, i) => {
  const id = `tenant${String(i + 1).padStart(2, '0')}`;
  return { customerId: id, clientId: `client-${id}`, clientSecret: `secret-${id}` };
});
const emulator = await emulatorInChild({
  nowIso: new Date(now).toISOString(),
  customers: tenants,
  latencyMs: 200,
  sessionsPerHour: 100,
  pageSize: 25,
});
const scratch = await mkdtemp(join(tmpdir(), 'ctxsiem-bench-replicas-'));
const children: ChildProcess[] = [];
try {
  const out = join(scratch, 'out');
  const state = join(scratch, 'state');
  const config = join(scratch, 'ctxsiem.json');
  await writeFile(
    config,
    JSON.stringify({
      tenants: tenants.map((tenant) => ({ ...tenant, apiBase: emulator.url })),
      sources: [{ type: 'monitor', entities: ['Sessions'], lagMinutes: LAG_MINUTES }],
      sink: { type: 'file', directory: out, prefix: '{tenant}' },
      checkpoint: { type: 'file', directory: state },
      runner: { lookbackMinutes: 240, tenantConcurrency: 4, reconcileHorizonMinutes: 0 },
      serve: { schedules: [{ cron: '* * * * * *' }], host: '127.0.0.1', port: 0 },
      logLevel: 'warn',
    }),
  );
  const checkpoints = fileCheckpointStore({ type: 'file', directory: state });
  // Caught up: the checkpoint at now − lag of a run that started after the emulator's now. Latched per
  // tenant: later ticks keep claiming the seconds since, so a window may be claimed at any moment.
  const done = new Set<string>();
  const caughtUp = async (customerId: string) => {
    if (done.has(customerId)) return true;
    const s = (await checkpoints.read(checkpointKey(customerId, 'monitor', 'Sessions')))?.state;
    if (!s || Date.parse(s.position) < now - LAG_MINUTES * 60_000 - 1_000) return false;
    done.add(customerId);
    return true;
  };

  const began = performance.now();
  for (let i = 0; i < REPLICAS; i++)
    children.push(
      spawn(process.execPath, ['--conditions=@ctxsiem/source', CLI, 'serve', '--config', config], {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
        stdio: ['ignore', 'ignore', 'inherit'],
      }),
    );
  const deadline = Date.now() + 600_000;
  while (!(await Promise.all(tenants.map((t) => caughtUp(t.customerId)))).every(Boolean)) {
    if (Date.now() > deadline) throw new Error('the replicas did not catch up in 10 minutes');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const seconds = (performance.now() - began) / 1000;
  const records = (await readStoredFiles(out)).reduce((n, file) => n + file.records.length, 0);
  console.log(
    JSON.stringify({ replicas: REPLICAS, tenants: TENANTS, seconds: Number(seconds.toFixed(2)), records }),
  );
} finally {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  await emulator.stop();
  await rm(scratch, { recursive: true, force: true });
}
