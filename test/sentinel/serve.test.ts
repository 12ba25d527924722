/**
 * `ctxsiem serve` with the sentinel source: consumed continuously — events produced while it runs are
 * delivered — and SIGTERM commits and exits 0 with every event stored once, the group left empty
 * (`collect` too leaves it on SIGTERM). Run from the sources and
 * from the container image's bundle (`scripts/package-app.ts container`), whose Kafka client carries its
 * WebAssembly inline.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningKafka } from '@ctxsiem/local-services';
import { readStoredFiles } from '@ctxsiem/sink-file';
import { runCli } from '@ctxsiem/test-kit';
import { Admin } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageFolder } from '../../scripts/package-app.ts';
import { groupOf, produce, sentinelSection, startBroker, TENANT_ENTRY } from './support.ts';

const CLI = join(import.meta.dirname, '..', '..', 'apps', 'container', 'src', 'cli.ts');
const TOPIC = 'served';

let kafka: RunningKafka;
let scratch: string;
let bundle: string;
beforeAll(async () => {
  kafka = await startBroker([TOPIC, `${TOPIC}-bundle`, `${TOPIC}-collect`]);
  scratch = await mkdtemp(join(tmpdir(), 'ctxsiem-sentinel-serve-'));
  bundle = (await packageFolder('container', join(scratch, 'image'))).dir;
}, 120_000);
afterAll(async () => {
  await kafka?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const storedIds = async (out: string) =>
  (await readStoredFiles(out))
    .filter((file) => !file.path.startsWith('_'))
    .flatMap((file) => file.records.map((record) => String(record.record_id)));

async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The ids of a consumer group's members, as the broker lists them. */
async function membersOf(group: string): Promise<string[]> {
  const admin = new Admin({ ...kafka.adminConnection, clientId: 'describe-group' });
  try {
    const described = (await admin.describeGroups({ groups: [group] })).get(group);
    return [...(described?.members.keys() ?? [])];
  } finally {
    await admin.close();
  }
}

/** `ctxsiem status …` from the sources. */
const statusOf = (args: string[]) => runCli(CLI, ['status', ...args], { label: 'cli-status' });

const COMMANDS = {
  'from the sources': () => ['--conditions=@ctxsiem/source', CLI],
  'from the container bundle': () => [join(bundle, 'cli.mjs')],
};

