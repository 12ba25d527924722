/**
 * `consume` against a partitioned log held in memory (the broker suites run it against Kafka): every
 * message once, a batch claimed and delivered again after a failed commit stored once, and a member
 * that stops receiving while behind leaves and rejoins.
 */
import { describe, expect, it } from 'vitest';
import {
  type Batch,
  consume,
  type JsonRecord,
  type LogConsumer,
  type LogMessage,
  type PartitionLag,
  type Receipt,
  type Sink,
  type StreamSource,
  silentLogger,
  systemClock,
} from '../src/index.ts';

/** A topic in memory with committed offsets, shared by the members that join it. */
class MemoryLog {
  readonly partitions: LogMessage[][];
  readonly committed = new Map<number, number>();
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

  /** A member owning every partition; `deaf` makes it receive nothing (a stuck fetch). */
  member(options: { deaf?: boolean; failCommits?: boolean } = {}): LogConsumer {
    const log = this;
    let stopped = false;
    let wake: (() => void) | undefined;
    return {
      generation: 1,
      owns: () => true,
      async *messages() {
        if (!options.deaf)
          for (const [partition, messages] of log.partitions.entries())
            for (const message of messages.slice(log.committed.get(partition) ?? 0)) {
              if (stopped) return;
              yield message;
            }
        while (!stopped) await new Promise<void>((resolve) => (wake = resolve));
      },
      startOf: async (partition) => log.committed.get(partition) ?? 0,
      async commit(partition, next) {
        if (options.failCommits) throw new Error('killed before the commit');
        log.committed.set(partition, next);
      },
      lag: async (): Promise<PartitionLag[]> =>
        log.partitions.map((messages, partition) => {
          const committed = log.committed.get(partition) ?? 0;
          return { partition, committed, end: messages.length, lag: messages.length - committed };
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
        throw new Error('different part');
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
  const run = (log: MemoryLog, sink: Sink, members: (() => LogConsumer)[] = []) =>
    consume({
      source: sourceOver(log, members),
      sink,
      claims: claims(log),
      logger: silentLogger(),
      clock: systemClock,
      flush: { records: 40, ms: 50 },
      untilCaughtUp: true,
      idleMs: 100,
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

  it('leaves and rejoins when it receives nothing while behind', async () => {
    const log = new MemoryLog(1, 50);
    const sink = memorySink();
    const summary = await run(log, sink, [() => log.member({ deaf: true })]);
    expect(summary).toMatchObject({ status: 'ok', rejoins: 1, records: 50 });
  }, 30_000);
});
