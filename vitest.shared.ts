import { defineProject } from 'vitest/config';

/** Every package's vitest project: tests import workspace packages from source, not dist. */
export function project(name: string, options: { timeoutMs?: number; include?: string[] } = {}) {
  return defineProject({
    resolve: { conditions: ['@ctxsiem/source'] },
    ssr: { resolve: { conditions: ['@ctxsiem/source'] } },
    test: {
      name,
      include: options.include ?? ['test/**/*.test.ts'],
      testTimeout: options.timeoutMs ?? 30_000,
      hookTimeout: 120_000,
    },
  });
}
