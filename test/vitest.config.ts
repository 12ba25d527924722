import { project } from '../vitest.shared.ts';

export default project('e2e', { timeoutMs: 120_000, include: ['**/*.test.ts'] });
