/**
 * The DaaS configuration log source's connector manifest: what the registry, the CLI and the docs know
 * of it. Cheap to load: the implementation is imported only when a source is created.
 */
import { definePullSource, envValue } from '@ctxsiem/core';
import { DaasConfigLogOptionsSchema } from './config.ts';

export const daasConfigLogConnector = definePullSource({
  type: 'daasconfiglog',
  package: '@ctxsiem/source-daas-configlog',
  summary:
    'Citrix DaaS configuration log: every admin operation on the site (Studio, PowerShell, API) with its low-level operations, per hour, and the site’s sessions, from the Manage API.',
  schema: DaasConfigLogOptionsSchema,
  env: {
    variables: {
      streams: 'DAAS_STREAMS',
      siteId: 'DAAS_SITE_ID',
      pageSize: 'DAAS_PAGE_SIZE',
      lagMinutes: 'LAG_MINUTES',
      lowLevelPerWindow: 'DAAS_LOW_LEVEL_PER_WINDOW',
      sessionsLagMinutes: 'DAAS_SESSIONS_LAG_MINUTES',
    },
    read: (env) =>
      envValue.defined({
        streams: env.DAAS_STREAMS,
        siteId: env.DAAS_SITE_ID,
        pageSize: envValue.number(env.DAAS_PAGE_SIZE),
        lagMinutes: envValue.number(env.LAG_MINUTES),
        lowLevelPerWindow: envValue.number(env.DAAS_LOW_LEVEL_PER_WINDOW),
        sessionsLagMinutes: envValue.number(env.DAAS_SESSIONS_LAG_MINUTES),
      }),
  },
  emulated: true,
  // No secopsLogType: SecOps has no log type for it (a custom one is named in the SecOps sink's logTypes).
  async create(options, deps) {
    const [{ daasConfigLogSource }, { tenantConnection }] = await Promise.all([
      import('./index.ts'),
      import('@ctxsiem/citrix-cloud'),
    ]);
    return daasConfigLogSource({ options, connection: tenantConnection(deps.tenant) }, deps);
  },
});

export const connectors = [daasConfigLogConnector] as const;
