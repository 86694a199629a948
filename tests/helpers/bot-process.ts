import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { FakeSlack, signedRequest, slashCommandFields } from '../fakes/fake-slack.js';
import { SIGNING_SECRET } from '../fakes/slack-harness.js';

/**
 * The real bot process (`briefbot start`, Slack HTTP mode) against the fake Slack, for the fault
 * tests: a throw-away deployment (feeds, one subscription, data dir), start and SIGKILL, signed
 * slash commands, and a seeded random source so a failing run can be replayed.
 */

export const CHANNEL = 'C0DIGEST';
export const ADMIN = 'U0ADMIN';

export interface Deployment {
  dir: string;
  dataDir: string;
  port: number;
  env: NodeJS.ProcessEnv;
  db: string;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** A feeds file of two sample feeds read from disk: no network, but the whole poller runs. */
export function writeSampleFeeds(file: string): void {
  const feeds = ['andes-wire.xml', 'hemisphere-monitor.atom'].map((f, i) => ({
    name: `sample-${i}`,
    url: pathToFileURL(resolve('examples/feeds', f)).href,
    local: true,
    language: 'en',
  }));
  writeFileSync(file, JSON.stringify({ feeds }));
}

/**
 * A feed read from disk, `<dir>/<name>.xml`, tagged only to nato-status, and its feeds.yaml entry.
 * With a title, the file is written: one item, published now, linked at `<name>`. Without, no file.
 */
export function natoFeed(dir: string, name: string, title?: string) {
  const path = join(dir, `${name}.xml`);
  if (title) {
    writeFileSync(
      path,
      `<?xml version="1.0"?><rss version="2.0"><channel><title>Andes Desk</title><link>https://andesdesk.example/</link><description>x</description>` +
        `<item><title>${title}</title><link>https://andesdesk.example/${name}</link><guid>${name}</guid><pubDate>${new Date().toUTCString()}</pubDate></item></channel></rss>`,
    );
  }
  return { name, url: pathToFileURL(path).href, local: true, language: 'en', topics: ['nato-status'] };
}

/** A deployment subscribed to the three topics in CHANNEL, reading the example feeds from disk. */
export async function deployment(
  fake: FakeSlack,
  options: { postWhenEmpty?: boolean; dataDir?: string; env?: Record<string, string> } = {},
): Promise<Deployment> {
  const dir = mkdtempSync(join(tmpdir(), 'briefbot-faults-'));
  writeSampleFeeds(join(dir, 'feeds.yaml'));
  const subscription = {
    platform: 'slack',
    channelId: CHANNEL,
    topics: ['nato-status', 'decertification', 'china-ties'],
    schedule: { time: '08:00', timezone: 'America/Bogota' },
    postWhenEmpty: options.postWhenEmpty ?? false,
  };
  writeFileSync(join(dir, 'subscriptions.yaml'), JSON.stringify({ subscriptions: [subscription] }));
  const dataDir = options.dataDir ?? join(dir, 'data');
  const port = await freePort();
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    BRIEFS_DIR: resolve('briefs'),
    DATA_DIR: dataDir,
    FEEDS_FILE: join(dir, 'feeds.yaml'),
    SUBSCRIPTIONS_FILE: join(dir, 'subscriptions.yaml'),
    DIGEST_MAX_AGE_DAYS: '3650',
    SLACK_BOT_TOKEN: fake.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    SLACK_ADMIN_USERS: ADMIN,
    DISCORD_TOKEN: '',
    SLACK_APP_TOKEN: '',
    SHUTDOWN_GRACE_MS: '3000',
    ...options.env,
  };
  return { dir, dataDir, port, env, db: join(dataDir, 'briefbot.db') };
}

export interface BotProcess {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far (pino JSON lines). */
  output(): string;
  /** Parsed log lines whose text contains `text`. */
  logs(text: string): Record<string, unknown>[];
}

/** Spawn `briefbot start` and return at once (see waitReady). */
export function spawnBot(d: Deployment): BotProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], {
    env: d.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (b: Buffer) => {
    output += b;
  });
  child.stderr?.on('data', (b: Buffer) => {
    output += b;
  });
  return {
    child,
    output: () => output,
    logs: (text) =>
      output
        .split('\n')
        .filter((l) => l.includes(text))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
  };
}

