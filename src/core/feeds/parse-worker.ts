import { Worker } from 'node:worker_threads';

/**
 * Boots feed-worker.ts in a worker thread. Built, it is plain JavaScript; run from source (tsx,
 * vitest) the worker first registers tsx's loader, which a worker does not inherit.
 */
const BOOT = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.entry);
})();
`;

export function startParseWorker(maxHeapMb: number): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './feed-worker.ts' : './feed-worker.js', import.meta.url).href;
  const tsx = fromSource ? import.meta.resolve('tsx/esm/api') : undefined;
  // A small young generation: the worker's garbage is short-lived, and the default (as large as the
  // main thread's) added ~15 MB to a 1,000-feed cycle's peak RSS for no gain in time (BENCHMARKS.md).
  // The old generation is capped so that one document cannot take the process's memory.
  const resourceLimits = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: maxHeapMb };
  const worker = new Worker(BOOT, { eval: true, workerData: { entry, tsx }, resourceLimits });
  // Parsing must never keep the process alive on its own.
  worker.unref();
  return worker;
}
