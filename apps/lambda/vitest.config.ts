import { project } from '../../vitest.shared.ts';

export default project('lambda', { timeoutMs: 120_000 });
