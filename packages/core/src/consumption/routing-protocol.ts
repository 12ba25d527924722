/**
 * What the consuming thread and a routing worker send each other: a batch's messages packed into one
 * buffer (transferred, not copied), and back the batch's parts as NDJSON, each in its own buffer.
 */
import type { DriftCount } from '../contracts/schema-drift.ts';
import type { Batch } from '../contracts/sink.ts';
import type { LogMessage, RoutingModule } from '../contracts/stream-source.ts';

/** What a routing worker is started with. */
export interface RoutingWorkerData {
  routing: RoutingModule;
  tenant: string;
  tenantField: string | undefined;
}

/** A batch's messages: values and keys one after another in `bytes`; a length of -1 is an absent one. */
export interface PackedMessages {
  partition: number;
  offsets: Float64Array;
  timestamps: Float64Array;
  valueLengths: Int32Array;
  keyLengths: Int32Array;
  bytes: Uint8Array;
}

export interface RoutingRequest {
  id: number;
  messages: PackedMessages;
}

/** One part of the batch, encoded. */
export interface EncodedGroup {
  stream: string;
  kind: Batch['kind'];
  count: number;
  ndjson: Uint8Array;
  drift: DriftCount[];
}

export type RoutingReply = { id: number; groups: EncodedGroup[] } | { id: number; error: string };

/** A batch's messages packed: their values and keys copied into one buffer. */
export function packMessages(partition: number, messages: readonly LogMessage[]): PackedMessages {
  const count = messages.length;
  const offsets = new Float64Array(count);
  const timestamps = new Float64Array(count);
  const valueLengths = new Int32Array(count);
  const keyLengths = new Int32Array(count);
  let total = 0;
  for (const message of messages) total += (message.value?.byteLength ?? 0) + (message.key?.byteLength ?? 0);
  const bytes = new Uint8Array(total);
  let at = 0;
  messages.forEach((message, i) => {
    offsets[i] = message.offset;
    timestamps[i] = message.timestamp.getTime();
    valueLengths[i] = message.value ? message.value.byteLength : -1;
    keyLengths[i] = message.key ? message.key.byteLength : -1;
    if (message.value) {
      bytes.set(message.value, at);
      at += message.value.byteLength;
    }
    if (message.key) {
      bytes.set(message.key, at);
      at += message.key.byteLength;
    }
  });
  return { partition, offsets, timestamps, valueLengths, keyLengths, bytes };
}

/** The buffers a packed batch is transferred by. */
export const transferListOf = (packed: PackedMessages): ArrayBuffer[] => [
  packed.offsets.buffer as ArrayBuffer,
  packed.timestamps.buffer as ArrayBuffer,
  packed.valueLengths.buffer as ArrayBuffer,
  packed.keyLengths.buffer as ArrayBuffer,
  packed.bytes.buffer as ArrayBuffer,
];

/** The messages back, their values and keys views into the one buffer. */
export function* unpackMessages(packed: PackedMessages): Generator<LogMessage> {
  let at = 0;
  const take = (length: number): Uint8Array | undefined => {
    if (length < 0) return undefined;
    const view = packed.bytes.subarray(at, at + length);
    at += length;
    return view;
  };
  for (let i = 0; i < packed.offsets.length; i++) {
    const value = take(packed.valueLengths[i]!);
    const key = take(packed.keyLengths[i]!);
    yield {
      partition: packed.partition,
      offset: packed.offsets[i]!,
      timestamp: new Date(packed.timestamps[i]!),
      value,
      ...(key ? { key } : {}),
    };
  }
}
