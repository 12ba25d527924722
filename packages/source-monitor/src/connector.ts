/**
 * The Monitor source's connector manifest: what the registry, the CLI and the docs know of it. Cheap to
 * load: the implementation (and its HTTP client) is imported only when a source is created.
 */
import { definePullSource, envValue } from '@ctxsiem/core';
import { MonitorOptionsSchema } from './config.ts';

export const monitorConnector = definePullSource({
  type: 'monitor',
  package: '@ctxsiem/source-monitor',
  summary: 'Citrix Monitor Service OData: one stream per entity set, windowed on its cursor column.',
  schema: MonitorOptionsSchema,
  env: {
    variables: {
      entities: 'ENTITIES',
      pageSize: 'PAGE_SIZE',
      useTimeFilter: 'USE_TIME_FILTER',
      summaryGranularity: 'SUMMARY_GRANULARITY',
    },
    read: (env) =>
      envValue.defined({
        entities: env.ENTITIES,
        pageSize: envValue.number(env.PAGE_SIZE),
        useTimeFilter: envValue.boolean(env.USE_TIME_FILTER),
        summaryGranularity: envValue.number(env.SUMMARY_GRANULARITY),
      }),
  },
  emulated: true,
  siem: { secopsLogType: 'CITRIX_MONITOR' },
  async create(options, deps) {
    const [{ monitorSource }, { tenantConnection }] = await Promise.all([
      import('./index.ts'),
      import('@ctxsiem/citrix-cloud'),
    ]);
    return monitorSource({ options, connection: tenantConnection(deps.tenant) }, deps);
  },
});

export const connectors = [monitorConnector] as const;
