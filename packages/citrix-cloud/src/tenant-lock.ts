/**
 * Monitor allows one query per customer at a time (concurrent ones get 429). This module keeps one
 * FIFO lock per tenant for the whole process, keyed by API origin + customer id, so every client
 * instance for the same tenant queues behind the same lock.
 */

interface Waiter {
  grant: () => void;
}

interface TenantQueue {
  busy: boolean;
  waiters: Waiter[];
}

const queues = new Map<string, TenantQueue>();

/** Lock key of a tenant: one per API origin and customer id. */
export function tenantLockKey(apiOrigin: string, customerId: string): string {
  return `${apiOrigin}|${customerId}`;
}

/**
 * Runs `task` once no other task holds the tenant's lock; waiting can be abandoned through `signal`.
 * The lock is released when `task` settles, whatever the outcome.
 */
export async function withTenantLock<T>(
  key: string,
  signal: AbortSignal | undefined,
  task: () => Promise<T>,
): Promise<T> {
  await acquire(key, signal);
  try {
    return await task();
  } finally {
    release(key);
  }
}

/** Tenants with a running or waiting task (for tests and diagnostics). */
export function busyTenantCount(): number {
  return queues.size;
}

function acquire(key: string, signal: AbortSignal | undefined): Promise<void> {
  signal?.throwIfAborted();
  let queue = queues.get(key);
  if (!queue) {
    queue = { busy: false, waiters: [] };
    queues.set(key, queue);
  }
  if (!queue.busy) {
    queue.busy = true;
    return Promise.resolve();
  }
  const current = queue;
  return new Promise<void>((resolve, reject) => {
    const waiter: Waiter = {
      grant: () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
    };
    const onAbort = () => {
      const index = current.waiters.indexOf(waiter);
      if (index >= 0) current.waiters.splice(index, 1);
      reject(signal?.reason);
    };
    current.waiters.push(waiter);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function release(key: string): void {
  const queue = queues.get(key);
  if (!queue) return;
  const next = queue.waiters.shift();
  if (next) {
    next.grant(); // stays busy: ownership passes straight to the next waiter
  } else {
    queues.delete(key);
  }
}
