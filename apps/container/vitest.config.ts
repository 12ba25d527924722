import { project } from '../../vitest.shared.ts';

// Most tests here start the CLI as processes (several each); on a loaded CI machine a start takes seconds.
export default project('container', { timeoutMs: 120_000 });
