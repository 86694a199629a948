import { ms, ratio, type Summary } from './stats.js';

/** One line of a benchmark's result: printed as a Markdown table row, and collected as JSON. */
export interface Row {
  bench: string;
  metric: string;
  value: string;
  /** The bare-library figure from the same run, when there is one. */
  baseline?: string;
  ratio?: string;
  target?: string;
  verdict?: 'met' | 'missed' | 'info';
  note?: string;
}

export function printRows(rows: readonly Row[]): void {
  console.log('\n| benchmark | metric | briefbot | bare | ratio | target | verdict | note |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const cells = [r.bench, r.metric, r.value, r.baseline, r.ratio, r.target, r.verdict, r.note];
    console.log(`| ${cells.map((c) => c ?? '').join(' | ')} |`);
  }
  // One JSON line per run as well, for scripts that want the numbers.
  console.log(`\nBENCH_JSON ${JSON.stringify(rows)}`);
}

export const verdict = (ok: boolean): 'met' | 'missed' => (ok ? 'met' : 'missed');

/** Parse `--name value` and `--flag` into a map. */
export function parseArgs(argv: readonly string[]): { positional: string[]; flags: Map<string, string> } {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const [key, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
    const next = argv[i + 1];
    if (inline !== undefined) flags.set(key, inline);
    else if (next !== undefined && !next.startsWith('--')) {
      flags.set(key, next);
      i++;
    } else flags.set(key, 'true');
  }
  return { positional, flags };
}

export function numberFlag(flags: Map<string, string>, name: string, fallback: number): number {
  const v = flags.get(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${v}`);
  return n;
}

/**
 * The rows of an end-to-end latency run: the bot against the bare library (the 1.2× target), against
 * the bare library sending the bot's own answer (what is our code), and at concurrency 1 the time the
 * bot adds per command (the proposed restatement, docs/BENCHMARKS.md).
 */
export function latencyRows(
  run: { bench: string; metric: string; concurrency: number; samePayload: string },
  ours: Summary,
  base: Summary,
  same: Summary,
): Row[] {
  const p50s = (a: Summary) => `p50 ${ms(a.p50)} · p99 ${ms(a.p99)}`;
  const ratios = (a: Summary, b: Summary) => `p50 ${ratio(a.p50, b.p50)} · p99 ${ratio(a.p99, b.p99)}`;
  const rows: Row[] = [
    {
      bench: run.bench,
      metric: run.metric,
      value: p50s(ours),
      baseline: p50s(base),
      ratio: ratios(ours, base),
      target: '≤ 1.2× bare',
      verdict: verdict(ours.p50 <= 1.2 * base.p50),
      note: `mean ${ms(ours.mean)} vs ${ms(base.mean)}`,
    },
    {
      bench: run.bench,
      metric: run.samePayload,
      value: p50s(ours),
      baseline: p50s(same),
      ratio: ratios(ours, same),
      target: 'info',
      verdict: 'info',
      note: 'the gap that is our code, not answer size',
    },
  ];
  if (run.concurrency === 1) {
    const added = ours.p50 - base.p50;
    rows.push({
      bench: run.bench,
      metric: 'added per command at p50',
      value: `${added >= 0 ? '+' : ''}${ms(added)}`,
      target: '≤ 0.5 ms (proposed)',
      verdict: verdict(added <= 0.5),
      note: 'bot p50 minus bare p50, same run',
    });
  }
  return rows;
}

/**
 * CPU time the app under test spent per call (its process alone; the load generator is elsewhere): a
 * figure that does not depend on whether the app or the load generator is the bottleneck at c=32.
 */
export function cpuRow(bench: string, cpuMicros: { briefbot: number; bare: number; samePayload: number }, calls: number): Row {
  const per = (us: number) => us / calls;
  return {
    bench,
    metric: 'CPU per call in the app process',
    value: `${per(cpuMicros.briefbot).toFixed(0)} µs`,
    baseline: `${per(cpuMicros.bare).toFixed(0)} µs`,
    ratio: ratio(cpuMicros.briefbot, cpuMicros.bare),
    target: 'info',
    verdict: 'info',
    note: `bare with the same payload: ${per(cpuMicros.samePayload).toFixed(0)} µs (${ratio(cpuMicros.briefbot, cpuMicros.samePayload)})`,
  };
}
