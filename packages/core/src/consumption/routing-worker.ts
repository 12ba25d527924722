/**
 * A routing worker's thread: loads the source's `route` from its module (`RoutingModule`), and for each
 * batch it is sent routes the messages (`routeBatch`, as the consuming thread would) and encodes each
 * part as NDJSON, sending the buffers back. Nothing here touches the sink or the consumer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LogMessage, RoutedMessage } from '../contracts/stream-source.ts';
import { encodeNdjson } from '../encoding/ndjson.ts';
import { routeBatch } from './batch-routing.ts';
import {
  type EncodedGroup,
  type RoutingReply,
  type RoutingRequest,
  type RoutingWorkerData,
  unpackMessages,
} from './routing-protocol.ts';

const data = workerData as RoutingWorkerData;
const module = (await import(data.routing.url)) as {
  createRoute?: (...args: unknown[]) => (message: LogMessage) => RoutedMessage;
};
if (typeof module.createRoute !== 'function')
  throw new Error(`${data.routing.url} exports no createRoute function`);
const route = module.createRoute(...data.routing.args);

parentPort!.on('message', (request: RoutingRequest) => {
  let reply: RoutingReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const groups = routeBatch(
      { route, tenant: data.tenant, tenantField: data.tenantField },
      unpackMessages(request.messages),
    );
    const encoded: EncodedGroup[] = groups.map((group) => {
      // Copied into a buffer of its own (a small Buffer is a slice of a shared pool): it is transferred.
      const ndjson = new Uint8Array(encodeNdjson(group.records));
      transfer.push(ndjson.buffer as ArrayBuffer);
      return {
        stream: group.stream,
        kind: group.kind,
        count: group.records.length,
        ndjson,
        drift: group.drift,
      };
    });
    reply = { id: request.id, groups: encoded };
  } catch (error) {
    reply = { id: request.id, error: (error as Error).stack ?? String(error) };
  }
  parentPort!.postMessage(reply, transfer);
});
