/**
 * One stream's checkpoint as a runner holds it: the state read at the start, every later write
 * conditional on the version last seen, and the stream's **lease**.
 *
 * The lease is what the Powertools idempotency "in progress" record is: before a runner writes anything
 * it commits its lease (owner, expiry) with a conditional write; a runner that finds a live lease held
 * by another owner leaves the stream alone (`busy`); an expired one is taken over, and the successor
 * resumes the same claimed window. Every commit renews the lease, and `renewIfDue` renews it before a
 * write once half of it has passed, so a runner that lost its lease finds out (a conflict) before it
 * writes a part rather than after. Expiry is judged by the reader's clock; clocks apart by less than a
 * lease keep a live holder safe, and the create-only parts and window manifests keep the data safe even
 * when they do not.
 */

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import type { Clock } from '../clock/clock.ts';
import type { CheckpointStore, RunOutcome, StreamLease, StreamState } from '../contracts/checkpoint-store.ts';
import { CtxsiemError } from '../errors/errors.ts';

/** A run's error is kept in the checkpoint up to this long (its first lines say what failed). */
const MAX_ERROR_CHARS = 500;

const instant = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO instant');

/** The checkpoint state as stored; unknown fields (from a newer version) are kept. */
export const StreamStateSchema = z.looseObject({
  position: instant,
  origin: instant.optional(),
  until: instant.optional(),
  window: z
    .object({
      to: instant,
      seq: z.number().int().nonnegative(),
      resume: z.string(),
      readFrom: instant.optional(),
      readTo: instant.optional(),
    })
    .optional(),
  lease: z.object({ owner: z.string(), expiresAt: instant }).optional(),
  leaseEpoch: z.number().int().nonnegative().optional(),
  reconcile: z
    .array(
      z.object({
        from: instant,
        to: instant,
        checks: z.number().int().nonnegative(),
        at: instant,
        audit: z.number().int().nonnegative().optional(),
        reread: z.boolean().optional(),
        unverified: z.number().int().positive().optional(),
      }),
    )
    .optional(),
  lastRun: z
    .object({
      at: instant,
      status: z.enum(['ok', 'partial', 'idle', 'failed']),
      records: z.number().int().nonnegative(),
      error: z.string().optional(),
      possiblyDuplicated: z.number().int().nonnegative().optional(),
    })
    .optional(),
  lastFailure: z.object({ at: instant, error: z.string() }).optional(),
  unreportedDuplicates: z.number().int().nonnegative().optional(),
  updatedAt: z.string().optional(),
});

/** The state stored at `key`; anything else stops the stream with the key and the field named. */
export function parseStreamState(key: string, value: unknown): StreamState {
  const parsed = StreamStateSchema.safeParse(value);
  if (parsed.success) return parsed.data as StreamState;
  const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new CtxsiemError(
    'CHECKPOINT_INVALID',
    `checkpoint "${key}" is not a valid ctxsiem checkpoint (${issues.join('; ')}); fix it or reset the stream (ctxsiem state reset)`,
  );
}

/** An owner id for this process's runs: readable in `state show`, unique per run. */
export function newLeaseOwner(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/**
 * Whether process `pid` of this host is running (signal 0: nothing is sent). A process of another user
 * counts as running. What a lease owner or a writer's temporary file names is judged by it.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface LeaseOptions {
  owner: string;
  /** How long a lease lasts without renewal. */
  leaseMs: number;
  /**
   * When no lease of this runner may last beyond (epoch ms): a function invocation's deadline plus a
   * grace, so an invocation the platform kills at its deadline blocks the next one that long at most,
   * not a whole `leaseMs`. Renewals never pass it.
   */
  until?: number | undefined;
}

/** The state without the fields the checkpoint manages itself. */
export type CommittedState = Omit<StreamState, 'lease' | 'updatedAt'>;

export class StreamCheckpoint {
  readonly key: string;
  readonly #store: CheckpointStore;
  readonly #clock: Clock;
  readonly #lease: LeaseOptions;
  #state: StreamState;
  #version: string | undefined;
  #holding = false;

  private constructor(
    key: string,
    store: CheckpointStore,
    clock: Clock,
    lease: LeaseOptions,
    state: StreamState,
    version: string | undefined,
  ) {
    this.key = key;
    this.#store = store;
    this.#clock = clock;
    this.#lease = lease;
    this.#state = state;
    this.#version = version;
  }

