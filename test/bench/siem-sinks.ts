/**
 * The SIEM API sinks against their contract servers on loopback: records/s through each (the sink's
 * encoding, cutting and gzip, the ledger's writes to the file checkpoint store, HTTP), and how full the
 * requests are — request bytes ÷ the API's limit, over the requests that are not the last of their
 * part (a part's last request holds what is left). Parts of 30,000 Sessions-like records (about
 * 8 MB of JSON each), so each part needs several requests.
 *
 *   node test/bench/siem-sinks.ts secops|azure-monitor
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JsonRecord, recordDigest, type Sink, silentLogger } from '@ctxsiem/core';
import { startAzureMonitorApi, startSecOpsApi } from '@ctxsiem/local-services';
import { azureMonitorSink } from '@ctxsiem/sink-azure-monitor';
import { fileCheckpointStore } from '@ctxsiem/sink-file';
import { secopsSink } from '@ctxsiem/sink-secops';
import { ingestionBatch } from '@ctxsiem/test-kit';

const PARTS = 3;
const PER_PART = 30_000;
const kind = process.argv[2] ?? 'secops';

/** A Sessions-like record: ids, times, names, and a hash-derived field that compresses like real ids. */
function session(part: number, i: number): JsonRecord {
  const id = createHash('sha256').update(`${part}/${i}`).digest('hex');
  return {
    SessionKey: `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`,
    ModifiedDate: new Date(Date.UTC(2024, 7, 6, 7, 0, 0) + i * 300).toISOString(),
    StartDate: new Date(Date.UTC(2024, 7, 6, 6, 0, 0) + i * 300).toISOString(),
    LogOnDuration: (i * 37) % 90_000,
    ConnectionState: i % 5,
    UserName: `user${i % 977}`,
    FullName: `Person ${i % 977}`,
    MachineName: `VDA-${String(i % 311).padStart(4, '0')}.corp.example.com`,
    ClientAddress: `10.${i % 200}.${(i * 7) % 250}.${(i * 13) % 250}`,
    citrix_customer_id: 'acme',
  };
}

const dir = await mkdtemp(join(tmpdir(), 'ctxsiem-bench-siem-'));
const documents = fileCheckpointStore({ directory: join(dir, 'state') }).manifests;
const deps = { logger: silentLogger(), clock: { now: Date.now }, documents };
const servers = kind === 'secops' ? await startSecOpsApi() : await startAzureMonitorApi();
const sink: Sink =
  'serviceAccountKey' in servers
    ? secopsSink(
        {
          project: 'p',
          instance: 'i',
          endpoint: servers.endpoint,
          tokenUrl: servers.tokenUrl,
          serviceAccountKey: servers.serviceAccountKey,
        },
        deps,
      )
    : azureMonitorSink(
        {
          endpoint: servers.endpoint,
          ruleId: servers.ruleId,
          tenantId: servers.tenantId,
          clientId: servers.clientId,
          clientSecret: servers.clientSecret,
          authorityHost: servers.authorityHost,
        },
        deps,
      );
const limit = 'serviceAccountKey' in servers ? servers.limits.import : 1_000_000;

const parts = Array.from({ length: PARTS }, (_, p) =>
  Array.from({ length: PER_PART }, (_, i) => session(p, i)),
);
const started = performance.now();
// The requests of each part but its last (which holds what is left).
const fills: number[] = [];
for (const [seq, records] of parts.entries()) {
  const before = servers.stats.bodies.length;
  await sink.write(ingestionBatch(records, { seq, digests: records.map((r) => recordDigest(r)) }));
  fills.push(...servers.stats.bodies.slice(before, -1));
}
const seconds = (performance.now() - started) / 1000;
const fill = fills.length ? fills.reduce((a, b) => a + b, 0) / fills.length / limit : 0;
console.log(
  JSON.stringify({
    sink: kind,
    records: PARTS * PER_PART,
    recordsPerSecond: Math.round((PARTS * PER_PART) / seconds),
    fullRequests: fills.length,
    packing: Number(fill.toFixed(3)),
  }),
);
await servers.close();
await rm(dir, { recursive: true, force: true });
