import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctxsiem, ctxsiemEmulator, emulatorTenant } from './run-cli.ts';

let dir: string;
let emulator: Awaited<ReturnType<typeof ctxsiemEmulator>>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctxsiem-monitor-cli-'));
  emulator = await ctxsiemEmulator(['--seed', '7', '--page-size', '50']);
});
afterAll(async () => {
  await emulator?.stop();
  await rm(dir, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) => ({
  ...emulatorTenant(emulator.url),
  OUTPUT_DIR: join(dir, 'out'),
  ...extra,
});

describe('the Monitor source through the CLI (seed environment variables)', () => {
  it('`ctxsiem emulator` prints the URL it listens on', () => {
    expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('collects the seed default entity sets with ENTITIES/PAGE_SIZE/LOOKBACK_MINUTES, then resumes', async () => {
    const first = await ctxsiem(['collect', '--json'], {
      env: env({ LOOKBACK_MINUTES: '120', PAGE_SIZE: '40' }),
    });
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary.streams.map((s: { stream: string }) => s.stream)).toEqual([
      'Machines',
      'Sessions',
      'Connections',
      'Applications',
      'Users',
    ]);
    expect(summary.totals.records).toBeGreaterThan(0);
    const sessions = await readdir(join(dir, 'out', 'Sessions'), { recursive: true });
    expect(sessions.some((f) => /part-\d{8}T\d{6}\.\d{3}Z-\d{5}-monitor-demo\.ndjson$/.test(String(f)))).toBe(
      true,
    );

    const second = await ctxsiem(['collect', '--json'], { env: env({ ENTITIES: 'Sessions' }) });
    expect(second.code, second.stderr).toBe(0);
    const resumed = JSON.parse(second.stdout).streams[0];
    const before = summary.streams.find((s: { stream: string }) => s.stream === 'Sessions');
    expect(resumed.from).toBe(before.to);
  });

  it('`check` authenticates and probes every stream and the sink', async () => {
    const result = await ctxsiem(['check'], { env: env({ ENTITIES: 'Sessions,Users' }) });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/ok +sink file/);
    expect(result.stdout).toMatch(/ok +demo\/monitor\/Sessions/);
    expect(result.stdout).toMatch(/ok +demo\/monitor\/Users/);
  });

  it('`check` reports wrong credentials without printing the secret, and exits 1', async () => {
    const result = await ctxsiem(['check'], { env: env({ CITRIX_CLIENT_SECRET: 'wrong-secret-xyz' }) });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAIL +demo\/monitor\/Machines: .*/);
    expect(result.stdout + result.stderr).not.toContain('wrong-secret-xyz');
  });

  it('`preview` prints one page of one stream as NDJSON and writes nothing', async () => {
    const out = join(dir, 'preview-out');
    const result = await ctxsiem(['preview', '--stream', 'Sessions'], { env: env({ OUTPUT_DIR: out }) });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(100);
    expect(JSON.parse(lines[0]!)).toHaveProperty('SessionKey');
    expect(result.stderr).toContain('Sessions: first page');
    await expect(readdir(out)).rejects.toThrow();
  });

  it('`preview --stream` finds the stream in any configured source; `--source` picks one', async () => {
    const config = join(dir, 'two-sources.json');
    await writeFile(
      config,
      JSON.stringify({
        tenants: [{ customerId: 'demo', clientId: 'demo', clientSecret: 'demo', apiBase: emulator.url }],
        sources: [{ type: 'monitor' }, { type: 'analytics', entities: ['sessions', 'users'] }],
        sink: { type: 'file', directory: join(dir, 'two-out') },
        checkpoint: { type: 'file', directory: join(dir, 'two-out', '_state') },
      }),
    );
    // Not in the first source (monitor): found in the second.
    const users = await ctxsiem(['preview', '--config', config, '--stream', 'users']);
    expect(users.code, users.stderr).toBe(0);
    expect(users.stderr).toContain('demo/analytics/users: first page');
    const analytics = await ctxsiem(['preview', '--config', config, '--source', 'analytics']);
    expect(analytics.code, analytics.stderr).toBe(0);
    expect(analytics.stderr).toContain('demo/analytics/sessions: first page');
    const unknown = await ctxsiem(['preview', '--config', config, '--stream', 'Bogus']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(
      /no stream "Bogus" in the configured sources \(monitor: Machines, Sessions, Connections, Applications, Users; analytics: sessions, users\); `ctxsiem preview --list-streams` lists every stream/,
    );
    const noSource = await ctxsiem(['preview', '--config', config, '--source', 'licensing']);
    expect(noSource.stderr).toContain('no licensing source in the configuration; it has: monitor, analytics');
  });

  it('`preview` of a set `--list-streams` offers but the configuration does not collect previews it', async () => {
    const result = await ctxsiem(['preview', '--stream', 'Machines'], { env: env({ ENTITIES: 'Sessions' }) });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      'Machines is not collected by this configuration; previewing it as monitor offers it',
    );
    expect(result.stderr).toContain('demo/monitor/Machines: first page');
    expect(JSON.parse(result.stdout.trim().split('\n')[0]!)).toHaveProperty('Name');
  });

  it('`preview --list-streams` lists every entity set of $metadata with its cursor column, collected or not', async () => {
    const table = await ctxsiem(['preview', '--list-streams'], { env: env({ ENTITIES: 'Sessions' }) });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/demo +monitor +Sessions +ModifiedDate +10 +yes +SessionKey/);
    expect(table.stdout).toMatch(/demo +monitor +MachineMetric +CollectedDate +30 +no/);
    // A summary set: windowed on its slot's start, an hour and a half behind; a set keyed by several fields.
    expect(table.stdout).toMatch(/demo +monitor +SessionActivitySummaries +SummaryDate +90 +no +Id/);
    expect(table.stdout).toMatch(
      /demo +monitor +ResourceUtilization +CollectedDate +30 +no +MachineId, CollectedDate/,
    );
    const json = await ctxsiem(['preview', '--list-streams', '--json'], {
      env: env({ ENTITIES: 'Sessions' }),
    });
    const listed = JSON.parse(json.stdout) as { name: string; collected: boolean }[];
    expect(listed.filter((s) => s.collected).map((s) => s.name)).toEqual(['Sessions']);
    // Every set Citrix's OpenAPI publishes; those without a time column are read whole.
    expect(listed.length).toBe(74);
    expect(table.stdout).toMatch(
      /demo +monitor +ProbeStages +snapshot \(read whole\) +0 +no +Id +2 +Citrix OpenAPI/,
    );
    expect(table.stdout).toMatch(/demo +monitor +MachineMetric +.* +Citrix OpenAPI \(key inferred\)/);
  });

  it('a collect with one entity failing exits 1 and names it', async () => {
    const result = await ctxsiem(['collect', '--json'], {
      env: env({ ENTITIES: 'Sessions,NoSuchSet', OUTPUT_DIR: join(dir, 'out2') }),
    });
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout);
    expect(summary.totals.failed).toEqual(['demo/monitor/NoSuchSet']);
    expect(summary.streams.find((s: { stream: string }) => s.stream === 'Sessions').status).toBe('ok');
    // The 404 is explained, with where the published sets are listed.
    expect(summary.streams.find((s: { stream: string }) => s.stream === 'NoSuchSet').error).toContain(
      'NoSuchSet is not an entity set this Monitor Service publishes: `ctxsiem preview --list-streams` lists those it does',
    );
  });
});

describe('ctxsiem demo', () => {
  it('starts the emulator in-process, collects the last 6 hours of the five default sets, and resumes', async () => {
    const out = join(dir, 'demo');
    const first = await ctxsiem(['demo', '--out', out, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary.streams).toHaveLength(5);
    for (const stream of summary.streams) {
      expect(stream.status).toBe('ok');
      expect(Date.parse(stream.to) - Date.parse(stream.from)).toBeGreaterThan(6 * 3600_000 - 11 * 60_000);
    }
    expect(first.stderr).toContain('records in');
    const second = await ctxsiem(['demo', '--out', out, '--json']);
    const again = JSON.parse(second.stdout);
    for (const [i, stream] of again.streams.entries()) expect(stream.from).toBe(summary.streams[i].to);
  });
});
