/** Makes the run's test CA before the workers start, so they trust the Azure contract server. */
// By path: a global setup runs in vitest's own process, outside the project's source conditions.
import { tlsGlobalSetup } from '../../test-kit/src/servers/test-tls.ts';

export function setup(): () => void {
  return tlsGlobalSetup();
}
