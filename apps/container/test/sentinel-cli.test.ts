import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  }, 200_000);
});
