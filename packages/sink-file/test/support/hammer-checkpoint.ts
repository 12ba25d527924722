/**
 * One runner process for the file store's cross-process test: reads the checkpoint `key` under
 * `directory` and writes over the version read, `attempts` times as fast as it can, so it races the
 * other processes doing the same. Prints one JSON line per successful write: the version it got, the
 * version it wrote over and the state it wrote. Run with `node --conditions=@ctxsiem/source`.
 *
 *   hammer-checkpoint.ts <directory> <key> <writer id> <attempts>
 */
import { CheckpointConflictError } from '@ctxsiem/core';
import { fileCheckpointStore } from '../../src/index.ts';

const [directory, key, writer, attempts] = process.argv.slice(2);
if (!directory || !key || !writer || !attempts)
  throw new Error('usage: <directory> <key> <writer> <attempts>');

const store = fileCheckpointStore({ directory });
const lines: string[] = [];
let conflicts = 0;
for (let i = 0; i < Number(attempts); i++) {
  const current = await store.read(key);
  const state = {
    position: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
    lease: { owner: writer, expiresAt: '2024-01-02T00:00:00.000Z' },
    attempt: i,
  };
  try {
    const version = await store.write(key, state, current?.version);
    lines.push(JSON.stringify({ writer, version, over: current?.version ?? null, state }));
  } catch (error) {
    if (!(error instanceof CheckpointConflictError)) throw error;
    conflicts++;
  }
}
lines.push(JSON.stringify({ writer, conflicts }));
process.stdout.write(`${lines.join('\n')}\n`);
