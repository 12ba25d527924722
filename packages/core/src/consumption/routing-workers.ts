/**
 * Routing workers: threads that parse, check and encode a batch's messages off the consuming thread,
 * which keeps to what must stay on it — the consumer, batching, claims, writes and commits. Each batch
 * goes whole to the worker with the fewest batches pending and comes back as its parts' NDJSON; batches
 * of one partition are still delivered one after another (their chain awaits each), so order and
 * commit-after-ack are unchanged. A worker that fails fails the batches it held (never committed: they
 * are read again) and the pool with them.
 *
 * Used when the source says where its `route` can be loaded (`routing`) and the sink stores encoded
 * parts (`writeEncoded`); an application bundle carries the worker's entry and the routing modules as
 * entries of their own (the container image does), or routes in-thread.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LogMessage, RoutingModule } from '../contracts/stream-source.ts';
import type { Logger } from '../logging/logger.ts';
import {
  type EncodedGroup,
  packMessages,
  type RoutingReply,
  type RoutingWorkerData,
  transferListOf,
} from './routing-protocol.ts';
import { siblingModule } from './sibling-modules.ts';

/** The worker's module beside this one, as this one is run (undefined in a bundle built without it). */
const WORKER_URL = siblingModule('routing-worker', import.meta.url);

const SOURCE_CONDITION = '--conditions=@ctxsiem/source';

/**
 * A worker of TypeScript sources resolves workspace packages to their sources too (under a test runner
 * that resolves them itself, the process was not started with the condition); otherwise it inherits the
 * process's options.
 */
const workerExecArgv = (worker: string): string[] | undefined =>
  worker.endsWith('.ts') && !process.execArgv.includes(SOURCE_CONDITION) ? [SOURCE_CONDITION] : undefined;

const isFile = (url: string) => {
  try {
    return existsSync(fileURLToPath(url));
  } catch {
    return false;
  }
};

/** How many workers `auto` means: one per core beyond the first, at least one, at most four. */
export function autoRoutingWorkers(cores = availableParallelism()): number {
  return Math.min(4, Math.max(1, cores - 1));
}

interface Pending {
  resolve(groups: EncodedGroup[]): void;
  reject(error: Error): void;
}

class RoutingWorker {
  readonly pending = new Map<number, Pending>();
  readonly thread: Worker;

  constructor(worker: string, data: RoutingWorkerData, onFailure: (error: Error) => void) {
    this.thread = new Worker(new URL(worker), { workerData: data, execArgv: workerExecArgv(worker) });
    this.thread.on('message', (reply: RoutingReply) => {
      const pending = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if ('error' in reply) pending?.reject(new Error(`a routing worker failed on a batch: ${reply.error}`));
      else pending?.resolve(reply.groups);
    });
    this.thread.on('error', (error) => onFailure(error));
    this.thread.on('exit', (code) => {
      if (this.pending.size > 0)
        onFailure(new Error(`a routing worker exited (code ${code}) with batches pending`));
    });
  }

  failAll(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

export class RoutingWorkers {
  readonly #workers: RoutingWorker[];
  #nextId = 0;
  #failure: Error | undefined;

  private constructor(worker: string, count: number, data: RoutingWorkerData) {
    this.#workers = Array.from(
      { length: count },
      () => new RoutingWorker(worker, data, (error) => this.#fail(error)),
    );
  }

  /**
   * Workers for the source's routing, or undefined when it routes in-thread: no `routing`, 0 workers,
   * or modules that are not files (a bundle).
   */
  static start(options: {
    routing: RoutingModule | undefined;
    workers: number | 'auto' | undefined;
    tenant: string;
    tenantField: string | undefined;
    logger: Logger;
  }): RoutingWorkers | undefined {
    const { routing, logger } = options;
    const count =
      options.workers === 'auto' || options.workers === undefined ? autoRoutingWorkers() : options.workers;
    if (!routing || count <= 0) return undefined;
    if (!WORKER_URL || !isFile(routing.url)) {
      logger.debug(
        { worker: WORKER_URL, routing: routing.url },
        'routing on the consuming thread: the routing modules are not files (a bundle built without them)',
      );
      return undefined;
    }
    logger.debug({ workers: count }, 'routing in worker threads');
    return new RoutingWorkers(WORKER_URL, count, {
      routing,
      tenant: options.tenant,
      tenantField: options.tenantField,
    });
  }

  /** The batch's parts, routed and encoded by the least busy worker. */
  route(partition: number, messages: readonly LogMessage[]): Promise<EncodedGroup[]> {
    if (this.#failure) return Promise.reject(this.#failure);
    const worker = this.#workers.reduce((least, w) => (w.pending.size < least.pending.size ? w : least));
    const id = this.#nextId++;
    const packed = packMessages(partition, messages);
    return new Promise<EncodedGroup[]>((resolve, reject) => {
      worker.pending.set(id, { resolve, reject });
      worker.thread.postMessage({ id, messages: packed }, transferListOf(packed));
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.thread.terminate()));
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const worker of this.#workers) worker.failAll(this.#failure);
  }
}
