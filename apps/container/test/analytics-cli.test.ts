import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctxsiem, ctxsiemEmulator } from './run-cli.ts';

let dir: string;
let emulator: Awaited<ReturnType<typeof ctxsiemEmulator>>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctxsiem-analytics-cli-'));
  emulator = await ctxsiemEmulator(['--seed', '3']);
});
afterAll(async () => {
  await emulator?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the Analytics source through the CLI', () => {
  it('SOURCE=analytics with the seed variables collects every due hour, enveloped as the seed did', async () => {
    const env = {
      SOURCE: 'analytics',
      API_BASE: `${emulator.url}/casodata`,
      CITRIX_CUSTOMER_ID: 'demo',
      CITRIX_CLIENT_ID: 'demo',
      CITRIX_CLIENT_SECRET: 'demo',
      ENTITIES: 'sessions,users',
      TOP_N: '50',
      LOOKBACK_MINUTES: '75',
      START: new Date(Math.floor(Date.now() / 3600_000) * 3600_000 - 4 * 3600_000).toISOString(),
      OUTPUT_DIR: join(dir, 'out'),
    };
    const result = await ctxsiem(['collect', '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.streams.map((s: { stream: string }) => s.stream)).toEqual(['sessions', 'users']);
    for (const stream of summary.streams) {
      expect(stream.status).toBe('ok');
      expect(stream.windows).toBeGreaterThanOrEqual(2);
      expect(new Date(stream.to).getUTCMinutes()).toBe(0);
    }
    const files = (await readdir(join(dir, 'out', 'sessions'), { recursive: true }))
      .map(String)
      .filter((f) => f.endsWith('.ndjson'));
    expect(files.length).toBeGreaterThan(0);
    const first = JSON.parse(
      (await readFile(join(dir, 'out', 'sessions', files[0]!), 'utf8')).split('\n')[0]!,
    );
    expect(Object.keys(first).sort()).toEqual([
      'citrix_customer_id',
      'citrix_entity',
      'citrix_hour_utc',
      'collection_timestamp',
      'raw',
    ]);
    expect(first.citrix_entity).toBe('sessions');
    expect(first.citrix_hour_utc).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00:00Z$/);
  });

  it('an invalid entity names the field and the environment variable', async () => {
    const result = await ctxsiem(['collect'], {
      env: {
        SOURCE: 'analytics',
        CITRIX_CUSTOMER_ID: 'demo',
        CITRIX_CLIENT_ID: 'demo',
        CITRIX_CLIENT_SECRET: 'demo',
        ENTITIES: 'sessions,bogus',
      },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/sources\[0\]\.entities.*\(from ENTITIES\)/);
  });

  it("`demo --sources monitor,analytics` writes both sources' files", async () => {
    const out = join(dir, 'demo');
    const result = await ctxsiem(['demo', '--out', out, '--sources', 'monitor,analytics', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    const sources = new Set(summary.streams.map((s: { source: string }) => s.source));
    expect(sources).toEqual(new Set(['monitor', 'analytics']));
    const folders = await readdir(out);
    for (const folder of ['Sessions', 'Machines', 'sessions', 'machines', 'users'])
      expect(folders).toContain(folder);
  });
});
