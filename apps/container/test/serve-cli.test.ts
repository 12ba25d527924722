/**
 * `ctxsiem serve` as a process against the emulator: scheduled ticks collect, SIGHUP with a bad config
 * is refused while ticks go on, SIGHUP with a good one reloads, SIGTERM drains and exits 0 — and what
 * was stored matches the emulator, nothing twice.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkpointKey } from '@ctxsiem/core';
import { type Emulator, startEmulator } from '@ctxsiem/emulator';
import { fileCheckpointStore, readStoredRecords } from '@ctxsiem/sink-file';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = join(import.meta.dirname, '..', 'src', 'cli.ts');

let dir: string;
let emulator: Emulator;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctxsiem-serve-'));
  // The emulator's clock stands still at the test's start, so its data does not change under the
  // comparison (the collector's clock runs on: it sees nothing newer than that instant).
  const now = Date.now();
  emulator = await startEmulator({ seed: 3, pageSize: 50, sessionsPerHour: 60, now: () => now });
});
afterAll(async () => {
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

const config = (cron: string) => ({
  tenants: [{ customerId: 'demo', clientId: 'demo', clientSecret: 'demo', apiBase: emulator.url }],
  sources: [{ type: 'monitor', entities: ['Sessions'] }],
  sink: { type: 'file', directory: join(dir, 'out') },
  checkpoint: { type: 'file', directory: join(dir, 'out', '_state') },
  runner: { lookbackMinutes: 120 },
  serve: { schedules: [{ cron }], drainSeconds: 20, host: '127.0.0.1', port: 0 },
});

/** The daemon's stderr (its logs), and a way to wait for a line. */
function watch(child: ChildProcess) {
  let log = '';
  const waiters: { pattern: RegExp; count: number; resolve: () => void }[] = [];
  const check = () => {
    for (const waiter of [...waiters])
      if ((log.match(new RegExp(waiter.pattern, 'g')) ?? []).length >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
  };
  child.stderr!.on('data', (chunk) => {
    log += chunk;
    check();
  });
  return {
    get log() {
      return log;
    },
    until(pattern: RegExp, count = 1, timeoutMs = 30_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${count}× ${pattern} within ${timeoutMs} ms:\n${log.slice(-3000)}`)),
          timeoutMs,
        );
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        waiters.push({ pattern, count, resolve: done });
        check();
      });
    },
  };
}

describe('ctxsiem serve', () => {
  it('collects on schedule, refuses a bad reload, applies a good one and drains on SIGTERM', async () => {
    const file = join(dir, 'ctxsiem.json');
    await writeFile(file, JSON.stringify(config('*/2 * * * * *')));
    const child = spawn(process.execPath, ['--conditions=@ctxsiem/source', CLI, 'serve', '--config', file], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    const daemon = watch(child);
    try {
      await daemon.until(/scheduled collection finished"/, 2);
      // Health, readiness (the sink answered its probe) and metrics, on the port it printed.
      const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(daemon.log)![1]!;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ ready: true, checks: { sink: 'ok' } });
      const metrics = await (await fetch(`${url}/metrics`)).text();
      const records =
        /^ctxsiem_records_total\{tenant="demo",source="monitor",stream="Sessions"\} (\d+)$/m.exec(metrics);
      expect(Number(records?.[1])).toBeGreaterThan(0);
      expect(metrics).toMatch(/^ctxsiem_run_duration_seconds_count\{schedule="0",outcome="ok"\} [2-9]/m);
      expect(metrics).toMatch(
        /^ctxsiem_lag_seconds\{tenant="demo",source="monitor",stream="Sessions"\} \d+/m,
      );
      expect(metrics).toMatch(
        /^ctxsiem_source_requests_total\{tenant="demo",source="monitor",kind="requests"\} \d+/m,
      );
      expect((await fetch(`${url}/nothing`)).status).toBe(404);

      // A config that does not validate: refused with the field, and the ticks go on.
      await writeFile(file, JSON.stringify({ ...config('*/2 * * * * *'), tenants: [] }));
      child.kill('SIGHUP');
      await daemon.until(/the new configuration was refused/);
      expect(daemon.log).toMatch(/tenants: must list at least one tenant/);
      await daemon.until(/scheduled collection finished"/, 3);

      // An invalid cron expression is refused too, naming it.
      await writeFile(file, JSON.stringify(config('every minute')));
      child.kill('SIGHUP');
      await daemon.until(/the new configuration was refused/, 2);
      expect(daemon.log).toMatch(/serve\.schedules\[0\]\.cron/);

      // A good one: reloaded, and collecting goes on under it.
      await writeFile(file, JSON.stringify(config('* * * * * *')));
      child.kill('SIGHUP');
      await daemon.until(/configuration reloaded/);
      const before = (daemon.log.match(/scheduled collection finished"/g) ?? []).length;
      await daemon.until(/scheduled collection finished"/, before + 1);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(daemon.log).toMatch(/SIGTERM: draining/);
    } finally {
      child.kill('SIGKILL');
    }

    const state = (await fileCheckpointStore({ directory: join(dir, 'out', '_state') }).read(
      checkpointKey('demo', 'monitor', 'Sessions'),
    ))!.state;
    expect(state.lastRun?.status).toMatch(/ok|idle/);
    const stored = await readStoredRecords(join(dir, 'out', 'Sessions'));
    const versions = stored.map((r) => `${r.SessionKey}@${r.ModifiedDate}`);
    expect(new Set(versions).size).toBe(versions.length);
    const truth = [
      ...emulator.data.monitor('Sessions', { from: new Date(state.origin!), to: new Date(state.position) }),
    ].map((r) => `${r.SessionKey}@${r.ModifiedDate}`);
    expect(truth.length).toBeGreaterThan(0);
    expect(versions.toSorted()).toEqual(truth.toSorted());
  }, 120_000);

  it('becomes ready by itself once a sink that was down at the start answers, and counts records as they are delivered', async () => {
    // Slow pages and a day to catch up: the first collection is still running when /metrics is read.
    const slow = await startEmulator({
      seed: 5,
      pageSize: 50,
      sessionsPerHour: 60,
      latencyMs: 300,
      now: () => Date.now(),
    });
    const base = join(dir, 'recovering');
    await mkdir(base, { recursive: true });
    // The sink's folder cannot be created while a file stands where its parent should be.
    const blocker = join(base, 'volume');
    await writeFile(blocker, 'not a folder yet');
    const file = join(base, 'ctxsiem.json');
    await writeFile(
      file,
      JSON.stringify({
        ...config('*/2 * * * * *'),
        tenants: [{ customerId: 'demo', clientId: 'demo', clientSecret: 'demo', apiBase: slow.url }],
        sink: { type: 'file', directory: join(blocker, 'out') },
        checkpoint: { type: 'file', directory: join(base, 'state') },
        runner: { lookbackMinutes: 1440 },
      }),
    );
    const child = spawn(process.execPath, ['--conditions=@ctxsiem/source', CLI, 'serve', '--config', file], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    const daemon = watch(child);
    try {
      await daemon.until(/the sink probe failed: not ready; probing again after a pause/);
      const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(daemon.log)![1]!;
      const down = await fetch(`${url}/readyz`);
      expect(down.status).toBe(503);
      expect(((await down.json()) as { checks: { sink: string } }).checks.sink).toMatch(
        /^failed: .*probing again in/,
      );
      expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^ctxsiem_ready 0$/m);

      // The sink comes up: no signal, no restart — the daemon probes again and becomes ready.
      await rm(blocker);
      await mkdir(blocker);
      await daemon.until(/the sink answered its probe: ready/, 1, 90_000);
      const up = await fetch(`${url}/readyz`);
      expect(up.status).toBe(200);

      // Records count as pages are delivered: seen before any collection finished.
      let counted = 0;
      while (counted === 0) {
        const finished = /scheduled collection finished"/.test(daemon.log);
        const metrics = await (await fetch(`${url}/metrics`)).text();
        counted = Number(
          /^ctxsiem_records_total\{tenant="demo",source="monitor",stream="Sessions"\} (\d+)$/m.exec(
            metrics,
          )?.[1] ?? 0,
        );
        if (counted > 0) expect(finished, 'counted while the collection was still running').toBe(false);
        else await sleep(100);
      }
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await slow.close();
    }
  }, 180_000);
});
