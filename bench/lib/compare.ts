import { cpuRow, latencyRows, type Row } from './report.js';
import { summarise } from './stats.js';

/** The bot, the bare library answering a constant, and the bare library sending the bot's answer. */
export const APPS = ['briefbot', 'bare', 'samePayload'] as const;
export type App = (typeof APPS)[number];

export interface Comparison {
  /** Row label for one concurrency, e.g. `slack http c=32`. */
  bench: (concurrency: number) => string;
  metric: string;
  samePayload: string;
  rounds: number;
  calls: number;
  /** Calls in the unrecorded warm-up round. */
  warmup: number;
  /** `n` calls at `concurrency` against one app, timed from outside the apps' process. */
  run: (app: App, n: number, concurrency: number) => Promise<{ latencies: number[]; failures: number }>;
  /** CPU time, µs, of the process an app runs in. */
  cpu: (app: App) => Promise<number>;
}

/**
 * The three apps in alternating rounds at concurrency 1 and 32, so a drift in the machine's speed
 * touches all three alike; each round's CPU time in the app's process is summed per app.
 */
export async function compareApps(c: Comparison): Promise<{ rows: Row[]; failures: number }> {
  const rows: Row[] = [];
  let failures = 0;
  for (const concurrency of [1, 32]) {
    const samples: Record<App, number[]> = { briefbot: [], bare: [], samePayload: [] };
    const cpu: Record<App, number> = { briefbot: 0, bare: 0, samePayload: 0 };
    for (let round = 0; round < c.rounds + 1; round++) {
      for (const app of APPS) {
        const before = await c.cpu(app);
        const run = await c.run(app, round === 0 ? c.warmup : c.calls, concurrency);
        const used = (await c.cpu(app)) - before;
        failures += run.failures;
        if (round > 0) {
          samples[app].push(...run.latencies);
          cpu[app] += used;
        }
      }
    }
    const of = (app: App) => summarise(samples[app]);
    const bench = c.bench(concurrency);
    rows.push(
      ...latencyRows({ bench, metric: c.metric, concurrency, samePayload: c.samePayload }, of('briefbot'), of('bare'), of('samePayload')),
      cpuRow(bench, cpu, c.rounds * c.calls),
    );
  }
  return { rows, failures };
}
