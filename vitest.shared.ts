import { defineProject } from 'vitest/config';

/**
 * Every package's vitest project: tests import workspace packages from source, not dist. A test's
 * deadline is for liveness only (no test asserts a duration): 120 s by default, so that a suite passes on
 * a loaded machine (`make test-under-load`: heavy runner tests took 30 s under stress-ng).
 */
export function project(name: string, options: { timeoutMs?: number; include?: string[] } = {}) {
  return defineProject({
    resolve: { conditions: ['@ctxsiem/source'] },
    ssr: { resolve: { conditions: ['@ctxsiem/source'] } },
    test: {
      name,
      include: options.include ?? ['test/**/*.test.ts'],
      testTimeout: options.timeoutMs ?? 120_000,
      hookTimeout: 120_000,
    },
  });
}
