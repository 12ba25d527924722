/**
 * `ctxsiem collect` on the sentinel source, killed with SIGKILL at random moments — between a sink's
 * acknowledgement and the commit among them — then run again until caught up: every event stored
 * once. Batches a killed member delivered but never committed are delivered again by the next run
 * (same record ids, same parts), which the file sink acknowledges as already stored. Both ways a
 * restarted member joins: in the killed one's place (static membership), or as a new member the group
 * waits a session for.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConsumeSummary } from '@ctxsiem/core';
import type { RunningKafka } from '@ctxsiem/local-services';
import { readStoredFiles } from '@ctxsiem/sink-file';
import { seededRandom } from '@ctxsiem/source-generated';
import { runCli } from '@ctxsiem/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { produce, sentinelSection, startBroker, TENANT_ENTRY } from './support.ts';

const CLI = join(import.meta.dirname, '..', '..', 'apps', 'container', 'src', 'cli.ts');
const EVENTS = 100_000;
const KILLS = 4;
/**
 * A restarted static member takes the killed one's place at once; a dynamic one first waits out the
 * killed member's session (6 s here), so a restarted run's kill comes later to land while it consumes.
 */
const MEMBERSHIPS = [
  {
    membership: 'static',
    topic: 'killed-static',
    groupInstanceId: 'ctxsiem-{tenant}-1',
    restartWaitMs: 0,
  },
  {
    membership: 'dynamic',
    topic: 'killed-dynamic',
    groupInstanceId: undefined,
    restartWaitMs: 6_500,
  },
] as const;

let kafka: RunningKafka;
let scratch: string;

beforeAll(async () => {
  kafka = await startBroker(MEMBERSHIPS.map((m) => m.topic));
  scratch = await mkdtemp(join(tmpdir(), 'ctxsiem-sentinel-kill-'));
  for (const { topic } of MEMBERSHIPS) await produce(kafka, topic, EVENTS);
}, 120_000);
afterAll(async () => {
  await kafka?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe.each(MEMBERSHIPS)(
  'sentinel under kill -9, $membership membership',
  ({ membership, topic, groupInstanceId, restartWaitMs }) => {
    it('stores every event once across runs killed at random moments', async () => {
      const out = join(scratch, membership, 'out');
      const configPath = join(scratch, `${membership}.json`);
      await writeFile(
        configPath,
        JSON.stringify({
          tenants: [TENANT_ENTRY],
          // Small batches, so kills land between writes and commits; a short session, so the group
          // notices a killed member in seconds instead of Citrix's 60.
          sources: [
            {
              ...sentinelSection(kafka, topic, { records: 250, bytes: 1_048_576, waitMs: 100 }),
              sessionTimeoutMs: 6_000,
              ...(groupInstanceId ? { groupInstanceId } : {}),
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
      let expired = 0;
      const failures: string[] = [];
      /** Records stored when each killed run died: they must grow, so kills land while consuming. */
      const storedAtKills: number[] = [];
      let caughtUp = false;
      for (let run = 0; run < KILLS + 6 && !caughtUp; run++) {
        const killAfterMs =
          run < KILLS ? (run > 0 ? restartWaitMs : 0) + 1_500 + Math.floor(random() * 2_500) : undefined;
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
        expired += log.expired.length;
        caughtUp = log.stoppedBy === 'caught-up' && log.partitions.every((p) => p.lag === 0);
      }
      expect(caughtUp).toBe(true);
      expect(kills).toBeGreaterThan(0);
      const files = await readStoredFiles(out);
      const records = files.filter((f) => !f.path.startsWith('_deadletter/')).flatMap((f) => f.records);
      const ids = new Set(records.map((record) => String(record.record_id)));
      const duplicated = records.length - ids.size;
      const lost = EVENTS - ids.size;
      const partitions = log0partitions(ids);
      console.log(
        `sentinel kill -9 (${membership} membership): ${kills} kills (records stored at each: ${storedAtKills.join(', ')}), ${EVENTS} events; lost ${lost}, stored twice ${duplicated}; ${redelivered} records delivered again after a kill and found stored; ${rejoins} rejoins after a consumer failed; ${expired} offsets expired; ${failures.length} failed runs${failures.length ? `: ${failures.join(' | ')}` : ''}${lost ? `; stored per partition: ${partitions}` : ''}`,
      );
      expect(lost).toBe(0);
      expect(duplicated).toBe(0);
      expect(expired).toBe(0);
    }, 240_000);
  },
);

/** Per partition: how many records were stored, and the offsets missing below the highest stored. */
function log0partitions(ids: Set<string>): string {
  const offsets = new Map<string, number[]>();
  for (const id of ids) {
    const [, partition, offset] = id.split('/');
    offsets.set(partition!, [...(offsets.get(partition!) ?? []), Number(offset)]);
  }
  return [...offsets]
    .sort()
    .map(([partition, list]) => {
      const sorted = list.sort((a, b) => a - b);
      const gaps = sorted.flatMap((offset, i) =>
        i > 0 && offset !== sorted[i - 1]! + 1 ? [`${sorted[i - 1]! + 1}–${offset - 1}`] : [],
      );
      return `p${partition} ${sorted.length} (to ${sorted.at(-1)}${gaps.length ? `, missing ${gaps.join(', ')}` : ''})`;
    })
    .join('; ');
}
