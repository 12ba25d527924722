/**
 * Runs the emulator in its own process for benchmarks, so its CPU time is not charged to the client
 * (a real API runs elsewhere). Prints `listening <url>` and serves until killed.
 *   node --conditions=@ctxsiem/source test/bench/emulator-process.ts '<EmulatorOptions JSON with nowIso>'
 */
import { startEmulator } from '@ctxsiem/emulator';

const { nowIso, ...options } = JSON.parse(process.argv[2] ?? '{}') as { nowIso?: string } & Record<
  string,
  unknown
>;
const now = nowIso ? Date.parse(nowIso) : undefined;
const emulator = await startEmulator({ ...options, ...(now ? { now: () => now } : {}) });
process.stdout.write(`listening ${emulator.url}\n`);
process.once('SIGTERM', () => {
  void emulator.close().then(() => process.exit(0));
});
