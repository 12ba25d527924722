/**
 * A consumer group member on `@platformatic/kafka`, as core's `LogConsumer`: messages of the owned
 * partitions, commits only when asked (`autocommit: false`), and the group's generation, so that the
 * consume loop can tell a message or a delivery from before a rebalance.
 *
 * The client keeps emitting messages it had buffered from partitions it just lost for a moment after a
 * rebalance (measured: ~0.9 s) and accepts their commits: `owns` answers from the group's current
 * assignment, and `generation` is the group's generation, which changes with every assignment. (The
 * client's `group:rebalance` event is no guide: it is also emitted for a request refused during a
 * rebalance, without a `group:join` after it.)
 */
import {
  type LogConsumer,
  type LogMessage,
  type PartitionLag,
  type PartitionOffsets,
  type PartitionPosition,
  resumeOffset,
} from '@ctxsiem/core';
import { Consumer, type ConsumerOptions, type Message, type MessagesStream } from '@platformatic/kafka';
import { kafkaFailureOf } from './kafka-failures.ts';

const EARLIEST = -2n;
/** How long closing the stream or the client may take before it is forced or given up. */
const CLOSE_WAIT_MS = 10_000;

/** Whether `promise` settled (fulfilled or rejected) within `ms`. */
async function settles(promise: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  if (!promise) return true;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = promise.then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
const LATEST = -1n;

type Client = Consumer<Buffer, Buffer, Buffer, Buffer>;

/** Closes the client; one that does not finish closing in time is closed by force. */
async function closeClient(consumer: Client): Promise<void> {
  if (!(await settles(consumer.close(), CLOSE_WAIT_MS))) await consumer.close(true).catch(() => undefined);
}

/** The group's committed offset and the log's start of each partition. */
async function positionsOf(
  consumer: Client,
  topic: string,
  partitions: number[],
): Promise<PartitionPosition[]> {
  const [committed, starts] = await Promise.all([
    consumer.listCommittedOffsets({ topics: [{ topic, partitions }] }),
    consumer.listOffsets({ topics: [topic], partitions: { [topic]: partitions }, timestamp: EARLIEST }),
  ]);
  return partitions.map((partition) => ({
    partition,
    committed: Number(committed.get(topic)?.[partition] ?? -1n),
    start: Number(starts.get(topic)?.[partition] ?? 0n),
  }));
}

/** Every partition of the topic: committed offset, log start and end, and the messages between. */
async function offsetsOf(consumer: Client, topic: string): Promise<PartitionOffsets[]> {
  const metadata = await consumer.metadata({ topics: [topic] });
  const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
  const partitions = Array.from({ length: count }, (_, partition) => partition);
  if (partitions.length === 0) return [];
  const [positions, ends] = await Promise.all([
    positionsOf(consumer, topic, partitions),
    consumer.listOffsets({ topics: [topic], partitions: { [topic]: partitions }, timestamp: LATEST }),
  ]);
  return positions.map((position) => {
    const end = Number(ends.get(topic)?.[position.partition] ?? 0n);
    return { ...position, end, lag: Math.max(0, end - resumeOffset(position)) };
  });
}

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
  groupInstanceId?: string | undefined;
}

export class KafkaLogConsumer implements LogConsumer {
  readonly #consumer: Consumer<Buffer, Buffer, Buffer, Buffer>;
  readonly #topic: string;
  readonly #highWaterMark: number;
  #stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  /** Set by `stop`: `messages()` ends at once, whether or not the client's stream closes. */
  #stopped = false;
  #wake: (() => void) | undefined;
  /** The leader epoch each partition's last message carried, sent with its commit. */
  readonly #epochs = new Map<number, number>();

  private constructor(
    consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
    topic: string,
    highWaterMark: number,
  ) {
    this.#consumer = consumer;
    this.#topic = topic;
    this.#highWaterMark = highWaterMark;
  }

