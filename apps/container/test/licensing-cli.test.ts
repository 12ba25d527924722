/**
 * `ctxsiem demo --sources licensing` as a user runs it: the emulator's licensing API (the last day due:
 * a usage snapshot and the month's history, and the Concurrent snapshot — the demo tenant is licensed
 * under both models) and a folder of generated telemetry documents, into `out/demo`; the invalid
 * elements in the dead letters with their field path; run again, nothing twice. And a standing
 * emulator whose customer is licensed Concurrent, collected as such.
 */
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DAY_MS, type JsonRecord } from '@ctxsiem/core';
import { licensingTelemetry } from '@ctxsiem/emulator';
import { readStoredRecords } from '@ctxsiem/sink-file';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctxsiem, ctxsiemEmulator, emulatorTenant } from './run-cli.ts';

let dir: string;
let emulator: Awaited<ReturnType<typeof ctxsiemEmulator>>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctxsiem-licensing-cli-'));
  emulator = await ctxsiemEmulator(['--seed', '2']);
});
afterAll(async () => {
  await emulator?.stop();
  await rm(dir, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) => ({
  SOURCE: 'licensing',
  ...emulatorTenant(emulator.url),
  OUTPUT_DIR: join(dir, 'out'),
  ...extra,
});

interface StreamSummary {
  stream: string;
  status: string;
  records: number;
  deadLetters: number;
}

describe('the licensing source through the CLI', () => {
  it('`demo --sources licensing` collects the API and the telemetry documents, each once', async () => {
    const out = join(dir, 'demo');
    const first = await ctxsiem(['demo', '--out', out, '--sources', 'licensing', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const streams = JSON.parse(first.stdout).streams as StreamSummary[];
    expect(streams.map((s) => [s.stream, s.status])).toEqual([
      ['usage', 'ok'],
      ['history', 'ok'],
      ['concurrentUsage', 'ok'],
      ['telemetry', 'ok'],
    ]);
    expect(streams[0]!.records).toBe(1);
    expect(streams[2]!.records).toBe(1);

    // What the demo wrote: the generator's documents (seed 1) for the three days its files are named by.
    const names = (await readdir(`${out}-licensing-telemetry`)).sort();
    const days = names.map((name) => Date.parse(name.match(/\d{4}-\d{2}-\d{2}/)![0]));
    const documents = licensingTelemetry({
      seed: 1,
      customerId: 'demo',
      from: new Date(Math.min(...days)),
      days: 3,
      invalidOneIn: 40,
    });
    expect(documents.map((d) => d.name).sort()).toEqual(names);
    expect(Math.max(...days)).toBe(Math.floor(Date.now() / DAY_MS) * DAY_MS - DAY_MS);
    const telemetry = await readStoredRecords(join(out, 'telemetry'));
    expect(telemetry).toHaveLength(documents.reduce((sum, d) => sum + d.records, 0));
    expect(new Set(telemetry.map((r) => r.documentName))).toEqual(new Set(documents.map((d) => d.name)));
    const problems = documents.flatMap((d) => d.problems);
    const letters = await readStoredRecords(join(out, '_deadletter', 'telemetry'));
    expect(letters).toHaveLength(problems.length);
    expect(letters.map((l) => String(l.reason)).join('\n')).toContain(problems[0]!.field);
    expect(first.stderr).toContain(`${documents.length} documents in`);

    const again = await ctxsiem(['demo', '--out', out, '--sources', 'licensing', '--json']);
    expect(again.code, again.stderr).toBe(0);
    const second = JSON.parse(again.stdout).streams as StreamSummary[];
    expect(second.map((s) => s.records)).toEqual([0, 0, 0, 0]);
    expect(await readStoredRecords(join(out, 'telemetry'))).toHaveLength(telemetry.length);
    const usage: JsonRecord[] = await readStoredRecords(join(out, 'usage'));
    expect(usage).toHaveLength(1);
    expect(usage[0]!.snapshotDate).toBe(
      new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS - DAY_MS).toISOString(),
    );
    const concurrent: JsonRecord[] = await readStoredRecords(join(out, 'concurrentUsage'));
    expect(concurrent.map((r) => r.snapshotDate)).toEqual([usage[0]!.snapshotDate]);
    expect(concurrent[0]).toMatchObject({
      citrix_customer_id: 'demo',
      currentCcu: { reportTime: expect.any(String) },
    });
  });

  it('collects a tenant licensed Concurrent with LICENSING_MODEL=concurrent, and `check` names the model', async () => {
    const concurrent = await ctxsiemEmulator(['--seed', '2', '--license-model', 'concurrent']);
    try {
      const wrong = await ctxsiem(['check'], { env: { ...env(), ...emulatorTenant(concurrent.url) } });
      expect(wrong.code).toBe(1);
      expect(wrong.stdout).toMatch(
        /FAIL +demo\/licensing\/usage: the tenant has no User\/Device licenses \(404\) but is licensed Concurrent: set licenseModel to concurrent/,
      );
      const output = join(dir, 'concurrent');
      const collected = await ctxsiem(['collect', '--json'], {
        env: {
          ...env({ LICENSING_MODEL: 'concurrent', OUTPUT_DIR: output }),
          ...emulatorTenant(concurrent.url),
        },
      });
      expect(collected.code, collected.stderr).toBe(0);
      expect(JSON.parse(collected.stdout).streams.map((s: StreamSummary) => [s.stream, s.records])).toEqual([
        ['concurrentUsage', 1],
      ]);
      expect(await readStoredRecords(join(output, 'concurrentUsage'))).toHaveLength(1);
    } finally {
      await concurrent.stop();
    }
  });

  it('`check` lists the telemetry location; a missing folder fails naming the field', async () => {
    const documents = `${join(dir, 'demo')}-licensing-telemetry`;
    const ok = await ctxsiem(['check'], { env: env({ LICENSING_TELEMETRY: documents }) });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/ok +demo\/licensing\/usage/);
    expect(ok.stdout).toMatch(
      new RegExp(`ok +demo/licensing/telemetry: folder ${documents}: 9 telemetry documents`),
    );
    const missing = await ctxsiem(['check'], { env: env({ LICENSING_TELEMETRY: join(dir, 'nowhere') }) });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(
      /FAIL +demo\/licensing\/telemetry: [\s\S]*telemetry\.location: the folder .*nowhere does not exist/,
    );
  });

  it('`deadletter replay` refuses an event the source still refuses instead of delivering it unchanged', async () => {
    const documents = join(dir, 'replay-in');
    const output = join(dir, 'replay-out');
    await mkdir(documents, { recursive: true });
    const cvad = licensingTelemetry({
      seed: 3,
      customerId: 'demo',
      from: new Date('2026-03-10T00:00:00Z'),
      days: 1,
      invalidOneIn: 0,
    }).find((d) => d.name.startsWith('cvad-') && d.name.endsWith('.json'))!;
    const event = structuredClone((JSON.parse(cvad.content) as JsonRecord[])[0]!);
    (event.payload as JsonRecord).licenseActivityTimeStamp = 'yesterday';
    await writeFile(join(documents, 'cvad-yesterday.json'), JSON.stringify([event]));
    // Settled: written a while ago.
    const settled = new Date(Date.now() - 10 * 60_000);
    await utimes(join(documents, 'cvad-yesterday.json'), settled, settled);
    const settings = { env: env({ LICENSING_TELEMETRY: documents, OUTPUT_DIR: output }) };
    const collected = await ctxsiem(['collect', '--json'], settings);
    // Every record of the window dead-lettered: the stream is reported failed.
    expect(collected.code, collected.stderr).toBe(1);
    const telemetry = (JSON.parse(collected.stdout).streams as StreamSummary[]).find(
      (s) => s.stream === 'telemetry',
    );
    expect(telemetry).toMatchObject({ records: 0, deadLetters: 1 });

    const replayed = await ctxsiem(['deadletter', 'replay', '--json'], settings);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(JSON.parse(replayed.stdout).totals).toMatchObject({ replayedNow: 0, stillInvalid: 1 });
    expect(replayed.stderr).toContain('licenseActivityTimeStamp');
    expect(await readStoredRecords(join(output, 'telemetry')).catch(() => [])).toEqual([]);

    // The same folder read by a deployment that collects only Monitor: the part is left as it is,
    // saying so — not a failure of the replay (a demo of other sources shares out/demo this way).
    const elsewhere = await ctxsiem(['deadletter', 'replay'], {
      env: { ...emulatorTenant(emulator.url), OUTPUT_DIR: output },
    });
    expect(elsewhere.code, elsewhere.stderr).toBe(0);
    expect(elsewhere.stdout).toMatch(/LEFT: not collected by this deployment/);
    expect(elsewhere.stdout).toContain('1 part left as it is (LEFT above)');
  });

  it('`preview` of the telemetry stream says why it cannot, and receives nothing', async () => {
    const result = await ctxsiem(['preview', '--stream', 'telemetry'], {
      env: env({ LICENSING_TELEMETRY: join(dir, 'preview-in') }),
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('a preview would receive without delivering');
  });
});
