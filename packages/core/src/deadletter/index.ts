/** Dead letters after the run: listing what a sink holds, and replaying what now passes its schema. */

export {
  type DeadLetterOptions,
  type DeadLetterReport,
  listDeadLetters,
  type ReplayOptions,
  type ReplayTarget,
  reasonLine,
  replayDeadLetters,
} from './dead-letters.ts';
