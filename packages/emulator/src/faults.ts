/**
 * Deterministic fault injection. Each API request draws the same four numbers from a PRNG seeded by the
 * emulator seed (reseeded whenever the faults are replaced), so a given fault configuration produces the same
 * sequence of outcomes for the same sequence of requests.
 */
import { type ApiError, odataError, type RetryHint, retryLaterError } from './api-error.ts';
import type { Faults } from './options.ts';
import { createRng, hashOf, type Rng } from './random.ts';

/** Keys of EmulatorStats.injected. */
export type InjectedKind =
  | '429'
  | '500'
  | '503'
  | 'reset'
  | 'truncate'
  | 'slow'
  | 'earlyTokenExpiry'
  | 'foreignNextLink'
  | 'failEntity'
  | 'rejectFilter'
  | 'forbidden'
  | 'frozenSite'
  | 'licensingNoContent'
  | 'queryTimeout'
  | 'unordered';

export interface FaultDecision {
  /** Destroy the socket without responding. */
  reset: boolean;
  /** Answer with this injected status instead of the real response. */
  status: 429 | 500 | 503 | null;
  /** Send half of the body, then destroy the socket. */
  truncate: boolean;
  /** Delay before responding (0 = none). */
  delayMs: number;
}

/**
 * How the unordered fault lays out one read of a Monitor query: its page size and the seed of its row order.
 * Drawn for the first page and carried by the read's $skiptoken.
 */
export interface UnorderedRead {
  pageSize: number;
  shuffleSeed: number;
}

export const DEFAULT_SLOW_MS = 1000;
export const DEFAULT_EARLY_EXPIRY_AFTER_REQUESTS = 3;
/** The retry delay of injected 429 / 503 when `retryAfterSeconds` is not set. */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;

export class FaultInjector {
  readonly #seed: number;
  #faults: Faults;
  #rng: Rng;
  #generation = 0;

  constructor(seed: number, faults: Faults) {
    this.#seed = seed;
    this.#faults = { ...faults };
    this.#rng = createRng(hashOf(seed, 'faults', 0));
  }

  get faults(): Readonly<Faults> {
    return this.#faults;
  }

  replace(faults: Faults): void {
    this.#faults = { ...faults };
    this.#generation++;
    this.#rng = createRng(hashOf(this.#seed, 'faults', this.#generation));
  }

  /**
   * The unordered fault's layout for a new read whose configured page size is `pageSize`, or undefined when
   * the fault is off. Draws two more numbers, only when the fault is on, so other faults' sequences are
   * unchanged by it.
   */
  drawUnorderedRead(pageSize: number): UnorderedRead | undefined {
    if (!this.#faults.unordered) return undefined;
    const scale = 0.5 + this.#rng.next();
    const shuffleSeed = Math.floor(this.#rng.next() * 4294967296);
    return { pageSize: Math.max(1, Math.floor(pageSize * scale)), shuffleSeed };
  }

  decide(): FaultDecision {
    const f = this.#faults;
    const [reset, status, truncate, slow] = [
      this.#rng.next(),
      this.#rng.next(),
      this.#rng.next(),
      this.#rng.next(),
    ];
    const rate429 = f.rate429 ?? 0;
    const rate500 = f.rate500 ?? 0;
    const rate503 = f.rate503 ?? 0;
    let injected: FaultDecision['status'] = null;
    if (status < rate429) injected = 429;
    else if (status < rate429 + rate500) injected = 500;
    else if (status < rate429 + rate500 + rate503) injected = 503;
    return {
      reset: reset < (f.resetRate ?? 0),
      status: injected,
      truncate: truncate < (f.truncateRate ?? 0),
      delayMs: slow < (f.slowRate ?? 0) ? (f.slowMs ?? DEFAULT_SLOW_MS) : 0,
    };
  }
}

/**
 * The response of an injected 429 / 500 / 503: Citrix's documented 429 / 503 bodies (retryDelay, no
 * Retry-After unless asked for; see retryLaterError), an OData error for 500.
 */
export function injectedStatusError(status: 429 | 500 | 503, hint: RetryHint): ApiError {
  if (status === 500) return odataError(500, 'InternalServerError', 'An error has occurred (injected).');
  return retryLaterError(status, hint);
}

/** The retry hint of injected 429 / 503 under `faults`: `retryAfterSeconds` (default 1) and `retryAfterHeader`. */
export function faultRetryHint(faults: Readonly<Faults>): RetryHint {
  return {
    seconds: faults.retryAfterSeconds === undefined ? DEFAULT_RETRY_AFTER_SECONDS : faults.retryAfterSeconds,
    header: faults.retryAfterHeader ?? false,
  };
}
