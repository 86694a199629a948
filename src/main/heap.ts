import { setFlagsFromString } from 'node:v8';

/**
 * V8 lets the old generation grow to up to 4× what survived its last full collection before it
 * collects again. A feed cycle promotes a stream of items that die soon after (each waits in the
 * backlog through a scavenge or two), so that room fills with garbage: `poll --once` over 1,000 × 50
 * items peaked at 226–231 MB. Growing by half instead, it peaks at 184–189 MB, for seven full
 * collections instead of two (+63 ms of main-thread pauses a cycle; docs/BENCHMARKS.md, session 7).
 * The flag is the process's, read at every collection: it holds for the parse workers too.
 */
export function boundHeapGrowth(): void {
  setFlagsFromString('--heap-growing-percent=50');
}
