/**
 * Deterministic randomness: 32-bit hashing of (seed, labels, numbers) and a small PRNG (mulberry32).
 * Every generated value in the emulator comes from a PRNG seeded by such a hash, so data is a pure
 * function of the seed and the position (entity, hour, index) it belongs to.
 */

/** Mixes one 32-bit value into a running hash (murmur3-style finalisation). */
export function mix(hash: number, value: number): number {
  let h = (hash ^ Math.imul(value | 0, 0xcc9e2d51)) >>> 0;
  h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of a sequence of strings and numbers; numbers beyond 32 bits are split so none collide. */
export function hashOf(...parts: readonly (string | number)[]): number {
  let h = 0x9747b28c;
  for (const part of parts) {
    if (typeof part === 'number') {
      h = mix(h, part % 0x100000000);
      h = mix(h, Math.floor(part / 0x100000000));
    } else {
      for (let i = 0; i < part.length; i++) h = mix(h, part.charCodeAt(i));
      h = mix(h, part.length ^ 0x5bd1e995);
    }
  }
  return h;
}

/** A seeded pseudo-random stream. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, maxExclusive). */
  int(min: number, maxExclusive: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A random (version 4 layout) lowercase GUID. */
  guid(): string;
}

/** mulberry32: tiny, fast and good enough for synthetic data and fault decisions. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const hex32 = (): string =>
    Math.floor(next() * 4294967296)
      .toString(16)
      .padStart(8, '0');
  return {
    next,
    int: (min, maxExclusive) => min + Math.floor(next() * (maxExclusive - min)),
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error('pick() from an empty list');
      return item;
    },
    guid: () => {
      const a = hex32();
      const b = hex32();
      const c = hex32();
      const d = hex32();
      const variant = ((Number.parseInt(c[0] ?? '0', 16) & 0x3) | 0x8).toString(16);
      return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4, 8)}${d}`;
    },
  };
}

/** Shorthand: a PRNG seeded by the hash of the given parts. */
export function rngFor(...parts: readonly (string | number)[]): Rng {
  return createRng(hashOf(...parts));
}
