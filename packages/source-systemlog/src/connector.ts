/**
 * The System Log source's connector manifest: what the registry, the CLI and the docs know of it. Cheap
 * to load: the implementation is imported only when a source is created.
 */
import { definePullSource, envValue } from '@ctxsiem/core';
import { SystemLogOptionsSchema } from './config.ts';

export const systemLogConnector = definePullSource({
  type: 'systemlog',
  package: '@ctxsiem/source-systemlog',
  summary:
    'Citrix Cloud System Log: who changed what on the platform (administrators, API clients, connectors, Workspace, Secure Private Access), per hour.',
  schema: SystemLogOptionsSchema,
  env: {
    variables: { pageSize: 'SYSTEMLOG_PAGE_SIZE', lagMinutes: 'LAG_MINUTES' },
    read: (env) =>
      envValue.defined({
        pageSize: envValue.number(env.SYSTEMLOG_PAGE_SIZE),
        lagMinutes: envValue.number(env.LAG_MINUTES),
      }),
  },
  emulated: true,
  siem: { secopsLogType: 'CITRIX_MONITOR' },
  async create(options, deps) {
    const [{ systemLogSource }, { tenantConnection }] = await Promise.all([
      import('./index.ts'),
      import('@ctxsiem/citrix-cloud'),
    ]);
    return systemLogSource({ options, connection: tenantConnection(deps.tenant) }, deps);
  },
});

export const connectors = [systemLogConnector] as const;