  /** Joins the group and starts fetching from the committed offsets (the log's start where none). */
  static async join(options: KafkaConsumerOptions): Promise<KafkaLogConsumer> {
    const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
      ...options.connection,
      groupId: options.groupId,
      autocommit: false,
      sessionTimeout: options.sessionTimeoutMs,
      // The group waits this long for members to rejoin a rebalance (a killed one never does).
      rebalanceTimeout: options.sessionTimeoutMs,
      ...(options.groupInstanceId ? { groupInstanceId: options.groupInstanceId } : {}),
      heartbeatInterval: Math.min(3_000, Math.floor(options.sessionTimeoutMs / 3)),
      maxBytes: options.maxBytes,
      highWaterMark: options.highWaterMark,
    });
    const member = new KafkaLogConsumer(consumer, options.topic, options.highWaterMark);
    try {
      // One attempt first: wrong credentials, an untrusted certificate or a missing grant fail at once
      // instead of after the client's retries; brokers out of reach are left to them.
      await consumer.metadata({ topics: [options.topic], retries: 0 }).catch((error: unknown) => {
        if (kafkaFailureOf(error) !== 'unreachable') throw error;
      });
      // Joining waits for the group's other members to rejoin (up to the session timeout for a killed
      // one); a join that takes much longer than that is not going to complete.
      const joinTimeoutMs = 2 * options.sessionTimeoutMs + 30_000;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new Error(`joining group ${options.groupId} took longer than ${joinTimeoutMs / 1000} s`)),
          joinTimeoutMs,
        );
      });
      member.#stream = await Promise.race([
        consumer.consume({
          topics: [options.topic],
          mode: 'committed',
          fallbackMode: 'earliest',
          autocommit: false,
          maxBytes: options.maxBytes,
          highWaterMark: options.highWaterMark,
        }),
        timedOut,
      ]).finally(() => clearTimeout(timer));
    } catch (error) {
      await consumer.close(true).catch(() => undefined);
      throw error;
    }
    return member;
  }

  get generation(): number {
    return this.#consumer.generationId;
  }

  owns(partition: number): boolean {
    return (this.#consumer.assignments ?? []).some(
      (assignment) => assignment.topic === this.#topic && assignment.partitions.includes(partition),
    );
  }

  /**
   * The stream's messages through a `data` listener and a small queue, pausing the stream while the
   * queue is full. Not the stream's async iterator: the client pauses and resumes its stream around a
   * rebalance, and a resumed stream flows — with no `data` listener, what it then fetches is emitted to
   * no one and lost to the iterator (measured: a member that joined after a kill fetched its partitions
   * to the end and delivered nothing).
   */
  async *messages(): AsyncIterable<LogMessage> {
    const stream = this.#stream;
    if (!stream) return;
    const high = Math.max(16, this.#highWaterMark);
    const queue: Message<Buffer, Buffer, Buffer, Buffer>[] = [];
    let ended = false;
    let failure: unknown;
    const onData = (message: Message<Buffer, Buffer, Buffer, Buffer>) => {
      queue.push(message);
      if (queue.length >= high) stream.pause();
      this.#wake?.();
    };
    const onEnd = () => {
      ended = true;
      this.#wake?.();
    };
    const onError = (error: unknown) => {
      failure = error;
      onEnd();
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('close', onEnd);
    stream.on('error', onError);
    try {
      for (;;) {
        if (this.#stopped) return;
        const message = queue.shift();
        if (!message) {
          if (ended) {
            if (failure !== undefined) throw failure;
            return;
          }
          await new Promise<void>((resolve) => {
            this.#wake = resolve;
          });
          this.#wake = undefined;
          continue;
        }
        if (queue.length <= high / 2 && stream.isPaused() && !ended) stream.resume();
        this.#epochs.set(message.partition, message.leaderEpoch);
        yield {
          partition: message.partition,
          offset: Number(message.offset),
          timestamp: new Date(Number(message.timestamp)),
          value: message.value ?? undefined,
          ...(message.key?.length ? { key: message.key } : {}),
        };
      }
    } finally {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      stream.off('error', onError);
    }
  }

  async position(partition: number): Promise<PartitionPosition> {
    const [position] = await this.#positions([partition]);
    return position!;
  }

  /** Committed offsets and log starts of partitions of the topic. */
  #positions(partitions: number[]): Promise<PartitionPosition[]> {
    return positionsOf(this.#consumer, this.#topic, partitions);
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
    return (await offsetsOf(this.#consumer, this.#topic)).map((offsets) => ({
      ...offsets,
      owned: this.owns(offsets.partition),
    }));
  }

  /**
   * Where the group stands on every partition of the topic, read without joining it (a client that
   * never consumes is no member): the members of a running daemon keep their partitions.
   */
  static async groupOffsets(options: KafkaConsumerOptions): Promise<PartitionOffsets[]> {
    const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
      ...options.connection,
      groupId: options.groupId,
      autocommit: false,
    });
    try {
      return await offsetsOf(consumer, options.topic);
    } finally {
      await closeClient(consumer);
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await settles(this.#stream?.close(), CLOSE_WAIT_MS);
  }

  /** Leaves the group; a client that does not finish closing in time is closed by force. */
  async close(): Promise<void> {
    await this.stop();
    await closeClient(this.#consumer);
  }
}
