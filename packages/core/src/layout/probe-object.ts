/**
 * The object a sink's `check()` writes and deletes to prove it may write where its batches go: a small
 * JSON object with a random name under the prefix (`{tenant}` as `_probe`), never a batch's name.
 */
import { randomBytes } from 'node:crypto';
import { normalizePrefix } from './layout.ts';

export interface ProbeObject {
  /** `{prefix}/_ctxsiem-probe-<random hex>.json`. */
  key: string;
  /** One line of JSON saying what it is and when it was written. */
  body: string;
}

export function probeObject(prefix: string | undefined, now: Date = new Date()): ProbeObject {
  const folder = normalizePrefix(prefix, '_probe');
  return {
    key: `${folder ? `${folder}/` : ''}_ctxsiem-probe-${randomBytes(6).toString('hex')}.json`,
    body: `${JSON.stringify({ probe: 'ctxsiem', at: now.toISOString() })}\n`,
  };
}
