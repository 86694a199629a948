import { spawnSync } from 'node:child_process';
import { machineLine } from './lib/machine.js';
import { parseArgs, printRows, type Row } from './lib/report.js';

/**
 * `npm run bench [name] [--flags]`. With no name every benchmark runs in its own child process
 * (so one's memory and sockets never colour another's figures), one after the other.
 *
 * Compiled first (tsconfig.bench.json) and run by plain node, as production runs the bot: under
 * tsx every named closure of ours calls esbuild's `__name` helper, and every `require` a library
 * makes while answering goes through tsx's resolver (discord.js's on each reply: ~70 µs under tsx,
 * ~40 µs without, for the bot and the bare clients alike; docs/BENCHMARKS.md, session 7).
 */
type Bench = (flags: Map<string, string>) => Promise<Row[]>;
// Loaded on demand, so a benchmark's memory figures never include the other benchmarks' libraries.
const BENCHES: Record<string, () => Promise<Bench>> = {
  latency: async () => (await import('./latency.js')).runLatency,
  slack: async () => (await import('./slack-e2e.js')).runSlackE2e,
  discord: async () => (await import('./discord-e2e.js')).runDiscordE2e,
  feeds: async () => (await import('./feeds.js')).runFeeds,
  fanout: async () => (await import('./fanout.js')).runFanout,
  start: async () => (await import('./start.js')).runStart,
};

async function main(): Promise<void> {
  const { positional, flags } = parseArgs(process.argv.slice(2));
  const name = positional[0];
  if (!name) {
    console.log(`# briefbot benchmarks\n${machineLine()}`);
    // The whole run stays near 10 minutes: idle for 2 minutes unless told (`start` alone idles 10).
    const rest = flags.has('idle-minutes') ? process.argv.slice(2) : [...process.argv.slice(2), '--idle-minutes', '2'];
    let failed = 0;
    for (const bench of Object.keys(BENCHES)) {
      const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, bench, ...rest], {
        stdio: 'inherit',
      });
      if (r.status !== 0) failed++;
    }
    process.exitCode = failed > 0 ? 1 : 0;
    return;
  }
  const load = BENCHES[name];
  if (!load) throw new Error(`unknown benchmark '${name}'; one of: ${Object.keys(BENCHES).join(', ')}`);
  console.log(`## ${name}\n${machineLine()}`);
  const started = performance.now();
  const rows = await (await load())(flags);
  printRows(rows);
  console.log(`(${name} took ${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
