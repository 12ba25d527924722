/**
 * A replica's order of attempts in one `collect` (`CollectDeps.spread`, what each tick of
 * `ctxsiem serve` passes): tenants and streams attempted in the seed's order, the summary in the
 * configuration's, and a configuration mistake named by the tenant's index in the configuration.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, SecretRegistry, silentLogger, spreadOrder } from '@ctxsiem/core';
import { collect } from '@ctxsiem/deployment';
import { type Emulator, startEmulator } from '@ctxsiem/emulator';
import { DeploymentConfigSchema } from '@ctxsiem/registry';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const NOW = Date.parse('2024-08-06T12:20:00Z');
const TENANTS = 'abcdef'.split('').map((letter) => `tenant-${letter}`);
const STREAMS = ['Sessions', 'Machines', 'Users'];
const CUSTOMERS = TENANTS.map((customerId) => ({
  customerId,
  clientId: `id-${customerId}`,
  clientSecret: 's',
}));

const scratch = await mkdtemp(join(tmpdir(), 'ctxsiem-spread-'));
let emulator: Emulator | undefined;
afterEach(() => emulator?.close());
afterAll(() => rm(scratch, { recursive: true, force: true }));

async function setUp(tenants: Record<string, unknown>[]) {
  emulator = await startEmulator({ customers: CUSTOMERS, now: () => NOW, sessionsPerHour: 20 });
  const dir = await mkdtemp(join(scratch, 'run-'));
  return DeploymentConfigSchema.parse({
    tenants: tenants.map((tenant) => ({ ...tenant, apiBase: emulator!.url })),
    sources: [{ type: 'monitor', entities: STREAMS }],
    sink: { type: 'file', directory: join(dir, 'out') },
    checkpoint: { type: 'file', directory: join(dir, 'state') },
    runner: { start: '2024-08-06T10:00:00Z', tenantConcurrency: 1, concurrency: 1 },
  });
}

const deps = () => ({ logger: silentLogger(), clock: { now: () => NOW }, secrets: new SecretRegistry() });

describe('a replica’s order of attempts', () => {
  it('walks tenants and streams in the seed’s order and reports them in the configuration’s', async () => {
    const config = await setUp(CUSTOMERS);
    const attempted: string[] = [];
    const summary = await collect(config, {
      ...deps(),
      spread: 'replica-1/0',
      onStream: (stream) => attempted.push(`${stream.tenant}/${stream.stream}`),
    });
    expect(summary.totals.failed).toEqual([]);
    const tenantOrder = spreadOrder(TENANTS, (t) => t, 'replica-1/0');
    expect(tenantOrder).not.toEqual(TENANTS);
    // One tenant after another in the seed's order, each tenant's streams in the seed's order too.
    expect(attempted).toEqual(
      tenantOrder.flatMap((tenant) =>
        spreadOrder(STREAMS, (s) => `${tenant}/monitor/${s}`, 'replica-1/0').map((s) => `${tenant}/${s}`),
      ),
    );
    expect(new Set(attempted.map((name) => name.split('/')[1])).size).toBe(STREAMS.length);
    // The summary keeps the configuration's order.
    expect(summary.streams.map((s) => `${s.tenant}/${s.stream}`)).toEqual(
      TENANTS.flatMap((tenant) => STREAMS.map((s) => `${tenant}/${s}`)),
    );
  });

  it('names a tenant’s bad secret reference by its index in the configuration', async () => {
    const tenants: Record<string, unknown>[] = [...CUSTOMERS];
    tenants[4] = { ...tenants[4], clientSecret: 'env:CTXSIEM_SPREAD_UNSET' };
    const config = await setUp(tenants);
    // Whatever the seed puts first, the mistake is `tenants[4]`.
    for (const seed of ['replica-1/0', 'replica-2/7']) {
      const error = await collect(config, { ...deps(), spread: seed }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues.map((issue) => issue.path)).toEqual(['tenants[4].clientSecret']);
    }
  });
});