  /** Reads the stream's checkpoint; a stream never seen starts at `start` (a backfill ends at `until`). */
  static async open(
    store: CheckpointStore,
    key: string,
    clock: Clock,
    lease: LeaseOptions,
    start: Date,
    until?: Date,
  ): Promise<StreamCheckpoint> {
    const stored = await store.read(key);
    const state = stored
      ? parseStreamState(key, stored.state)
      : {
          position: start.toISOString(),
          origin: start.toISOString(),
          ...(until ? { until: until.toISOString() } : {}),
        };
    return new StreamCheckpoint(key, store, clock, lease, state, stored?.version);
  }

  get state(): Readonly<StreamState> {
    return this.#state;
  }

  /** Another runner's live lease, or undefined when this runner may take the stream. */
  heldBy(): StreamLease | undefined {
    const lease = this.#state.lease;
    if (!lease || lease.owner === this.#lease.owner) return undefined;
    return Date.parse(lease.expiresAt) > this.#clock.now() ? lease : undefined;
  }

  /**
   * Takes the stream: commits this runner's lease, with the epoch after the stream's last one. Throws
   * CheckpointConflictError if another won.
   */
  async acquire(): Promise<void> {
    await this.commit({ ...this.#state, leaseEpoch: (this.#state.leaseEpoch ?? 0) + 1 });
    this.#holding = true;
  }

  /** This runner's lease epoch (after `acquire`). */
  get epoch(): number {
    return this.#state.leaseEpoch ?? 0;
  }

  /**
   * Renews the lease now, whatever is left of it: before each request to a SIEM API, whose retries and
   * `Retry-After` waits may outlast a lease. Throws CheckpointConflictError once another runner took
   * the stream over.
   */
  async renew(): Promise<void> {
    await this.commit(this.#state);
  }

  /** Commits `next` with this runner's lease renewed. Throws CheckpointConflictError if it was lost. */
  async commit(next: CommittedState): Promise<void> {
    const now = this.#clock.now();
    const { lease: _lease, updatedAt: _updatedAt, ...rest } = next as StreamState;
    const state: StreamState = {
      ...rest,
      leaseEpoch: rest.leaseEpoch ?? this.#state.leaseEpoch,
      lease: { owner: this.#lease.owner, expiresAt: new Date(this.#expiry(now)).toISOString() },
      updatedAt: new Date(now).toISOString(),
    };
    this.#version = await this.#store.write(this.key, state, this.#version);
    this.#state = state;
  }

  /** When a lease committed at `now` expires: `leaseMs` later, never past `until`. */
  #expiry(now: number): number {
    const { leaseMs, until } = this.#lease;
    return until === undefined ? now + leaseMs : Math.min(now + leaseMs, until);
  }

  /**
   * Renews the lease once half of it has passed: called before each write. A lease already at its
   * `until` is not renewed (a commit could not extend it).
   */
  async renewIfDue(): Promise<void> {
    const now = this.#clock.now();
    const expiresAt = Date.parse(this.#state.lease?.expiresAt ?? '');
    if (
      Number.isNaN(expiresAt) ||
      (expiresAt - now < this.#lease.leaseMs / 2 && this.#expiry(now) > expiresAt)
    )
      await this.commit(this.#state);
  }

  /**
   * Gives the stream up so the next run need not wait for the lease to expire, recording how the run
   * ended (a failure is also kept as the last failure). `reported` (by default when there is an
   * outcome): the run's summary reports the resends counted under this lease, so
   * `unreportedDuplicates` goes. Never throws.
   */
  async release(
    outcome?: Omit<RunOutcome, 'at'>,
    reported: boolean = outcome !== undefined,
  ): Promise<string | undefined> {
    if (!this.#holding) return undefined;
    this.#holding = false;
    // A run that reports (its outcome, its summary) reports the resends it counted or inherited.
    const { lease: _lease, ...held } = this.#state;
    const { unreportedDuplicates: _reported, ...rest } = held;
    const at = new Date(this.#clock.now()).toISOString();
    const error = outcome?.error?.slice(0, MAX_ERROR_CHARS);
    const state: StreamState = {
      ...(reported ? rest : held),
      ...(outcome ? { lastRun: { at, ...outcome, ...(error ? { error } : {}) } } : {}),
      ...(outcome?.status === 'failed' ? { lastFailure: { at, error: error ?? 'unknown error' } } : {}),
      updatedAt: at,
    };
    try {
      this.#version = await this.#store.write(this.key, state, this.#version);
      this.#state = state;
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }
}
