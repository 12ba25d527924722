/**
 * The licensing source's connector manifest: what the registry, the CLI and the docs know of it. Cheap
 * to load: the implementation is imported only when a source is created.
 */
import { definePullSource, envValue } from '@ctxsiem/core';
import { LicensingOptionsSchema } from './config.ts';

export const licensingConnector = definePullSource({
  type: 'licensing',
  package: '@ctxsiem/source-licensing',
  summary:
    'Citrix licensing: CVAD User/Device license usage from the Citrix Cloud API (a snapshot per UTC day, the monthly history), Concurrent licenses in use and their peaks (a snapshot per UTC day), and License Server / CVAD / SPA telemetry documents from a folder or bucket.',
  schema: LicensingOptionsSchema,
  env: {
    variables: {
      streams: 'LICENSING_STREAMS',
      lagMinutes: 'LAG_MINUTES',
      licenseModel: 'LICENSING_MODEL',
      'telemetry.location': 'LICENSING_TELEMETRY',
    },
    read: (env) =>
      envValue.defined({
        streams: env.LICENSING_STREAMS,
        lagMinutes: envValue.number(env.LAG_MINUTES),
        licenseModel: env.LICENSING_MODEL,
        telemetry: env.LICENSING_TELEMETRY ? { location: env.LICENSING_TELEMETRY } : undefined,
      }),
  },
  emulated: true,
  // No secopsLogType: SecOps has no log type for it (a custom one is named in the SecOps sink's logTypes).
  async create(options, deps) {
    const [{ licensingSource }, { tenantConnection }] = await Promise.all([
      import('./index.ts'),
      import('@ctxsiem/citrix-cloud'),
    ]);
    return licensingSource({ options, connection: tenantConnection(deps.tenant) }, deps);
  },
});

export const connectors = [licensingConnector] as const;