/** Resolves once /readyz answers 200; throws if the process exits first or time runs out. */
export async function waitReady(d: Deployment, bot: BotProcess, timeoutMs = 20_000): Promise<BotProcess> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (bot.child.exitCode !== null || bot.child.signalCode !== null) {
      throw new Error(`bot exited with ${bot.child.exitCode ?? bot.child.signalCode}: ${bot.output()}`);
    }
    const status = await fetch(`http://127.0.0.1:${d.port}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return bot;
    if (Date.now() > deadline) throw new Error(`bot not ready in time: ${bot.output()}`);
    await sleep(50);
  }
}

/** Spawn `briefbot start`; resolves once /readyz answers 200. */
export async function startBot(d: Deployment, options: { timeoutMs?: number } = {}): Promise<BotProcess> {
  return waitReady(d, spawnBot(d), options.timeoutMs);
}

/** Resolves when the process has ended (a process killed by a signal has signalCode set, exitCode null). */
export const exited = (child: ChildProcess) =>
  new Promise<number | null>((r) =>
    child.exitCode !== null || child.signalCode !== null
      ? r(child.exitCode)
      : child.once('exit', (code) => r(code)),
  );

export async function kill(bot: BotProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
  if (bot.child.exitCode === null && bot.child.signalCode === null) bot.child.kill(signal);
  return exited(bot.child);
}

/**
 * A signed slash command to the bot's /slack/events, as a user in CHANNEL. Resolves with the text
 * the user sees: the ack body, or what arrived at the response_url when the answer was slow.
 */
export async function slash(
  fake: FakeSlack,
  port: number,
  command: string,
  text: string,
  options: { user?: string; responseId?: string } = {},
): Promise<string> {
  const responseId = options.responseId ?? `r${Math.random().toString(36).slice(2)}`;
  const fields = slashCommandFields({
    command,
    text,
    channel_id: CHANNEL,
    user_id: options.user ?? ADMIN,
    response_url: fake.responseUrl(responseId),
  });
  const res = await fetch(
    `http://127.0.0.1:${port}/slack/events`,
    signedRequest(fields, { signingSecret: SIGNING_SECRET }),
  );
  const body = await res.text();
  if (body.trim()) return body;
  const [late] = await fake.response(responseId, 1, 10_000);
  return JSON.stringify(late);
}

/** The notes the bot posted in `channel` (its moderators' channel) under this title, as the text of their blocks. */
export function notesIn(fake: FakeSlack, channel: string, title: string): string[] {
  return (fake.messages.get(channel) ?? [])
    .map((m) => (m.blocks as { text?: { text: string } }[]).map((b) => b.text?.text ?? ''))
    .filter(([header]) => header === title)
    .map((blocks) => blocks.slice(1).join('\n'));
}

export async function readyz(
  port: number,
): Promise<{ status: number; body: { status: string; reasons: string[] } }> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; reasons: string[] } };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(check: () => boolean, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
  return true;
}

/** mulberry32: a small seeded PRNG, so a failing random run can be replayed from its printed seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FAULTS_SEED from the environment, else a fresh one (printed by the caller). */
export function seedFromEnv(): number {
  const fromEnv = Number(process.env.FAULTS_SEED);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : Math.floor(Math.random() * 2 ** 31) + 1;
}

/**
 * A tiny tmpfs at `dir` (root only). Returns false where mounting is not allowed, so a test can
 * fall back or skip and say so.
 */
export function mountTmpfs(dir: string, size: string): boolean {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function remount(dir: string, mode: 'ro' | 'rw'): void {
  execFileSync('mount', ['-o', `remount,${mode}`, dir], { stdio: 'ignore' });
}

export function unmount(dir: string): void {
  try {
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
  } catch {
    // not mounted
  }
}

/** Whether this process may mount a tmpfs (root in a container that allows it). */
export function canMount(): boolean {
  const probe = mkdtempSync(join(tmpdir(), 'briefbot-mount-probe-'));
  const ok = mountTmpfs(probe, '16k');
  if (ok) unmount(probe);
  rmSync(probe, { recursive: true, force: true });
  return ok;
}

export function cleanup(d: Deployment): void {
  unmount(d.dataDir);
  rmSync(d.dir, { recursive: true, force: true });
}

/**
 * One fake Slack for a test file, and the deployments and bot processes its tests make: after each
 * test the bots are killed, the deployments removed (a tmpfs data dir unmounted first) and the fake's
 * messages and request hook cleared. Call at the top of the file: it registers the hooks.
 */
export function botFixture(defaults: { env?: Record<string, string> } = {}) {
  let fake: FakeSlack | undefined;
  const bots: BotProcess[] = [];
  const deployments: Deployment[] = [];
  beforeAll(async () => {
    fake = await FakeSlack.start();
  });
  afterAll(async () => {
    await fake?.close();
  });
  afterEach(async () => {
    for (const b of bots.splice(0)) await kill(b);
    for (const d of deployments.splice(0)) cleanup(d);
    if (fake) {
      fake.onRequest = undefined;
      fake.messages.clear();
    }
  });
  const started = () => {
    if (!fake) throw new Error('botFixture: the fake Slack starts in beforeAll');
    return fake;
  };
  return {
    get fake(): FakeSlack {
      return started();
    },
    async deploy(options: { postWhenEmpty?: boolean; ownBriefs?: boolean } = {}): Promise<Deployment> {
      const d = await deployment(started(), { ...options, ...(defaults.env ? { env: defaults.env } : {}) });
      deployments.push(d);
      if (options.ownBriefs) {
        // A copy of the shipped briefs that the test may edit, in the deployment's folder.
        d.env.BRIEFS_DIR = join(d.dir, 'briefs');
        cpSync('briefs', d.env.BRIEFS_DIR, { recursive: true });
      }
      return d;
    },
    async start(d: Deployment): Promise<BotProcess> {
      const bot = await startBot(d);
      bots.push(bot);
      return bot;
    },
  };
}