describe.each(Object.keys(COMMANDS) as (keyof typeof COMMANDS)[])(
  'sentinel under ctxsiem serve, %s',
  (how) => {
    it('consumes continuously and drains on SIGTERM, every event stored once', async () => {
      const topic = how === 'from the sources' ? TOPIC : `${TOPIC}-bundle`;
      const out = join(scratch, how, 'out');
      const file = join(scratch, how, 'ctxsiem.json');
      await mkdir(join(scratch, how), { recursive: true });
      await writeFile(
        file,
        JSON.stringify({
          tenants: [TENANT_ENTRY],
          sources: [sentinelSection(kafka, topic)],
          sink: { type: 'file', directory: out },
          checkpoint: { type: 'file', directory: join(out, '_state') },
          serve: { host: '127.0.0.1', port: 0 },
        }),
      );
      await produce(kafka, topic, 3_000);
      const child = spawn(process.execPath, [...COMMANDS[how](), 'serve', '--config', file], {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let log = '';
      child.stderr.on('data', (chunk) => {
        log += chunk;
      });
      const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
      try {
        await until(async () => (await storedIds(out)).length >= 3_000, 60_000, 'the first 3,000 events');
        // More arrive while it runs: consumed without a restart.
        await produce(kafka, topic, 2_000);
        await until(
          async () => (await storedIds(out)).length >= 5_000,
          60_000,
          `all 5,000 events\n${log.slice(-2000)}`,
        );
        // Ready once the consumer joined; its deliveries and partition lag in the metrics.
        const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(log)![1]!;
        await until(async () => (await fetch(`${url}/readyz`)).status === 200, 30_000, 'readiness');
        expect(await (await fetch(`${url}/readyz`)).json()).toEqual({
          ready: true,
          checks: { sink: 'ok', 'consumer acme01': 'joined' },
        });
        await until(
          async () =>
            /^ctxsiem_kafka_lag_messages\{[^}]*partition="2"\} 0$/m.test(
              await (await fetch(`${url}/metrics`)).text(),
            ),
          30_000,
          'partition lag 0 in the metrics',
        );
        const metrics = await (await fetch(`${url}/metrics`)).text();
        const delivered = [
          ...metrics.matchAll(
            /^ctxsiem_records_total\{tenant="acme01",source="sentinel",stream="[^"]+"\} (\d+)$/gm,
          ),
        ];
        expect(delivered.reduce((sum, match) => sum + Number(match[1]), 0)).toBe(5_000);
        child.kill('SIGTERM');
        expect(await exited, log.slice(-2000)).toBe(0);
        // It left the group on its way out (no member waits for it to time out): the group is empty.
        expect(await membersOf(groupOf(topic))).toEqual([]);
      } finally {
        child.kill('SIGKILL');
      }
      const ids = await storedIds(out);
      expect(ids).toHaveLength(5_000);
      expect(new Set(ids).size).toBe(5_000);

      // `status`: the group's offsets, read from the broker without joining the group.
      const status = JSON.parse((await statusOf(['--config', file, '--json'])).stdout);
      expect(status.streams).toEqual([]);
      expect(status.consumers).toEqual([
        {
          tenant: 'acme01',
          source: 'sentinel',
          log: topic,
          partitions: [0, 1, 2].map((partition) => expect.objectContaining({ partition, start: 0, lag: 0 })),
          lagMessages: 0,
        },
      ]);
      const committed = status.consumers[0].partitions.map((p: { committed: number }) => p.committed);
      expect(committed.reduce((sum: number, n: number) => sum + n, 0)).toBe(5_000);
      expect((await statusOf(['--config', file])).stdout).toMatch(
        new RegExp(`acme01 +sentinel +${topic} +3 +5,000 +5,000 +0 messages`),
      );
    }, 180_000);
  },
);

describe('sentinel under ctxsiem collect', () => {
  it('leaves the group when stopped with SIGTERM: no member left for the next run to wait for', async () => {
    const topic = `${TOPIC}-collect`;
    const out = join(scratch, 'collect', 'out');
    const file = join(scratch, 'collect', 'ctxsiem.json');
    await mkdir(join(scratch, 'collect'), { recursive: true });
    await writeFile(
      file,
      JSON.stringify({
        tenants: [TENANT_ENTRY],
        // Citrix's 60 s session: a member that did not leave would hold the group that long.
        sources: [
          {
            ...sentinelSection(kafka, topic, { records: 200, bytes: 1_048_576, waitMs: 100 }),
            sessionTimeoutMs: 60_000,
          },
        ],
        sink: { type: 'file', directory: out },
        checkpoint: { type: 'file', directory: join(out, '_state') },
      }),
    );
    await produce(kafka, topic, 50_000);
    const child = spawn(
      process.execPath,
      ['--conditions=@ctxsiem/source', CLI, 'collect', '--config', file],
      {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let log = '';
    child.stderr.on('data', (chunk) => {
      log += chunk;
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('close', (_code, signal) => resolve(signal)),
    );
    try {
      await until(
        async () => (await storedIds(out)).length > 0,
        60_000,
        `the first records\n${log.slice(-2000)}`,
      );
      child.kill('SIGTERM');
      // It stopped by itself (not killed), having left the group.
      expect(await exited, log.slice(-2000)).toBeNull();
    } finally {
      child.kill('SIGKILL');
    }
    expect(log).toMatch(/SIGTERM: stopping/);
    expect(await membersOf(groupOf(topic))).toEqual([]);
  }, 120_000);
});
