/**
 * Many tenants in one `collect`: N tenants' Monitor Sessions from the emulator (in its own process,
 * 200 ms per request, one request in flight per tenant enforced), with the default configuration
 * (`tenantConcurrency: auto`: every tenant at once while memory permits), into the file sink. Prints the wall time and peak RSS; `run.ts` divides the
 * wall time by one tenant's (target ≤ 1.2 at 50 tenants).
 *
 *   node --conditions=@ctxsiem/source test/bench/tenants.ts <tenants>
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretRegistry, silentLogger } from '@ctxsiem/core';
import { collect } from '@ctxsiem/deployment';
import { DeploymentConfigSchema } from '@ctxsiem/registry';
import { emulatorInChild } from './emulator-child.ts';

const TENANTS = Number(process.argv[2] ?? 1);
const NOW = Date.parse('2024-08-06T12:20:00Z');
const tenants = Array.from({ length: TENANTS }, (_, i) => {
  const id = `tenant${String(i + 1).padStart(3, '0')}`;
  return { customerId: id, clientId: `client-${id}`, clientSecret: `secret-${id}` };
});

const emulator = await emulatorInChild({
  nowIso: new Date(NOW).toISOString(),
  customers: tenants,
  latencyMs: 200,
  sessionsPerHour: 300,
  pageSize: 100,
});
const scratch = await mkdtemp(join(tmpdir(), 'ctxsiem-bench-tenants-'));
try {
  const out = join(scratch, 'out');
  const config = DeploymentConfigSchema.parse({
    tenants: tenants.map((tenant) => ({ ...tenant, apiBase: emulator.url })),
    sources: [{ type: 'monitor', entities: ['Sessions'] }],
    sink: { type: 'file', directory: out },
    checkpoint: { type: 'file', directory: join(out, '_state') },
    runner: { start: '2024-08-06T09:00:00Z', reconcileHorizonMinutes: 0 },
  });
  const began = performance.now();
  const cpuBefore = process.cpuUsage();
  const summary = await collect(config, {
    logger: silentLogger(),
    clock: { now: () => NOW },
    secrets: new SecretRegistry(),
  });
  const seconds = (performance.now() - began) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  if (summary.totals.failed.length > 0) throw new Error(`failed: ${summary.totals.failed.join(', ')}`);
  console.log(
    JSON.stringify({
      tenants: TENANTS,
      seconds: Number(seconds.toFixed(2)),
      records: summary.totals.records,
      pages: summary.totals.pages,
      cpuShare: Number(((cpu.user + cpu.system) / 1e6 / seconds).toFixed(2)),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
} finally {
  await emulator.stop();
  await rm(scratch, { recursive: true, force: true });
}
