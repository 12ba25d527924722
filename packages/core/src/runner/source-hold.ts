/**
 * A replica's hold on one tenant's source: the streams of a source run on one replica at a time.
 *
 * Stream leases keep the data safe, but they are per stream: two replicas could each take a different
 * stream of one tenant's source and send that tenant two requests at once, where Citrix allows one in
 * flight per tenant (Monitor's documented limit; each process's client keeps it only within itself).
 * So a daemon's run first takes the source's hold — a document `_holds/{tenant}/{source}` beside the
 * window manifests, `{ owner, expiresAt }`, written with the store's conditional writes — and a replica
 * that finds it held by another leaves the source's streams alone (`busy`) and moves on.
 *
 * The hold only spreads requests; it guards no data (the stream leases do), so it is lenient: it is
 * renewed while the run lasts (every third of its length, on the run's clock), a holder whose process is gone from
 * this host or whose hold expired is taken over at once, a renewal that finds the hold taken stops
 * renewing (the run goes on under its stream leases), and it is released by writing it expired.
 */
import { hostname } from 'node:os';
import type { Clock } from '../clock/clock.ts';
import type { DocumentStore } from '../contracts/document-store.ts';
import { CheckpointConflictError } from '../errors/errors.ts';
import type { Logger } from '../logging/logger.ts';
import { processAlive } from './stream-checkpoint.ts';

/** Where a source's hold is kept in the manifests' document store. */
export function holdKey(tenant: string, source: string): string {
  return `_holds/${tenant}/${source}`;
}

export interface SourceHoldOptions {
  documents: DocumentStore;
  tenant: string;
  source: string;
  owner: string;
  leaseMs: number;
  clock: Clock;
  logger: Logger;
}

/** Another replica's live hold: who, and until when. */
export interface HeldBy {
  owner: string;
  expiresAt: string;
}

export class SourceHold {
  readonly #options: SourceHoldOptions;
  readonly #key: string;
  #version: string;
  #cancel: (() => void) | undefined;
  #renewing: Promise<void> | undefined;
  #ended = false;

  private constructor(options: SourceHoldOptions, version: string) {
    this.#options = options;
    this.#key = holdKey(options.tenant, options.source);
    this.#version = version;
    this.#schedule();
  }

  /** The next renewal, a third of the hold on, on the run's clock (real time: unref'd). */
  #schedule(): void {
    if (this.#ended) return;
    const { clock, leaseMs } = this.#options;
    const ms = Math.max(1_000, leaseMs / 3);
    const fire = () => {
      this.#renewing = this.#renew().then(() => this.#schedule());
    };
    if (clock.after) this.#cancel = clock.after(ms, fire);
    else {
      const timer = setTimeout(fire, ms);
      timer.unref();
      this.#cancel = () => clearTimeout(timer);
    }
  }

  /** Takes the source's hold, or answers who holds it (another replica, alive, before it expires). */
  static async take(options: SourceHoldOptions): Promise<SourceHold | HeldBy> {
    const { documents, owner, clock } = options;
    const key = holdKey(options.tenant, options.source);
    const stored = await documents.read(key);
    const held = stored?.document as Partial<HeldBy> | undefined;
    if (
      held?.owner &&
      held.owner !== owner &&
      held.expiresAt &&
      Date.parse(held.expiresAt) > clock.now() &&
      !goneFromThisHost(held.owner)
    )
      return { owner: held.owner, expiresAt: held.expiresAt };
    try {
      const version = await documents.write(key, holdDocument(options), stored?.version);
      return new SourceHold(options, version);
    } catch (error) {
      if (!(error instanceof CheckpointConflictError)) throw error;
      // Another replica took it in the same moment: it is theirs.
      const now = (await documents.read(key))?.document as Partial<HeldBy> | undefined;
      return { owner: now?.owner ?? 'another replica', expiresAt: now?.expiresAt ?? '' };
    }
  }

  async #renew(): Promise<void> {
    if (this.#ended) return;
    try {
      this.#version = await this.#options.documents.write(
        this.#key,
        holdDocument(this.#options),
        this.#version,
      );
    } catch (error) {
      const lost = error instanceof CheckpointConflictError;
      if (lost) this.#stop();
      this.#options.logger.warn(
        { err: error, hold: this.#key },
        lost
          ? 'another replica took this source’s hold (a renewal came too late): its streams stay safe under their leases'
          : 'could not renew this source’s hold: tried again later',
      );
    }
  }

  #stop(): void {
    this.#ended = true;
    this.#cancel?.();
  }

  /** Ends the hold: written expired, so the next replica takes it at once. Never throws. */
  async release(): Promise<void> {
    if (this.#ended) return;
    this.#stop();
    // A renewal under way finishes first: written after the release, it would hold the source on.
    await this.#renewing;
    const { documents, owner, clock } = this.#options;
    await documents
      .write(this.#key, { owner, expiresAt: new Date(clock.now()).toISOString() }, this.#version)
      .catch((error: unknown) =>
        this.#options.logger.warn({ err: error, hold: this.#key }, 'could not release this source’s hold'),
      );
  }
}

function holdDocument({ owner, leaseMs, clock }: SourceHoldOptions): { owner: string; expiresAt: string } {
  return { owner, expiresAt: new Date(clock.now() + leaseMs).toISOString() };
}

/** A holder that was a process of this host which is gone (killed): its hold ends now. */
function goneFromThisHost(owner: string): boolean {
  const [host, pid] = owner.split(':');
  return host === hostname() && !!pid && /^\d+$/.test(pid) && !processAlive(Number(pid));
}
