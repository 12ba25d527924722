import { project } from '../../vitest.shared.ts';

// The Azure contract server speaks HTTPS with a CA made for the run, which the workers must trust.
export default project('sink-azure-monitor', { globalSetup: ['test/tls-global-setup.ts'] });
