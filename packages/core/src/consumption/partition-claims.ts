/**
 * A partition's claim: the offsets `[first, last]` of the batch a consumer is about to deliver, written
 * (conditionally) before its first part. A member that takes the partition over after a kill or a
 * rebalance finds the claim when its first message is at `first`, and cuts its first batch at `last`
 * too: the batch is delivered again with the same parts, which the sink acknowledges as existing
 * instead of storing twice. Claims sit with the checkpoint store's documents.
 */
import { z } from 'zod';
import type { DocumentStore } from '../contracts/document-store.ts';

const ClaimSchema = z.object({
  first: z.number().int().nonnegative(),
  last: z.number().int().nonnegative(),
  claimedAt: z.string(),
});

export type PartitionClaim = z.output<typeof ClaimSchema>;

/** The claim of one partition as last read or written, with its version for the next write. */
export interface HeldClaim {
  claim: PartitionClaim | undefined;
  version: string | undefined;
}

export class PartitionClaims {
  readonly #store: DocumentStore;
  readonly #root: string;

  /** `root`: `{tenant}/{source}/{log}`, under which each partition's claim is kept. */
  constructor(store: DocumentStore, root: string) {
    this.#store = store;
    this.#root = root;
  }

  keyOf(partition: number): string {
    return `${this.#root}/_claims/partition-${partition}`;
  }

  async read(partition: number): Promise<HeldClaim> {
    const stored = await this.#store.read(this.keyOf(partition));
    if (!stored) return { claim: undefined, version: undefined };
    const parsed = ClaimSchema.safeParse(stored.document);
    // A damaged claim is treated as none: the batch is then cut afresh (at worst delivered twice).
    return { claim: parsed.success ? parsed.data : undefined, version: stored.version };
  }

  /** Writes the claim if the stored one is still `held`'s; throws CheckpointConflictError otherwise. */
  async write(partition: number, held: HeldClaim, claim: PartitionClaim): Promise<HeldClaim> {
    const version = await this.#store.write(this.keyOf(partition), claim, held.version);
    return { claim, version };
  }
}
