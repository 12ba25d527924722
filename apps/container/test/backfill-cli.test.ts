/**
 * `ctxsiem backfill` against the emulator: a past range collected exactly as the emulator has it, the
 * live checkpoint untouched, progress as JSON lines off a terminal, a second run delivering nothing
 * again, and a range reaching into what the live stream or another backfill collected refused.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { backfillKey, checkpointKey, floorTo, HOUR_MS } from '@ctxsiem/core';
import { type Emulator, startEmulator } from '@ctxsiem/emulator';
import { fileCheckpointStore, readStoredRecords } from '@ctxsiem/sink-file';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ctxsiem, emulatorTenant } from './run-cli.ts';

let dir: string;
let emulator: Emulator;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctxsiem-backfill-cli-'));
  // The emulator's clock stands still at the test's start, so its data does not change under the
  // comparison (the collector's clock runs on: it sees nothing newer than that instant).
  const now = Date.now();
  emulator = await startEmulator({ seed: 7, pageSize: 50, sessionsPerHour: 60, now: () => now });
});
afterAll(async () => {
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

const env = () => ({
  ...emulatorTenant(emulator.url),
  ENTITIES: 'Sessions',
  OUTPUT_DIR: join(dir, 'out'),
  LOOKBACK_MINUTES: '120',
});

/** Session versions (key and ModifiedDate), sorted: equal lists mean nothing lost, nothing twice. */
const versions = (records: Iterable<Record<string, unknown>>) =>
  [...records].map((r) => `${r.SessionKey}@${r.ModifiedDate}`).sort();
const inRange = (from: Date, to: Date) => (r: Record<string, unknown>) =>
  Date.parse(String(r.ModifiedDate)) >= from.getTime() && Date.parse(String(r.ModifiedDate)) < to.getTime();

describe('ctxsiem backfill', () => {
  it('collects a past range as the emulator has it and leaves the live checkpoint alone', async () => {
    const live = await ctxsiem(['collect', '--json'], { env: env() });
    expect(live.code, live.stderr).toBe(0);
    const store = fileCheckpointStore({ directory: join(dir, 'out', '_state') });
    const key = checkpointKey('demo', 'monitor', 'Sessions');
    const before = await store.read(key);
    expect(before?.state.position).toBeDefined();

    const from = new Date(floorTo(Date.now(), 24 * HOUR_MS) - 24 * HOUR_MS);
    const to = new Date(from.getTime() + 6 * HOUR_MS);
    const args = ['backfill', '--from', from.toISOString(), '--to', to.toISOString(), '--json'];
    const result = await ctxsiem(args, { env: env() });
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.streams[0]).toMatchObject({ stream: 'Sessions', status: 'ok', windows: 6 });

    const truth = versions(emulator.data.monitor('Sessions', { from, to }));
    expect(truth.length).toBeGreaterThan(100);
    const stored = await readStoredRecords(join(dir, 'out', 'Sessions'));
    expect(versions(stored.filter(inRange(from, to)))).toEqual(truth);

    // The live checkpoint is as the live run left it; the backfill has its own.
    expect(await store.read(key)).toEqual(before);
    expect(await store.list()).toContain(backfillKey(key, { from, to }));

    // Progress off a terminal: one JSON line per window, counting up to the total.
    const progress = result.stderr
      .split('\n')
      .filter((line) => line.startsWith('{"tenant"'))
      .map((line) => JSON.parse(line));
    expect(progress.map((p) => p.windowsDone)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(progress.every((p) => p.windowsTotal === 6)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ tenant: 'demo', stream: 'Sessions', etaSeconds: 0 });
    expect(progress.at(-1).records).toBe(summary.totals.records);

    // `status` tells the backfill's row from the live one.
    const status = JSON.parse((await ctxsiem(['status', '--json'], { env: env() })).stdout);
    expect(status.streams.map((row: { backfill?: unknown }) => row.backfill)).toEqual([
      undefined,
      { from: from.toISOString(), to: to.toISOString() },
    ]);

    // Again: the range is done, nothing is delivered twice — and the command says so.
    const againRun = await ctxsiem(args, { env: env() });
    const again = JSON.parse(againRun.stdout);
    expect(again.totals.records).toBe(0);
    expect(againRun.stderr).toMatch(
      new RegExp(
        `backfill: (no window to collect|\\d+ windows?) from ${from.toISOString()} to ${to.toISOString()}`,
      ),
    );
    expect(await readStoredRecords(join(dir, 'out', 'Sessions'))).toHaveLength(stored.length);
  });

  it('refuses a range reaching into what the live stream or another backfill collected, saying what is free', async () => {
    const store = fileCheckpointStore({ directory: join(dir, 'out', '_state') });
    const live = (await store.read(checkpointKey('demo', 'monitor', 'Sessions')))!.state;
    const storedBefore = await readStoredRecords(join(dir, 'out', 'Sessions'));
    const backfill = async (from: Date, to: Date) => {
      const result = await ctxsiem(
        ['backfill', '--from', from.toISOString(), '--to', to.toISOString(), '--json'],
        {
          env: env(),
        },
      );
      expect(result.code).toBe(1);
      const stream = JSON.parse(result.stdout).streams[0];
      expect(stream.status).toBe('failed');
      return String(stream.error);
    };
    const origin = Date.parse(live.origin!);
    expect(await backfill(new Date(origin - HOUR_MS), new Date(origin + HOUR_MS))).toContain(
      `the range ends after ${live.origin}, where live collection of demo/monitor/Sessions began: backfill up to ${live.origin} at most`,
    );
    // The first test backfilled yesterday 00:00–06:00.
    const yesterday = floorTo(Date.now(), 24 * HOUR_MS) - 24 * HOUR_MS;
    expect(await backfill(new Date(yesterday + 3 * HOUR_MS), new Date(yesterday + 9 * HOUR_MS))).toMatch(
      /the range overlaps another backfill of demo\/monitor\/Sessions \(\S+T00:00:00.000Z to \S+T06:00:00.000Z\)/,
    );
    expect(await readStoredRecords(join(dir, 'out', 'Sessions'))).toHaveLength(storedBefore.length);
  });

  it('shows a bar on a terminal: windows done of the total, records, their rate, the time left', async () => {
    // A pseudo-terminal: util-linux `script` runs the CLI with a tty on its output and copies it out.
    const from = new Date(floorTo(Date.now(), 24 * HOUR_MS) - 2 * 24 * HOUR_MS);
    const to = new Date(from.getTime() + 3 * HOUR_MS);
    const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;
    const command = [process.execPath, '--conditions=@ctxsiem/source', CLI, 'backfill']
      .concat(['--from', from.toISOString(), '--to', to.toISOString()])
      .map(quote)
      .join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      env: { ...env(), PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TERM: 'xterm' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const screen = stripVTControlCharacters(out);
    expect(code, screen).toBe(0);
    expect(screen).toMatch(/backfill \[[^\]]+\] 3\/3 windows \| [1-9]\d* records \| \d+ records\/s \| ETA /);
    // No JSON progress lines on a terminal.
    expect(screen).not.toContain('{"tenant"');
  });

  it('refuses a range that is not one, naming the option', async () => {
    const future = new Date(Date.now() + HOUR_MS).toISOString();
    for (const [from, to, message] of [
      ['yesterday', future, /--from: not an ISO-8601 instant/],
      ['2026-01-02T00:00:00Z', '2026-01-01T00:00:00Z', /--to: must be after --from/],
      ['2026-01-01T00:00:00Z', future, /--to: is in the future/],
    ] as const) {
      const result = await ctxsiem(['backfill', '--from', from, '--to', to], { env: env() });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  });
});
