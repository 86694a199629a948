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
