/**
 * The order in which a replica attempts its work. Replicas of a daemon (`ctxsiem serve`) share one
 * checkpoint store and run the same schedules: walking the tenants and streams in the configuration's
 * order, each would reach the same stream at the same moment, one would win its lease and the others
 * would find it busy, stream after stream — in lockstep. Each replica walks them instead in an order of
 * its own: sorted by a hash of (seed, key), the seed naming the replica and the tick. Two replicas'
 * orders are unrelated permutations, so each starts on different work and mostly finds held streams
 * near its end; a new seed each tick keeps any tenant from always coming last.
 *
 * The order is deterministic for a seed (tests and logs can reproduce it) and stable: equal hashes
 * keep the input's order.
 */
import { createHash } from 'node:crypto';

/** `items` in the order `seed` gives them: a permutation that differs from seed to seed. */
export function spreadOrder<T>(items: readonly T[], key: (item: T) => string, seed: string): T[] {
  return items
    .map((item, index) => ({ item, index, rank: hash32(`${seed}\u0000${key(item)}`) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map(({ item }) => item);
}

/** The first 32 bits of the SHA-256 of `text`: any permutation is as likely as another. */
function hash32(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}
