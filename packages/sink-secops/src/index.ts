/** @ctxsiem/sink-secops — Google SecOps ingestion (Chronicle API logs:import, or the legacy API). */
export {
  REQUEST_LIMIT_BYTES,
  type SecOpsSinkConfig,
  type SecOpsSinkConfigInput,
  SecOpsSinkConfigSchema,
} from './config.ts';
export { logTypeOf } from './log-types.ts';
export { cutRequests, ENVELOPE_ALLOWANCE_BYTES } from './requests.ts';
export { secopsSink } from './sink.ts';
