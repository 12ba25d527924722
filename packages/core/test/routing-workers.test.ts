/** Routing workers: a batch routed and encoded in a worker thread makes the same parts as on the consuming thread. */
import { afterEach, describe, expect, it } from 'vitest';
import {
  encodeNdjson,
  type LogMessage,
  type RoutingModule,
  RoutingWorkers,
  routeBatch,
  silentLogger,
} from '../src/index.ts';
import { createRoute } from './fixtures/json-route.ts';

const fixture = (topic: string): RoutingModule => ({
  url: new URL('./fixtures/json-route.ts', import.meta.url).href,
  args: [topic],
});
const TENANT = { tenant: 'acme', tenantField: 'customer' };

/** A batch of every kind of message: two streams, drift, not JSON, no kind, a tombstone, keys. */
function batch(partition: number, first: number, count: number): LogMessage[] {
  return Array.from({ length: count }, (_, i) => {
    const offset = first + i;
    const body =
      offset % 17 === 0
        ? 'not json {'
        : offset % 13 === 0
          ? JSON.stringify({ other: offset })
          : JSON.stringify({
              kind: offset % 2 ? 'odd' : 'even',
              n: offset,
              ...(offset % 5 ? {} : { drift: 1 }),
              text: 'é ✓',
            });
    return {
      partition,
      offset,
      timestamp: new Date(Date.UTC(2026, 10, 1) + offset),
      value: offset % 29 === 0 ? undefined : Buffer.from(body),
      ...(offset % 3 === 0 ? { key: Buffer.from(`key-${offset}`) } : {}),
    };
  });
}

/** What the consuming thread makes of the batch, as the workers send parts back. */
function inThread(messages: LogMessage[]) {
  return routeBatch({ route: createRoute('t'), ...TENANT }, messages).map((group) => ({
    stream: group.stream,
    kind: group.kind,
    count: group.records.length,
    ndjson: encodeNdjson(group.records).toString('utf8'),
    drift: group.drift,
  }));
}

let workers: RoutingWorkers | undefined;
afterEach(async () => {
  await workers?.close();
  workers = undefined;
});

const start = (routing: RoutingModule | undefined, count: number | 'auto' = 2) =>
  RoutingWorkers.start({ routing, workers: count, ...TENANT, logger: silentLogger() });

describe('RoutingWorkers', () => {
  it('routes and encodes a batch into the same parts as the consuming thread, and leaves the messages intact', async () => {
    workers = start(fixture('t'));
    expect(workers).toBeDefined();
    const messages = batch(3, 1_000, 400);
    const parts = await workers!.route(3, messages);
    const decoded = parts.map((part) => ({ ...part, ndjson: Buffer.from(part.ndjson).toString('utf8') }));
    expect(decoded).toEqual(inThread(messages));
    // Every kind of part was made: records of both streams, drift, and dead letters.
    expect(decoded.map((part) => `${part.kind}/${part.stream}`).sort()).toEqual([
      'deadletter/unrouted',
      'records/even',
      'records/odd',
    ]);
    // Drift counted per part: the even offsets with a multiple of 5 that are JSON with a kind.
    const drifted = messages.filter(
      ({ offset }) => offset % 10 === 0 && offset % 17 !== 0 && offset % 13 !== 0 && offset % 29 !== 0,
    ).length;
    expect(drifted).toBeGreaterThan(0);
    expect(decoded.find((part) => part.stream === 'even')?.drift).toEqual([
      { field: 'drift', expected: 'string', found: 'an integer', records: drifted },
    ]);
    // The values were copied, not moved: the consumer's buffers still hold them.
    const text = (list: LogMessage[]) => list.map((m) => m.value && Buffer.from(m.value).toString());
    expect(text(messages)).toEqual(text(batch(3, 1_000, 400)));
  });

  it('answers each batch with its own parts when many are under way across workers', async () => {
    workers = start(fixture('t'), 2);
    const batches = Array.from({ length: 12 }, (_, i) => batch(i % 3, i * 100, 60 + i));
    const answers = await Promise.all(batches.map((messages, i) => workers!.route(i % 3, messages)));
    answers.forEach((parts, i) => {
      const decoded = parts.map((part) => ({ ...part, ndjson: Buffer.from(part.ndjson).toString('utf8') }));
      expect(decoded).toEqual(inThread(batches[i]!));
    });
  });

  it('routes on the consuming thread without a routing module, with 0 workers, or when the module is not a file (a bundle)', () => {
    expect(start(undefined)).toBeUndefined();
    expect(start(fixture('t'), 0)).toBeUndefined();
    expect(start({ url: 'file:///nowhere/bundled/message-routing.js', args: [] })).toBeUndefined();
  });

  it('fails the batch, with the route’s error, when routing throws', async () => {
    workers = start(fixture('throw'), 1);
    await expect(workers!.route(0, batch(0, 1, 5))).rejects.toThrow(
      /a routing worker failed on a batch: .*this route always throws/,
    );
  });

  it('fails every batch when the module has no createRoute', async () => {
    workers = start({ url: new URL('../src/encoding/ndjson-size.ts', import.meta.url).href, args: [] }, 1);
    await expect(workers!.route(0, batch(0, 1, 5))).rejects.toThrow(/exports no createRoute/);
    await expect(workers!.route(0, batch(0, 6, 5))).rejects.toThrow(/exports no createRoute/);
  });
});
