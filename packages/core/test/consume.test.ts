/**
 * `consume` against a partitioned log held in memory (the broker suites run it against Kafka): every
 * message once, a batch claimed and delivered again after a failed commit stored once, a consumer that
 * fails replaced by a new member, and messages deleted by retention reported instead of skipped.
 */
import { describe, expect, it } from 'vitest';
import {
  type Batch,
  consume,
  ingestionSink,
  type JsonRecord,
  type LogConsumer,
  type LogMessage,
  PartExistsError,
  type PartitionLag,
  type Receipt,
  resumeOffset,
  type Sink,
  type StreamSource,
  silentLogger,
  systemClock,
} from '../src/index.ts';

/** A topic in memory with committed offsets, shared by the members that join it. */
class MemoryLog {
  readonly partitions: LogMessage[][];
  readonly committed = new Map<number, number>();
  /** Each partition's oldest kept offset (retention deletes from the front). */
  readonly start = new Map<number, number>();
  readonly documents = new Map<string, { document: JsonRecord; version: string }>();

  constructor(partitions: number, perPartition: number) {
    this.partitions = Array.from({ length: partitions }, (_, partition) =>
      Array.from({ length: perPartition }, (_, offset) => ({
        partition,
        offset,
        timestamp: new Date(Date.UTC(2026, 10, 1) + offset * 1000),
        value: Buffer.from(JSON.stringify({ id: `${partition}-${offset}` })),
      })),
    );
  }

  position(partition: number) {
    return {
      partition,
      committed: this.committed.get(partition) ?? -1,
      start: this.start.get(partition) ?? 0,
    };
  }

  /**
   * A member owning every partition. `failAfter`: its stream fails after that many messages (a client
   * giving up fetching). `expireAt`: when it reaches that offset of partition 0, retention deletes the
   * partition up to `to` and the member skips there, as a client whose fetch fell out of range does.
   */
  member(
    options: {
      failAfter?: number;
      failCommits?: boolean;
      expireAt?: { offset: number; to: number };
      /** The partitions it owns (default: all); another member holds the rest. */
      owned?: number[];
    } = {},
  ): LogConsumer {
    const log = this;
    let stopped = false;
    let wake: (() => void) | undefined;
    let yielded = 0;
    const owns = (partition: number) => options.owned?.includes(partition) ?? true;
    return {
      generation: 1,
      owns,
      async *messages() {
        for (const [partition, messages] of log.partitions.entries())
          if (owns(partition))
            for (let offset = resumeOffset(log.position(partition)); offset < messages.length; offset++) {
              if (stopped) return;
              if (yielded++ === options.failAfter) throw new Error('fetch failed: connection reset');
              if (partition === 0 && offset === options.expireAt?.offset) {
                log.start.set(0, options.expireAt.to);
                offset = options.expireAt.to;
              }
              yield messages[offset]!;
            }
        while (!stopped) await new Promise<void>((resolve) => (wake = resolve));
      },
      position: async (partition) => log.position(partition),
      async commit(partition, next) {
        if (options.failCommits) throw new Error('killed before the commit');
        log.committed.set(partition, next);
      },
      lag: async (): Promise<PartitionLag[]> =>
        log.partitions.map((messages, partition) => {
          const position = log.position(partition);
          return {
            ...position,
            owned: owns(partition),
            end: messages.length,
            lag: messages.length - resumeOffset(position),
          };
        }),
      async stop() {
        stopped = true;
        wake?.();
      },
      async close() {
        await this.stop();
      },
    };
  }
}

/** A sink keeping parts in memory, create-only, acknowledging an identical part again. */
function memorySink(): Sink & { parts: Map<string, JsonRecord[]> } {
  const parts = new Map<string, JsonRecord[]>();
  const key = (b: Batch) => `${b.kind}/${b.stream}/${b.partition}/${b.seq}`;
  return {
    type: 'memory',
    parts,
    async write(batch): Promise<Receipt> {
      const existing = parts.get(key(batch));
      if (existing && JSON.stringify(existing) !== JSON.stringify(batch.records))
        throw new PartExistsError(key(batch), 'different records');
      if (!existing) parts.set(key(batch), batch.records);
      return {
        location: key(batch),
        records: batch.records.length,
        bytes: 1,
        created: !existing,
        sha256: '',
      };
    },
    readPart: async () => undefined,
    async *listDeadLetters() {},
    check: async () => 'ok',
    close: async () => {},
  };
}

function sourceOver(log: MemoryLog, members: (() => LogConsumer)[]): StreamSource {
  return {
    type: 'memory',
    tenant: 't1',
    log: 'topic',
    streams: [{ name: 'events', timeField: 'time' }],
    route: (message) => ({ stream: 'events', record: JSON.parse(Buffer.from(message.value!).toString()) }),
    open: async () => (members.shift() ?? (() => log.member()))(),
  };
}

