import { defineConfig } from 'vitest/config';

/**
 * `npm run test:faults`: the slow fault-injection suite (feed corpus over HTTP, chat API faults,
 * full and read-only disks, random SIGKILLs of the real bot). One file at a time: they start real
 * bot processes, mount file systems and time things, and must not compete for the CPU.
 */
export default defineConfig({
  test: {
    include: ['tests/faults-*.test.ts', 'tests/slow-*.test.ts'],
    testTimeout: 120_000, // the Dockerfile test sets its own, longer (npm ci compiles better-sqlite3)
    hookTimeout: 30_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
