/** Request accounting exposed through Emulator.stats(): counters, per-customer concurrency and a request log. */

export interface RequestLogEntry {
  method: string;
  /** Path including the query string, as received. */
  path: string;
  customerId?: string;
  /** Final status; 0 when the connection was reset without a response. */
  status: number;
}

export interface EmulatorStats {
  requests: number;
  apiRequests: number;
  tokenRequests: number;
  tokensIssued: number;
  /** Highest number of simultaneously in-flight API requests seen for one customer (rejected ones included). */
  maxConcurrentPerCustomer: number;
  /** Highest number of customers with API requests in flight at once (tenants collected side by side). */
  maxConcurrentCustomers: number;
  /** 429s due to single-flight. */
  rejectedConcurrent: number;
  /** Counts per injected fault kind (see InjectedKind). */
  injected: Record<string, number>;
  log: RequestLogEntry[];
}

function emptyStats(): EmulatorStats {
  return {
    requests: 0,
    apiRequests: 0,
    tokenRequests: 0,
    tokensIssued: 0,
    maxConcurrentPerCustomer: 0,
    maxConcurrentCustomers: 0,
    rejectedConcurrent: 0,
    injected: {},
    log: [],
  };
}

export class StatsRecorder {
  #stats = emptyStats();
  readonly #inFlight = new Map<string, number>();

  get current(): EmulatorStats {
    return this.#stats;
  }

  inject(kind: string): void {
    this.#stats.injected[kind] = (this.#stats.injected[kind] ?? 0) + 1;
  }

  /** An API request of `customerId` starts; returns how many are now in flight for that customer. */
  enter(customerId: string): number {
    const count = (this.#inFlight.get(customerId) ?? 0) + 1;
    this.#inFlight.set(customerId, count);
    this.#stats.maxConcurrentPerCustomer = Math.max(this.#stats.maxConcurrentPerCustomer, count);
    this.#stats.maxConcurrentCustomers = Math.max(this.#stats.maxConcurrentCustomers, this.#inFlight.size);
    return count;
  }

  leave(customerId: string): void {
    const count = (this.#inFlight.get(customerId) ?? 1) - 1;
    if (count <= 0) this.#inFlight.delete(customerId);
    else this.#inFlight.set(customerId, count);
  }

  /** A deep copy, so callers can keep it while the emulator keeps counting. */
  snapshot(): EmulatorStats {
    const s = this.#stats;
    return { ...s, injected: { ...s.injected }, log: s.log.map((entry) => ({ ...entry })) };
  }

  reset(): void {
    this.#stats = emptyStats();
  }
}
