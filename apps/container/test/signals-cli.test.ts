/**
 * `ctxsiem collect` stopped by a signal while it collects: SIGTERM, SIGINT and SIGHUP (a terminal that
 * hangs up) each stop it at the next page boundary — the request in flight finishes, the checkpoint
 * stays where the acknowledged pages took it, the lease is released and the summary printed — and the
 * next run resumes there. Against a standing `ctxsiem emulator` answering slowly, so the run is still
 * reading when its first part is written.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctxsiem, ctxsiemEmulator, emulatorTenant } from './run-cli.ts';

let dir: string;
let emulator: Awaited<ReturnType<typeof ctxsiemEmulator>>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctxsiem-signals-cli-'));
  emulator = await ctxsiemEmulator(['--seed', '7', '--latency-ms', '100']);
});
afterAll(async () => {
  await emulator?.stop();
  await rm(dir, { recursive: true, force: true });
});

/**
 * Sends `signal` once to the run when it has written its first part (it is then between pages). One
 * look at the folder at a time: looks that overlap on a loaded machine would each send it, and a
 * second signal quits at once, without the summary.
 */
function signalAfterFirstPart(out: string, signal: NodeJS.Signals) {
  return (child: ChildProcess) => {
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    void (async () => {
      while (!exited) {
        const files = await readdir(out, { recursive: true }).catch(() => []);
        if (files.some((file) => String(file).endsWith('.ndjson'))) {
          child.kill(signal);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
  };
}

interface Summary {
  streams: { stream: string; status: string; records: number; to: string }[];
}

describe('ctxsiem collect stopped by a signal', () => {
  for (const signal of ['SIGHUP', 'SIGTERM', 'SIGINT'] as const)
    it(`${signal}: stops at a page boundary, prints its summary, and the next run resumes there`, async () => {
      const out = join(dir, signal);
      const env = {
        ...emulatorTenant(emulator.url),
        ENTITIES: 'Sessions',
        PAGE_SIZE: '20',
        LOOKBACK_MINUTES: '360',
        OUTPUT_DIR: out,
        STATE_DIR: join(out, '_state'),
      };
      const stopped = await ctxsiem(['collect', '--json'], {
        env,
        onSpawn: signalAfterFirstPart(out, signal),
      });
      expect(stopped.stderr).toContain(`${signal}: stopping at the next page boundary`);
      const first = JSON.parse(stopped.stdout) as Summary;
      expect(first.streams[0]).toMatchObject({ stream: 'Sessions', status: 'partial' });
      expect(first.streams[0]?.records).toBeGreaterThan(0);

      // The lease was released: the next run takes the stream at once and carries on from there.
      const next = await ctxsiem(['collect', '--json'], { env });
      expect(next.code, next.stderr).toBe(0);
      const second = JSON.parse(next.stdout) as Summary;
      expect(second.streams[0]?.status).toBe('ok');
      expect(second.streams[0]?.records).toBeGreaterThan(0);
    }, 120_000);
});
