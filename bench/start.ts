import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeDiscord } from '../tests/fakes/fake-discord.js';
import { FakeSlack } from '../tests/fakes/fake-slack.js';
import { ROOT } from './lib/briefs.js';
import { DISCORD_APP_ID, DISCORD_TOKEN } from './lib/bots.js';
import { numberFlag, type Row } from './lib/report.js';
import { mb, median } from './lib/stats.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** Resident set of another process, from /proc (Linux). */
const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readyAfter(url: string, child: ChildProcess, started: number): Promise<number> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bot exited with ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(url);
      if (res.status === 200) return performance.now() - started;
    } catch {
      // not listening yet
    }
    await sleep(5);
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

/**
 * 4. Process start → /readyz 200 with Discord (gateway) and Slack (Socket Mode) both connected to
 * the fakes, then RSS after idling. `--runner node` (default) runs dist/src/cli.js (`npm run bench` builds it);
 * `--runner tsx` runs src/cli.ts through tsx's loader.
 */
export async function runStart(flags: Map<string, string>): Promise<Row[]> {
  const runner = flags.get('runner') ?? 'node';
  const starts = numberFlag(flags, 'starts', 5);
  const idleMinutes = numberFlag(flags, 'idle-minutes', 10);
  const cli = runner === 'node' ? [join(ROOT, 'dist/src/cli.js')] : ['--import', 'tsx', join(ROOT, 'src/cli.ts')];
  if (runner === 'node' && !existsSync(cli[0]!)) throw new Error('dist/src/cli.js is missing: run npm run build');
  const discord = await FakeDiscord.start({ token: DISCORD_TOKEN, applicationId: DISCORD_APP_ID });
  const slack = await FakeSlack.start();
  const dataDir = mkdtempSync(join(tmpdir(), 'briefbot-bench-start-'));
  const launch = async () => {
    const port = await freePort();
    const env = {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      BRIEFS_DIR: join(ROOT, 'briefs'),
      DATA_DIR: dataDir,
      FEEDS_FILE: join(ROOT, 'examples/feeds.yaml'),
      DISCORD_TOKEN,
      DISCORD_APPLICATION_ID: DISCORD_APP_ID,
      DISCORD_API_URL: discord.apiUrl,
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_APP_TOKEN: slack.appToken,
      SLACK_API_URL: slack.apiUrl,
    };
    const started = performance.now();
    const child = spawn(process.execPath, [...cli, 'start'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
    const readyMs = await readyAfter(`http://127.0.0.1:${port}/readyz`, child, started);
    return { child, readyMs };
  };
  try {
    const times: number[] = [];
    for (let i = 0; i < starts; i++) {
      const { child, readyMs } = await launch();
      times.push(readyMs);
      await stop(child);
    }
    const { child } = await launch();
    const readyRss = rssOf(child.pid!);
    let peak = readyRss;
    const until = Date.now() + idleMinutes * 60_000;
    while (Date.now() < until) {
      await sleep(Math.min(5000, Math.max(0, until - Date.now())));
      peak = Math.max(peak, rssOf(child.pid!));
    }
    const idleRss = rssOf(child.pid!);
    await stop(child);
    const how = runner === 'node' ? 'node dist/src/cli.js start' : 'node --import tsx src/cli.ts start';
    return [
      {
        bench: 'start',
        metric: `process start → /readyz 200 (${how}), Discord gateway + Slack Socket Mode`,
        value: `median ${median(times).toFixed(0)} ms`,
        verdict: 'info',
        note: `${starts} starts: ${times.map((t) => t.toFixed(0)).join(', ')} ms`,
      },
      {
        bench: 'idle',
        metric: `RSS after ${idleMinutes} min idle, both platforms connected`,
        value: mb(idleRss),
        verdict: 'info',
        note: `RSS at ready ${mb(readyRss)}, peak while idle ${mb(peak)}`,
      },
    ];
  } finally {
    await discord.close();
    await slack.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
