/** Where sinks put objects: the partition folders and part names, dead letters, the probe object. */

// Part keys under the seeds' partition folders, and the dead-letter folder.
export {
  assertPathName,
  batchKey,
  compactInstant,
  controlPrefix,
  DEAD_LETTER_FOLDER,
  type DeadLetterListing,
  deadLetterListing,
  hourPartition,
  type LayoutOptions,
  normalizePrefix,
  partNumber,
  pathNameSchema,
} from './layout.ts';
// The object a sink's check() writes and deletes.
export { type ProbeObject, probeObject } from './probe-object.ts';
