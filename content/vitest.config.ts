import { project } from '../vitest.shared.ts';

// Microsoft's Kusto library analyzes each query in a second or two, longer on a busy machine: the
// deadline is for liveness only.
export default project('content', { timeoutMs: 300_000 });
