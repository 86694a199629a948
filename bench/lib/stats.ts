/** Latency samples in milliseconds and what we report of them. */
export interface Summary {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summarise(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((s, x) => s + x, 0);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: sum / Math.max(1, sorted.length),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

/** The median of several repeated figures: one noisy repetition on a shared machine does not decide. */
export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export const ms = (v: number, digits = 3) => `${v.toFixed(digits)} ms`;
export const ratio = (ours: number, bare: number) => `${(ours / bare).toFixed(2)}×`;
export const mb = (bytes: number) => `${(bytes / (1 << 20)).toFixed(1)} MB`;

/** Run `calls` async calls keeping `concurrency` in flight; returns each call's latency in ms. */
export async function closedLoop(
  calls: number,
  concurrency: number,
  call: (i: number) => Promise<void>,
): Promise<{ latencies: number[]; wallMs: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= calls) return;
      const t = performance.now();
      await call(i);
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, wallMs: performance.now() - started };
}
