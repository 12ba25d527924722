/**
 * A consumer group member on `@platformatic/kafka`, as core's `LogConsumer`: messages of the owned
 * partitions, commits only when asked (`autocommit: false`), and the group's generation, so that the
 * consume loop can tell a message or a delivery from before a rebalance.
 *
 * The client keeps emitting messages it had buffered from partitions it just lost for a moment after a
 * rebalance (measured: ~0.9 s) and accepts their commits: `owns` answers false from the moment a
 * rebalance starts until the new assignment arrives, and for any partition not in it.
 */
import type { LogConsumer, LogMessage, PartitionLag } from '@ctxsiem/core';
import { Consumer, type ConsumerOptions, type MessagesStream } from '@platformatic/kafka';
import { kafkaFailureOf } from './kafka-failures.ts';

const EARLIEST = -2n;
const LATEST = -1n;

export interface KafkaConsumerOptions {
  connection: Pick<
    ConsumerOptions<Buffer, Buffer, Buffer, Buffer>,
    'clientId' | 'bootstrapBrokers' | 'sasl' | 'tls' | 'connectTimeout' | 'requestTimeout'
  >;
  topic: string;
  groupId: string;
  maxBytes: number;
  highWaterMark: number;
  sessionTimeoutMs: number;
}

export class KafkaLogConsumer implements LogConsumer {
  readonly #consumer: Consumer<Buffer, Buffer, Buffer, Buffer>;
  readonly #topic: string;
  #stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  #generation = 0;
  #rebalancing = false;
  /** The leader epoch each partition's last message carried, sent with its commit. */
  readonly #epochs = new Map<number, number>();

  private constructor(consumer: Consumer<Buffer, Buffer, Buffer, Buffer>, topic: string) {
    this.#consumer = consumer;
    this.#topic = topic;
    consumer.on('consumer:group:rebalance', () => {
      this.#rebalancing = true;
      this.#generation++;
    });
    consumer.on('consumer:group:join', () => {
      this.#rebalancing = false;
      this.#generation++;
    });
    consumer.on('consumer:group:leave', () => {
      this.#rebalancing = true;
      this.#generation++;
    });
  }

  /** Joins the group and starts fetching from the committed offsets (the log's start where none). */
  static async join(options: KafkaConsumerOptions): Promise<KafkaLogConsumer> {
    const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
      ...options.connection,
      groupId: options.groupId,
      autocommit: false,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: Math.min(3_000, Math.floor(options.sessionTimeoutMs / 3)),
      maxBytes: options.maxBytes,
      highWaterMark: options.highWaterMark,
    });
    const member = new KafkaLogConsumer(consumer, options.topic);
    try {
      // One attempt first: wrong credentials, an untrusted certificate or a missing grant fail at once
      // instead of after the client's retries; brokers out of reach are left to them.
      await consumer.metadata({ topics: [options.topic], retries: 0 }).catch((error: unknown) => {
        if (kafkaFailureOf(error) !== 'unreachable') throw error;
      });
      member.#stream = await consumer.consume({
        topics: [options.topic],
        mode: 'committed',
        fallbackMode: 'earliest',
        autocommit: false,
        maxBytes: options.maxBytes,
        highWaterMark: options.highWaterMark,
      });
    } catch (error) {
      await consumer.close(true).catch(() => undefined);
      throw error;
    }
    return member;
  }

  get generation(): number {
    return this.#generation;
  }

  owns(partition: number): boolean {
    if (this.#rebalancing) return false;
    return (this.#consumer.assignments ?? []).some(
      (assignment) => assignment.topic === this.#topic && assignment.partitions.includes(partition),
    );
  }

  async *messages(): AsyncIterable<LogMessage> {
    const stream = this.#stream;
    if (!stream) return;
    for await (const message of stream) {
      this.#epochs.set(message.partition, message.leaderEpoch);
      yield {
        partition: message.partition,
        offset: Number(message.offset),
        timestamp: new Date(Number(message.timestamp)),
        value: message.value ?? undefined,
      };
    }
  }

  async startOf(partition: number): Promise<number> {
    const topics = [{ topic: this.#topic, partitions: [partition] }];
    const [committed, earliest] = await Promise.all([
      this.#consumer.listCommittedOffsets({ topics }),
      this.#consumer.listOffsets({
        topics: [this.#topic],
        partitions: { [this.#topic]: [partition] },
        timestamp: EARLIEST,
      }),
    ]);
    const start = Number(earliest.get(this.#topic)?.[partition] ?? 0n);
    const position = Number(committed.get(this.#topic)?.[partition] ?? -1n);
    return Math.max(position, start);
  }

  async commit(partition: number, next: number): Promise<void> {
    await this.#consumer.commit({
      offsets: [
        {
          topic: this.#topic,
          partition,
          offset: BigInt(next),
          leaderEpoch: this.#epochs.get(partition) ?? -1,
        },
      ],
    });
  }

  async lag(): Promise<PartitionLag[]> {
    const owned = (this.#consumer.assignments ?? [])
      .filter((assignment) => assignment.topic === this.#topic)
      .flatMap((assignment) => assignment.partitions)
      .sort((a, b) => a - b);
    if (owned.length === 0) return [];
    const [committed, ends] = await Promise.all([
      this.#consumer.listCommittedOffsets({ topics: [{ topic: this.#topic, partitions: owned }] }),
      this.#consumer.listOffsets({
        topics: [this.#topic],
        partitions: { [this.#topic]: owned },
        timestamp: LATEST,
      }),
    ]);
    return owned.map((partition) => {
      const position = Number(committed.get(this.#topic)?.[partition] ?? -1n);
      const end = Number(ends.get(this.#topic)?.[partition] ?? 0n);
      return { partition, committed: position, end, lag: Math.max(0, end - Math.max(position, 0)) };
    });
  }

  async stop(): Promise<void> {
    await this.#stream?.close();
  }

  async close(): Promise<void> {
    await this.#stream?.close().catch(() => undefined);
    await this.#consumer.close();
  }
}
