/**
 * The SecOps sink's `udm` format against the contract server's `events:import`: mapped streams arrive
 * as UDM events the server (checking them with the same schema Google's proto gives) accepts, other
 * streams stay raw logs, an invalid event is dead-lettered with its reason and never sent, and the
 * requests are retried as raw logs are.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CheckpointStore, type JsonRecord, type Sink, SinkError } from '@ctxsiem/core';
import { type SecOpsApi, startSecOpsApi } from '@ctxsiem/local-services';
import { fileCheckpointStore } from '@ctxsiem/sink-file';
import { ingestionBatch } from '@ctxsiem/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SecOpsSinkConfigInput, SecOpsSinkConfigSchema, udmEventProblems } from '../src/index.ts';
import { CUSTOM_LOG_TYPE, contractSink } from './harness.ts';

let api: SecOpsApi;
let dir: string;
let checkpoints: CheckpointStore;

beforeEach(async () => {
  api = await startSecOpsApi({ customLogTypes: [CUSTOM_LOG_TYPE], udmCheck: udmEventProblems });
  dir = await mkdtemp(join(tmpdir(), 'ctxsiem-secops-udm-'));
  checkpoints = fileCheckpointStore({ directory: join(dir, 'state') });
});
afterEach(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

const sink = (overrides: Partial<SecOpsSinkConfigInput> = {}): Sink =>
  contractSink(
    api,
    checkpoints.manifests,
    { region: 'europe', format: 'udm', labels: { env: 'prod' }, ...overrides },
    { fetch: api.fetch },
  );

const FROM = Date.parse('2026-12-07T08:00:00Z');
const connections = (count: number): JsonRecord[] =>
  Array.from({ length: count }, (_, i) => ({
    Id: i,
    ClientName: `LT-${i}`,
    ClientAddress: `192.168.0.${i + 1}`,
    ClientPlatform: i % 2 ? 'Mac' : 'Windows',
    SessionKey: `s-${i}`,
    LogOnStartDate: new Date(FROM + i * 1000).toISOString(),
    ModifiedDate: new Date(FROM + i * 1000).toISOString(),
    citrix_customer_id: 'acme',
  }));
const connectionsBatch = (records: JsonRecord[]) =>
  ingestionBatch(records, { stream: 'Connections', timeField: 'ModifiedDate' });

describe('SecOps sink, format udm (events:import)', () => {
  it('sends a mapped stream as UDM events the API accepts, and other streams as raw logs', async () => {
    const records = connections(5);
    const receipt = await sink().write(connectionsBatch(records));
    expect(receipt).toMatchObject({ records: 5, created: true });
    expect(receipt.location).toMatch(/^secops:\/\/01234567-89ab-cdef-0123-456789abcdef\/UDM\//);
    expect(receipt.refused).toBeUndefined();
    expect(api.events).toHaveLength(5);
    expect(api.accepted).toHaveLength(0);
    const [first] = api.events;
    expect(first!.udm).toMatchObject({
      metadata: {
        event_type: 'USER_LOGIN',
        event_timestamp: '2026-12-07T08:00:00.000Z',
        vendor_name: 'Citrix',
        product_event_type: 'Connections',
        product_log_id: connectionsBatch(records).digests![0],
        ingestion_labels: [{ key: 'env', value: 'prod' }],
      },
      principal: { hostname: 'LT-0', ip: ['192.168.0.1'], platform: 'WINDOWS' },
      network: { session_id: 's-0' },
    });
    expect(api.events[1]!.udm).toMatchObject({ principal: { platform: 'MAC' } });
    // Machines has no mapping: raw logs through logs:import.
    await sink().write(
      ingestionBatch([{ MachineId: 'm', ModifiedDate: new Date(FROM).toISOString() }], {
        stream: 'Machines',
        seq: 1,
      }),
    );
    expect(api.accepted.map((log) => log.logType)).toEqual(['CITRIX_MONITOR']);
    expect(api.events).toHaveLength(5);
  });

  it('a written-again part sends nothing more', async () => {
    const records = connections(3);
    await sink().write(connectionsBatch(records));
    const requests = api.stats.requests;
    expect(await sink().write(connectionsBatch(records))).toMatchObject({ created: false });
    expect(api.stats.requests).toBe(requests);
    expect(await sink().readPartDigests?.(connectionsBatch(records))).toEqual(
      connectionsBatch(records).digests,
    );
  });

  it('an invalid event is dead-lettered with the schema’s reason and never sent; the others are imported', async () => {
    const records = connections(6);
    // No date the event could take its time from: no metadata.event_timestamp.
    records[2] = { ...records[2]!, LogOnStartDate: 'not a date', CreatedDate: null };
    const receipt = await sink().write(connectionsBatch(records));
    expect(receipt.refused).toEqual([
      {
        start: 2,
        end: 3,
        reason: "the record's UDM event is not valid UDM (metadata.event_timestamp: required)",
      },
    ]);
    expect(api.events.map((e) => (e.udm.network as { session_id: string }).session_id)).toEqual([
      's-0',
      's-1',
      's-3',
      's-4',
      's-5',
    ]);
    // Two requests around it, none carrying it.
    expect(api.stats.requests).toBe(2);
    const requests = api.stats.requests;
    expect((await sink().write(connectionsBatch(records))).refused).toEqual(receipt.refused);
    expect(api.stats.requests).toBe(requests);
  });

  it('retries 429 (honouring Retry-After) and 5xx as for raw logs, importing each event once', async () => {
    api.failNext({ status: 429, retryAfter: '0' }, { status: 503 }, { status: 500, committed: true });
    const records = connections(3);
    await sink().write(connectionsBatch(records));
    // The 500 came after the commit: the resend is byte-identical, so SecOps holds the events twice
    // — as for raw logs, counted as possible duplicates; here the first three answers failed.
    expect(api.stats.requests).toBe(4);
    expect(new Set(api.events.map((e) => (e.udm.network as { session_id: string }).session_id))).toEqual(
      new Set(['s-0', 's-1', 's-2']),
    );
    expect(new Set(api.acceptedBodies.map((body) => body.sha256)).size).toBe(1);
  });

  it('the health check proves the events:import permission too', async () => {
    await expect(sink().check()).resolves.toMatch(
      /permission to import CITRIX_MONITOR; .*permission to import UDM events/,
    );
    api.eventsImport.denied = true;
    await expect(sink().check()).rejects.toThrow(
      new SinkError('permission denied (403) to import UDM events'),
    );
  });

  it('udm needs the Chronicle API; raw stays the default', () => {
    expect(SecOpsSinkConfigSchema.safeParse({ instance: 'i', project: 'p' }).data?.format).toBeUndefined();
    const legacy = SecOpsSinkConfigSchema.safeParse({ instance: 'i', api: 'legacy', format: 'udm' });
    expect(legacy.error?.issues.map((issue) => issue.message)).toContain(
      'UDM events go through the Chronicle API (api: import)',
    );
  });
});

describe('contract server events:import', () => {
  const url = () => `${api.endpoint}/v1/projects/p/locations/us/instances/i/events:import`;
  const post = async (body: unknown) => {
    const token = await tokenFor(api);
    return fetch(url(), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  };

  it('refuses a request with one malformed event whole, naming it', async () => {
    const good = { udm: { metadata: { event_type: 'USER_LOGIN', event_timestamp: '2026-12-07T08:00:00Z' } } };
    const cases: [unknown, RegExp][] = [
      [{ inlineSource: { events: [] } }, /inlineSource.events must list events/],
      [
        {
          inlineSource: {
            events: [good, { udm: { metadata: { event_timestamp: '2026-12-07T08:00:00Z' } } }],
          },
        },
        /events\[1\]: udm.metadata.event_type is required/,
      ],
      [
        {
          inlineSource: {
            events: [{ udm: { metadata: { event_type: 'USER_LOGIN', event_timestamp: 'now' } } }],
          },
        },
        /event_timestamp must be an RFC 3339/,
      ],
      [
        { inlineSource: { events: [{ udm: { ...good.udm, principal: { ipaddress: ['1.2.3.4'] } } }] } },
        /no such UDM field/,
      ],
      [
        { inlineSource: { events: [{ udm: { ...good.udm, security_result: [{ action: ['DENY'] }] } }] } },
        /DENY\\?" is not a SecurityResult.Action value/,
      ],
    ];
    for (const [body, message] of cases) {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(await response.text()).toMatch(message);
    }
    expect(api.events).toHaveLength(0);
    const accepted = await post({ inlineSource: { events: [good] } });
    expect(accepted.status).toBe(200);
    expect(api.events).toHaveLength(1);
  });

  it('serves only the GA version and enforces the request size limit', async () => {
    const token = await tokenFor(api);
    const alpha = await fetch(url().replace('/v1/', '/v1alpha/'), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: '{}',
    });
    expect(alpha.status).toBe(404);
    api.limits.import = 1000;
    const big = await post({
      inlineSource: { events: [{ udm: { metadata: { description: 'x'.repeat(2000) } } }] },
    });
    expect(big.status).toBe(413);
  });
});

/** A token from the contract server, as the sink obtains one (its service account key). */
async function tokenFor(server: SecOpsApi): Promise<string> {
  const { tokenSource } = await import('../src/auth.ts');
  const config = SecOpsSinkConfigSchema.parse({
    project: 'p',
    instance: 'i',
    serviceAccountKey: server.serviceAccountKey,
    tokenUrl: server.tokenUrl,
  });
  return tokenSource(config, undefined).token();
}
