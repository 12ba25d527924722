import { project } from '../../vitest.shared.ts';

export default project('cloud-function', { timeoutMs: 120_000 });
