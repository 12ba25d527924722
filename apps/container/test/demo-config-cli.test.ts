/**
 * Commands from where the demo leaves you: `ctxsiem demo` records its configuration in
 * `out/demo/ctxsiem.yaml`, and `status`, `state show` and `deadletter list` — run with no configuration,
 * as the demo's footer prints them — use it and say so; with no configuration and no demo, a command says
 * in one sentence what to pass or set, then the fields.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ctxsiem } from './run-cli.ts';

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'ctxsiem-demo-config-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('commands from where the demo leaves you', () => {
  it('with no configuration and no demo: one sentence on what to pass or set, then the fields (exit 2)', async () => {
    const result = await ctxsiem(['status'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^ctxsiem: no configuration: pass --config <file>, set CTXSIEM_CONFIG, or set CITRIX_CUSTOMER_ID, CITRIX_CLIENT_ID and CITRIX_CLIENT_SECRET \(`make demo` runs against the built-in emulator and leaves its configuration in out\/demo\/ctxsiem\.yaml\); missing:\n/,
    );
    expect(result.stderr).toContain('CITRIX_CUSTOMER_ID');
  });

  it('the demo records its configuration and prints commands that work as shown', async () => {
    const demo = await ctxsiem(['demo'], { cwd });
    expect(demo.code, demo.stderr).toBe(0);
    const file = join(cwd, 'out', 'demo', 'ctxsiem.yaml');
    const config = parse(await readFile(file, 'utf8'));
    expect(config.sources).toEqual([expect.objectContaining({ type: 'monitor' })]);
    // The demo's emulator stops with it: the recorded tenant is a standing one's, serving the same data.
    expect(config.tenants[0]).toMatchObject({
      customerId: 'demo',
      clientSecret: 'demo',
      apiBase: 'http://127.0.0.1:8080',
    });
    expect(config.checkpoint).toMatchObject({ type: 'file' });
    expect(demo.stderr).toContain('Its configuration is out/demo/ctxsiem.yaml; look at what it did:');
    const printed = [...demo.stderr.matchAll(/^ {2}\.\/bin\/ctxsiem (.+)$/gm)].map((match) => match[1]!);
    expect(printed).toEqual(
      expect.arrayContaining([
        'status',
        'state show',
        'deadletter list',
        'emulator --port 8080 &',
        'check',
        'preview --stream Sessions',
        'backfill --from 2d --to 1d',
      ]),
    );
    // Those that need the standing emulator are run as printed by test/docs/readme-commands.test.ts,
    // which owns port 8080 in the suite.
    // Each printed command, as printed (no environment, no --config), uses the demo's configuration.
    for (const command of ['status', 'state show', 'deadletter list']) {
      const result = await ctxsiem(command.split(' '), { cwd });
      expect(result.code, `${command}: ${result.stderr}`).toBe(0);
      expect(result.stderr).toContain('no configuration given: using out/demo/ctxsiem.yaml');
    }
    const status = await ctxsiem(['status', '--json'], { cwd });
    const rows = JSON.parse(status.stdout).streams as { stream: string }[];
    expect(rows.map((row) => row.stream)).toEqual(expect.arrayContaining(['Sessions', 'Machines']));
  });

  it('a demo elsewhere prints its commands with --config', async () => {
    const demo = await ctxsiem(['demo', '--out', 'elsewhere'], { cwd });
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stderr).toContain('  ./bin/ctxsiem status --config elsewhere/ctxsiem.yaml');
    const status = await ctxsiem(['status', '--config', 'elsewhere/ctxsiem.yaml'], { cwd });
    expect(status.code, status.stderr).toBe(0);
  });
});
