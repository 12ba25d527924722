import { randomBytes } from 'node:crypto';
import { DIGEST_BYTES } from '../src/index.ts';

/** `n` random digests as `recordDigest` gives them (fewer if two draws meet: at 72 bits, never in practice). */
export function randomDigests(n: number): string[] {
  const bytes = randomBytes(n * DIGEST_BYTES);
  const digests = new Set<string>();
  for (let at = 0; at < bytes.length; at += DIGEST_BYTES)
    digests.add(bytes.toString('base64url', at, at + DIGEST_BYTES));
  return [...digests];
}
