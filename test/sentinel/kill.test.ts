/**
 * `ctxsiem collect` on the sentinel source, killed with SIGKILL at random moments — between a sink's
 * acknowledgement and the commit among them — then run again until caught up: every event stored
 * once. Batches a killed member delivered but never committed are delivered again by the next run
 * (same record ids, same parts), which the file sink acknowledges as already stored.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConsumeSummary } from '@ctxsiem/core';
import { readStoredFiles } from '@ctxsiem/sink-file';
import { runCli, seededRandom } from '@ctxsiem/test-kit';
import type { RunningKafka } from '@ctxsiem/test-kit/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { produce, sentinelSection, startBroker, TENANT_ENTRY } from './support.ts';

const CLI = join(import.meta.dirname, '..', '..', 'apps', 'container', 'src', 'cli.ts');
const EVENTS = 100_000;
const KILLS = 4;
const TOPIC = 'killed';

let kafka: RunningKafka;
let scratch: string;

beforeAll(async () => {
  kafka = await startBroker([TOPIC]);
  scratch = await mkdtemp(join(tmpdir(), 'ctxsiem-sentinel-kill-'));
  await produce(kafka, TOPIC, EVENTS);
}, 120_000);
afterAll(async () => {
  await kafka?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('sentinel under kill -9', () => {
  it('stores every event once across runs killed at random moments', async () => {
    const out = join(scratch, 'out');
    const configPath = join(scratch, 'ctxsiem.json');
    await writeFile(
      configPath,
      JSON.stringify({
        tenants: [TENANT_ENTRY],
        // Small batches, so kills land between writes and commits; a short session, so the group
        // notices a killed member in seconds instead of Citrix's 60; one static member id.
        sources: [
          {
            ...sentinelSection(kafka, TOPIC, { records: 250, bytes: 1_048_576, waitMs: 100 }),
            sessionTimeoutMs: 6_000,
            groupInstanceId: 'ctxsiem-{tenant}-1',
          },
        ],
        sink: { type: 'file', directory: out },
        checkpoint: { type: 'file', directory: join(out, '_state') },
      }),
    );
    const random = seededRandom(20261128);
    let kills = 0;
    let redelivered = 0;
    let rejoins = 0;
    const failures: string[] = [];
    /** Records stored when each killed run died: they must grow, so kills land while consuming. */
    const storedAtKills: number[] = [];
    let caughtUp = false;
    for (let run = 0; run < KILLS + 6 && !caughtUp; run++) {
      // Static membership: a restarted member takes the killed one's place at once (without it the
      // group waits a session for the killed member, and the client can come out of that rebalance
      // fetching nothing — see the source's README).
      const killAfterMs = run < KILLS ? 1_500 + Math.floor(random() * 2_500) : undefined;
      const result = await runCli(CLI, ['collect', '--json', '--config', configPath], {
        label: 'sentinel-kill',
        // A run not meant to be killed is stopped after 90 s (and the test fails, saying so).
        killAfterMs: killAfterMs ?? 90_000,
        onKill: () => {
          if (killAfterMs !== undefined) kills++;
        },
      });
      if (killAfterMs === undefined && result.signal === 'SIGKILL')
        throw new Error(`a run did not finish in 90 s:\n${result.stderr.slice(-3000)}`);
      if (result.signal === null && result.code !== 0) {
        // A run may fail (offsets kept, the next run resumes); it must say why.
        const why = result.stderr.trim().split('\n').at(-1) ?? '';
        expect(why, result.stderr.slice(-2000)).not.toBe('');
        failures.push(why.slice(0, 300));
        continue;
      }
      if (result.signal === 'SIGKILL') {
        storedAtKills.push((await readStoredFiles(out)).reduce((n, file) => n + file.records.length, 0));
        continue;
      }
      const summary = JSON.parse(result.stdout) as { logs: ConsumeSummary[] };
      const log = summary.logs[0]!;
      redelivered += log.alreadyDelivered;
      rejoins += log.rejoins;
      caughtUp = log.stoppedBy === 'caught-up' && log.partitions.every((p) => p.lag === 0);
    }
    expect(caughtUp).toBe(true);
    expect(kills).toBeGreaterThan(0);
    const files = await readStoredFiles(out);
    const records = files.filter((f) => !f.path.startsWith('_deadletter/')).flatMap((f) => f.records);
    const ids = new Set(records.map((record) => String(record.record_id)));
    const duplicated = records.length - ids.size;
    const lost = EVENTS - ids.size;
    console.log(
      `sentinel kill -9: ${kills} kills (records stored at each: ${storedAtKills.join(', ')}), ${EVENTS} events; lost ${lost}, stored twice ${duplicated}; ${redelivered} records delivered again after a kill and found stored; ${rejoins} rejoins of a member that stopped receiving; ${failures.length} failed runs${failures.length ? `: ${failures.join(' | ')}` : ''}`,
    );
    expect(lost).toBe(0);
    expect(duplicated).toBe(0);
  }, 240_000);
});
