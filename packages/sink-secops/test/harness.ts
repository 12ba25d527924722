/** A SecOps sink wired to the contract server, as the tests build it. */
import { type DocumentStore, type Sink, silentLogger } from '@ctxsiem/core';
import type { SecOpsApi } from '@ctxsiem/local-services';
import { type SecOpsSinkConfigInput, type SecOpsSinkDeps, secopsSink } from '../src/index.ts';

/** The generated test source has no SecOps log type: the instances the tests start have this custom one. */
export const CUSTOM_LOG_TYPE = 'CTXSIEM_GENERATED';

export function contractSink(
  api: SecOpsApi,
  documents: DocumentStore,
  overrides: Partial<SecOpsSinkConfigInput> = {},
  deps: Partial<SecOpsSinkDeps> = {},
): Sink {
  return secopsSink(
    {
      project: 'test-project',
      instance: '01234567-89ab-cdef-0123-456789abcdef',
      tokenUrl: api.tokenUrl,
      serviceAccountKey: api.serviceAccountKey,
      logTypes: { generated: CUSTOM_LOG_TYPE },
      ...overrides,
    },
    { logger: silentLogger(), clock: { now: Date.now }, documents, ...deps },
  );
}
