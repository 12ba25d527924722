/**
 * `ctxsiem emulator --system-log-casing PascalCase` answers the System Log as Citrix's documentation shows
 * it (`Items`, `ContinuationToken`, `RecordId`, …), and `collect` (SOURCE=systemlog) against it stores the
 * same records, in the one camelCase shape, as against the live API's camelCase.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOUR_MS } from '@ctxsiem/core';
import { startEmulator } from '@ctxsiem/emulator';
import { readStoredRecords } from '@ctxsiem/sink-file';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctxsiem, ctxsiemEmulator, emulatorTenant } from './run-cli.ts';

let dir: string;
let emulator: Awaited<ReturnType<typeof ctxsiemEmulator>>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctxsiem-systemlog-casing-'));
  emulator = await ctxsiemEmulator(['--seed', '9', '--system-log-casing', 'PascalCase']);
});
afterAll(async () => {
  await emulator?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the System Log in the documentation’s PascalCase, through the CLI', () => {
  it('is served so by `ctxsiem emulator --system-log-casing PascalCase`, and collected in camelCase', async () => {
    const token = (await (
      await fetch(`${emulator.url}/cctrustoauth2/demo/tokens/clients`, {
        method: 'POST',
        headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: 'demo',
          client_secret: 'demo',
        }),
      })
    ).json()) as { access_token: string };
    const page = await fetch(`${emulator.url}/systemlog/records?Limit=1`, {
      headers: {
        Accept: 'application/json',
        Authorization: `CwsAuth Bearer=${token.access_token}`,
        'Citrix-CustomerId': 'demo',
      },
    });
    expect(Object.keys((await page.json()) as object)).toEqual([
      'Items',
      'Count',
      'EstimatedTotalItems',
      'ContinuationToken',
    ]);

    const out = join(dir, 'collect');
    const start = new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 4 * HOUR_MS);
    const result = await ctxsiem(['collect', '--json'], {
      env: {
        ...emulatorTenant(emulator.url),
        SOURCE: 'systemlog',
        START: start.toISOString(),
        OUTPUT_DIR: out,
      },
    });
    expect(result.code, result.stderr).toBe(0);
    const [summary] = (JSON.parse(result.stdout) as { streams: { status: string; to: string }[] }).streams;
    expect(summary!.status).toBe('ok');
    const truth = await startEmulator({ seed: 9 });
    try {
      const expected = truth.data
        .systemLog('demo', { from: start, to: new Date(summary!.to) })
        .map((record) => ({ ...record, citrix_customer_id: 'demo' }));
      const byTime = (records: Record<string, unknown>[]) =>
        [...records].sort((a, b) => String(a.utcTimestamp).localeCompare(String(b.utcTimestamp)));
      expect(expected.length).toBeGreaterThan(0);
      expect(byTime(await readStoredRecords(join(out, 'records')))).toEqual(byTime(expected));
    } finally {
      await truth.close();
    }
  });
});
