/** Named errors shared by every package, and the failures below HTTP that are worth retrying. */

// Named errors with a stable code, and describing any failure safely.
export {
  CheckpointConflictError,
  ConfigError,
  type ConfigIssue,
  CtxsiemError,
  describeError,
  PartExistsError,
  QueryTimeoutError,
  RequestRefusedError,
  SinkError,
  SourceError,
} from './errors.ts';
// Error codes of network failures (no answer at all), which a later attempt may survive.
export { NETWORK_ERROR_CODES } from './network-errors.ts';
