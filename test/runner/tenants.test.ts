/**
 * Several tenants in one `collect`, side by side (`runner.tenantConcurrency`): every tenant's data
 * exactly once, never two requests in flight for one tenant, tenants overlapping in time, results in
 * the configuration's order — and a tenant that cannot be collected at all fails alone.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretRegistry, silentLogger } from '@ctxsiem/core';
import { collect, formatReport } from '@ctxsiem/deployment';
import { type Emulator, startEmulator } from '@ctxsiem/emulator';
import { DeploymentConfigSchema } from '@ctxsiem/registry';
import { readStoredFiles } from '@ctxsiem/sink-file';
import { afterEach, describe, expect, it, vi } from 'vitest';

const NOW = Date.parse('2024-08-06T12:20:00Z');
const START = '2024-08-06T09:00:00Z';
const TENANTS = ['tenant-a', 'tenant-b', 'tenant-c', 'tenant-d', 'tenant-e', 'tenant-f'];
const credentials = (id: string) => ({
  customerId: id,
  clientId: `client-${id}`,
  clientSecret: `secret-${id}`,
});

let emulator: Emulator | undefined;
let scratch: string | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await emulator?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function collectTenants(tenants: Record<string, unknown>[], tenantConcurrency: number) {
  emulator = await startEmulator({
    customers: TENANTS.map(credentials),
    latencyMs: 20,
    now: () => NOW,
    sessionsPerHour: 120,
    pageSize: 25,
  });
  scratch = await mkdtemp(join(tmpdir(), 'ctxsiem-tenants-'));
  const out = join(scratch, 'out');
  const config = DeploymentConfigSchema.parse({
    tenants: tenants.map((tenant) => ({ ...tenant, apiBase: emulator!.url })),
    sources: [{ type: 'monitor', entities: ['Sessions'] }],
    sink: { type: 'file', directory: out },
    checkpoint: { type: 'file', directory: join(out, '_state') },
    runner: { start: START, tenantConcurrency },
  });
  const summary = await collect(config, {
    logger: silentLogger(),
    clock: { now: () => NOW },
    secrets: new SecretRegistry(),
  });
  const files = await readStoredFiles(out);
  /** Session keys stored per tenant. */
  const stored = new Map<string, string[]>();
  for (const file of files.filter((f) => !f.path.startsWith('_'))) {
    const tenant = TENANTS.find((id) => file.path.includes(id))!;
    stored.set(tenant, [...(stored.get(tenant) ?? []), ...file.records.map((r) => String(r.SessionKey))]);
  }
  return { summary, stored, stats: emulator.stats() };
}

describe('tenants side by side', () => {
  it('collects every tenant once, one request in flight per tenant, tenants overlapping', async () => {
    const { summary, stored, stats } = await collectTenants(TENANTS.map(credentials), 6);
    expect(summary.totals.failed).toEqual([]);
    expect(summary.streams.map((s) => s.tenant)).toEqual(TENANTS);
    const truth = [
      ...emulator!.data.monitor('Sessions', { from: new Date(START), to: new Date(summary.streams[0]!.to) }),
    ].map((row) => String(row.SessionKey));
    expect(truth.length).toBeGreaterThan(100);
    for (const tenant of TENANTS) expect(stored.get(tenant)?.toSorted(), tenant).toEqual(truth.toSorted());
    expect(stats.maxConcurrentPerCustomer).toBe(1);
    expect(stats.rejectedConcurrent).toBe(0);
    expect(stats.maxConcurrentCustomers).toBeGreaterThanOrEqual(3);
  });

  it('one tenant after another with tenantConcurrency 1', async () => {
    const { summary, stats } = await collectTenants(TENANTS.slice(0, 3).map(credentials), 1);
    expect(summary.totals.failed).toEqual([]);
    expect(stats.maxConcurrentCustomers).toBe(1);
  });

  it('a tenant whose secret cannot be fetched fails alone; the others are collected', async () => {
    // A Secrets Manager that refuses connections, asked once.
    vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', 'http://127.0.0.1:9');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    vi.stubEnv('AWS_MAX_ATTEMPTS', '1');
    const tenants = TENANTS.slice(0, 3).map(credentials);
    tenants[1] = { ...tenants[1]!, clientSecret: 'secretsmanager:ctxsiem/tenant-b' };
    const { summary, stored } = await collectTenants(tenants, 3);
    expect(summary.tenantFailures).toHaveLength(1);
    expect(summary.tenantFailures[0]).toMatchObject({ tenant: 'tenant-b' });
    expect(summary.tenantFailures[0]!.error).toMatch(/tenants\[1\]\.clientSecret/);
    expect(summary.totals.failed).toEqual(['tenant-b']);
    expect(summary.streams.map((s) => [s.tenant, s.status])).toEqual([
      ['tenant-a', 'ok'],
      ['tenant-c', 'ok'],
    ]);
    expect(stored.get('tenant-a')?.length).toBeGreaterThan(0);
    expect(stored.get('tenant-c')?.length).toBe(stored.get('tenant-a')?.length);
    expect(formatReport(summary)).toContain('FAILED tenant tenant-b: ');
  });
});