const claims = (log: MemoryLog) => ({
  read: async (key: string) => log.documents.get(key),
  async write(key: string, document: JsonRecord, ifVersion: string | undefined) {
    const stored = log.documents.get(key);
    if (stored?.version !== ifVersion)
      throw new (await import('../src/index.ts')).CheckpointConflictError(key, 'changed');
    const version = String(Number(ifVersion ?? 0) + 1);
    log.documents.set(key, { document, version });
    return version;
  },
  delete: async (key: string) => void log.documents.delete(key),
  list: async () => [...log.documents.keys()].sort(),
});

const stored = (sink: ReturnType<typeof memorySink>) =>
  [...sink.parts.entries()].filter(([k]) => k.startsWith('records/')).flatMap(([, records]) => records);

describe('consume', () => {
  const run = (
    log: MemoryLog,
    sink: Sink,
    members: (() => LogConsumer)[] = [],
    extra: Partial<Parameters<typeof consume>[0]> = {},
  ) =>
    consume({
      source: sourceOver(log, members),
      sink,
      claims: claims(log),
      logger: silentLogger(),
      clock: systemClock,
      flush: { records: 40, ms: 50 },
      untilCaughtUp: true,
      idleMs: 100,
      ...extra,
    });

  it('delivers every message once and commits each partition to its end', async () => {
    const log = new MemoryLog(3, 250);
    const sink = memorySink();
    const summary = await run(log, sink);
    expect(summary).toMatchObject({
      status: 'ok',
      stoppedBy: 'caught-up',
      records: 750,
      alreadyDelivered: 0,
    });
    expect(new Set(stored(sink).map((r) => r.id)).size).toBe(750);
    expect([...log.committed.values()]).toEqual([250, 250, 250]);
  });

  it('counts the records a SIEM API sink sent again after a lost answer as possibly duplicated', async () => {
    const log = new MemoryLog(1, 40);
    const sent: JsonRecord[] = [];
    let lost = false;
    const api = ingestionSink({
      type: 'memory-api',
      service: 'Memory API',
      deps: { logger: silentLogger(), clock: systemClock, documents: claims(log) },
      locationOf: (batch) => `memory://${batch.stream}/${batch.partition}/${batch.seq}`,
      cut: (batch) => [batch.records.length],
      build: (batch, request) => ({
        url: 'memory://',
        body: Buffer.from(JSON.stringify(batch.records.slice(request.start, request.end))),
      }),
      // The first request is taken, its answer lost; sent again as sendIngestionRequest would.
      async post(request, _what, hooks) {
        await hooks.beforeAttempt?.();
        sent.push(...(JSON.parse(request.body.toString('utf8')) as JsonRecord[]));
        if (!lost) {
          lost = true;
          hooks.onUncertain?.();
          await hooks.beforeAttempt?.();
          sent.push(...(JSON.parse(request.body.toString('utf8')) as JsonRecord[]));
        }
      },
      refuse: () => undefined,
      check: async () => 'memory api',
    });
    const summary = await run(log, api);
    expect(summary).toMatchObject({ status: 'ok', records: 40 });
    expect(sent.length - new Set(sent.map((r) => r.id)).size).toBe(summary.possiblyDuplicated);
    expect(summary.possiblyDuplicated).toBeGreaterThan(0);
  });

  it('delivers a claimed batch again after a failed commit, and the sink stores it once', async () => {
    const log = new MemoryLog(2, 100);
    const sink = memorySink();
    const first = await run(log, sink, [() => log.member({ failCommits: true })]);
    expect(first.status).toBe('failed');
    expect(first.records).toBeGreaterThan(0);
    const second = await run(log, sink);
    expect(second.status).toBe('ok');
    expect(second.alreadyDelivered).toBe(first.records);
    expect(stored(sink)).toHaveLength(200);
  });

  it('adopts a part of the same claimed offsets that an earlier run stored with other content', async () => {
    const log = new MemoryLog(2, 100);
    const sink = memorySink();
    const first = await run(log, sink, [() => log.member({ failCommits: true })]);
    expect(first.records).toBeGreaterThan(0);
    // An upgrade between the runs shapes the same messages otherwise.
    const source = sourceOver(log, []);
    const upgraded: StreamSource = {
      ...source,
      route: (message) => {
        const routed = source.route(message);
        return { ...routed, record: { ...routed.record, shape: 2 } };
      },
    };
    const second = await run(log, sink, [], { source: upgraded });
    expect(second.status).toBe('ok');
    expect(second.alreadyDelivered).toBe(first.records);
    const ids = stored(sink).map((r) => r.id);
    expect(ids).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
  });

  it('stops a partition whose SIEM API ledger holds a part of the same offsets begun with other content, saying why', async () => {
    const log = new MemoryLog(1, 40);
    const api = ingestionSink({
      type: 'memory-api',
      service: 'Memory API',
      deps: { logger: silentLogger(), clock: systemClock, documents: claims(log) },
      locationOf: (batch) => `memory://${batch.stream}/${batch.partition}/${batch.seq}`,
      cut: (batch) => [batch.records.length],
      build: (_batch, request) => ({ url: 'memory://', body: Buffer.from(String(request.index)) }),
      post: async () => {},
      refuse: () => undefined,
      check: async () => 'memory api',
    });
    await run(log, api, [() => log.member({ failCommits: true })]);
    const source = sourceOver(log, []);
    const upgraded: StreamSource = {
      ...source,
      route: (message) => {
        const routed = source.route(message);
        return { ...routed, record: { ...routed.record, shape: 2 } };
      },
    };
    const second = await run(log, api, [], { source: upgraded });
    expect(second.status).toBe('failed');
    expect(second.error).toContain('from offset 0 that an earlier run began with other content');
  });

  it('replaces a consumer that fails with a new member, and delivers the rest once', async () => {
    const log = new MemoryLog(1, 200);
    const sink = memorySink();
    const summary = await run(log, sink, [() => log.member({ failAfter: 130 })]);
    expect(summary).toMatchObject({ status: 'ok', rejoins: 1, records: 200, expired: [] });
    expect(new Set(stored(sink).map((r) => r.id)).size).toBe(200);
  });

  it('fails the run when the consumer keeps failing without progress', async () => {
    const log = new MemoryLog(1, 200);
    const failing = () => log.member({ failAfter: 0 });
    const summary = await run(log, memorySink(), [failing, failing, failing, failing]);
    expect(summary.status).toBe('failed');
    expect(summary.error).toContain('connection reset');
    expect(summary.rejoins).toBe(3);
  });

  it('reports offsets that retention deleted before a run, and delivers what is left', async () => {
    const log = new MemoryLog(2, 100);
    log.committed.set(0, 20);
    log.start.set(0, 60);
    log.committed.set(1, 100);
    log.start.set(1, 100);
    const sink = memorySink();
    const summary = await run(log, sink);
    expect(summary).toMatchObject({ status: 'ok', records: 40 });
    expect(summary.expired).toEqual([{ partition: 0, first: 20, last: 59 }]);
    expect(log.committed.get(0)).toBe(100);
  });

  it('reports offsets that retention deleted while they were being read', async () => {
    const log = new MemoryLog(1, 300);
    const sink = memorySink();
    const summary = await run(log, sink, [() => log.member({ expireAt: { offset: 150, to: 170 } })]);
    expect(summary.expired).toEqual([{ partition: 0, first: 150, last: 169 }]);
    expect(summary.records).toBe(280);
  });

  it('reports a partition deleted to its end, once, by moving its position to the log start', async () => {
    const log = new MemoryLog(1, 100);
    log.committed.set(0, 30);
    log.start.set(0, 100);
    const first = await run(log, memorySink());
    expect(first).toMatchObject({ status: 'ok', stoppedBy: 'caught-up', records: 0 });
    expect(first.expired).toEqual([{ partition: 0, first: 30, last: 99 }]);
    expect(log.committed.get(0)).toBe(100);
    expect((await run(log, memorySink())).expired).toEqual([]);
  });

  it('waits for partitions a member killed without leaving still holds, and fails saying so when they never move', async () => {
    const log = new MemoryLog(2, 100);
    const summary = await run(log, memorySink(), [() => log.member({ owned: [0] })], { stallMs: 1_000 });
    expect(summary).toMatchObject({ status: 'failed', records: 100 });
    expect(summary.error).toContain('p1 at -1 of 100 (held by another member that commits nothing)');
    expect(summary.partitions.map((p) => [p.partition, p.owned, p.lag])).toEqual([
      [0, true, 0],
      [1, false, 100],
    ]);
  });

  it.each([
    ['a longer', 59],
    ['a shorter', 19],
  ])(
    'follows %s batch the partition’s previous owner claimed after this member read the claim',
    async (_, last) => {
      const log = new MemoryLog(1, 100);
      const sink = memorySink();
      const store = claims(log);
      let raced = false;
      const summary = await run(log, sink, [], {
        claims: {
          ...store,
          // The previous owner's late claim lands between this member's read and its first write.
          async write(key, document, ifVersion) {
            if (!raced) {
              raced = true;
              await store.write(key, { first: 0, last, claimedAt: new Date(0).toISOString() }, ifVersion);
            }
            return store.write(key, document, ifVersion);
          },
        },
      });
      expect(summary.status, summary.error).toBe('ok');
      expect(raced).toBe(true);
      // The first part is theirs, 0 to `last`: a part keyed like theirs holds what theirs holds.
      expect(sink.parts.get('records/events/0/0')).toHaveLength(last + 1);
      expect(stored(sink).map((r) => r.id)).toEqual(
        Array.from({ length: 100 }, (_, offset) => `0-${offset}`),
      );
      expect(log.committed.get(0)).toBe(100);
    },
  );

  it('leaves a partition to the member that owns it while that member commits', async () => {
    const log = new MemoryLog(2, 100);
    // The other member consumes partition 1, committing 10 messages every 50 ms.
    const other = setInterval(
      () => log.committed.set(1, Math.min(100, (log.committed.get(1) ?? 0) + 10)),
      50,
    );
    try {
      const summary = await run(log, memorySink(), [() => log.member({ owned: [0] })], { stallMs: 60_000 });
      expect(summary).toMatchObject({ status: 'ok', stoppedBy: 'caught-up', records: 100 });
    } finally {
      clearInterval(other);
    }
  });
});
