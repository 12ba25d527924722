import { project } from '../vitest.shared.ts';

export default project('terraform', { timeoutMs: 300_000 });
