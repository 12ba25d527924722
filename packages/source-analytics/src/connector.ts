/**
 * The Analytics for Performance source's connector manifest. Cheap to load: the implementation is
 * imported only when a source is created.
 */
import { definePullSource, envValue } from '@ctxsiem/core';
import { AnalyticsOptionsSchema } from './config.ts';

export const analyticsConnector = definePullSource({
  type: 'analytics',
  package: '@ctxsiem/source-analytics',
  summary: 'Citrix Analytics for Performance (casodata): one stream per entity, one window per UTC hour.',
  schema: AnalyticsOptionsSchema,
  env: {
    variables: { entities: 'ENTITIES', top: 'TOP_N', lookbackMinutes: 'LOOKBACK_MINUTES' },
    read: (env) =>
      envValue.defined({
        entities: env.ENTITIES,
        top: envValue.number(env.TOP_N ?? env.PAGE_SIZE),
        // An hour is read once it is complete plus a safety lag, as the seed did with LOOKBACK_MINUTES.
        lookbackMinutes: envValue.number(env.LOOKBACK_MINUTES),
      }),
  },
  emulated: true,
  siem: { secopsLogType: 'CITRIX_ANALYTICS' },
  async create(options, deps) {
    const [{ analyticsSource }, { tenantConnection }] = await Promise.all([
      import('./index.ts'),
      import('@ctxsiem/citrix-cloud'),
    ]);
    return analyticsSource({ options, connection: tenantConnection(deps.tenant) }, deps);
  },
});

export const connectors = [analyticsConnector] as const;
