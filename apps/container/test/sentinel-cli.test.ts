import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStoredRecords } from '@ctxsiem/sink-file';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctxsiem } from './run-cli.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctxsiem-sentinel-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the sentinel source through the CLI', () => {
  it('`demo --sources sentinel` starts a broker, produces the risk events and consumes every one into files', async () => {
    const out = join(dir, 'demo');
    const result = await ctxsiem(['demo', '--out', out, '--sources', 'sentinel', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.logs).toHaveLength(1);
    expect(summary.logs[0]).toMatchObject({
      source: 'sentinel',
      records: 5_400,
      deadLetters: 0,
      stoppedBy: 'caught-up',
    });
    expect(summary.logs[0].partitions.every((p: { lag: number }) => p.lag === 0)).toBe(true);
    const folders = await readdir(out);
    for (const stream of ['indicatorEventDetails', 'indicatorSummary', 'riskScoreChange', 'userProfile'])
      expect(folders).toContain(stream);
    // The made-up SCRAM password of the demo's broker is not printed.
    expect(result.stderr).not.toMatch(/"password"/);

    // Again, as its footer promises: a new broker, new events at the same offsets — the previous demo's
    // parts are removed first (and it says so), so every event of this run is stored, once.
    const again = await ctxsiem(['demo', '--out', out, '--sources', 'sentinel', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).logs[0]).toMatchObject({ records: 5_400, deadLetters: 0 });
    expect(again.stderr).toMatch(
      /The sentinel demo starts afresh .*: \d+ part\(s\) of the previous demo removed first/,
    );
    expect(await readStoredRecords(out)).toHaveLength(5_400);
  }, 300_000);
});
