import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack, signedRequest, slashCommandFields } from './fakes/fake-slack.js';
import { SIGNING_SECRET } from './fakes/slack-harness.js';

/**
 * Exactly-once digests across crashes: the real bot process (`briefbot start`, Slack HTTP mode)
 * against the fake Slack, SIGKILLed at the two dangerous moments, then restarted.
 * Idempotency on Slack: each page carries its outbox key in message metadata, and a resend first
 * looks for that key in the channel's history.
 */

const CHANNEL = 'C0DIGEST';
const ADMIN = 'U0ADMIN';
let fake: FakeSlack;
const children: ChildProcess[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  fake = await FakeSlack.start();
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  fake.onRequest = undefined;
  fake.messages.clear();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function deployment(options: { postWhenEmpty?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'briefbot-once-'));
  dirs.push(dir);
  const feeds = ['andes-wire.xml', 'hemisphere-monitor.atom'].map((f, i) => ({
    name: `sample-${i}`,
    url: pathToFileURL(resolve('examples/feeds', f)).href,
    local: true,
    language: 'en',
  }));
  writeFileSync(join(dir, 'feeds.yaml'), JSON.stringify({ feeds }));
  const subscription = {
    platform: 'slack',
    channelId: CHANNEL,
    topics: ['nato-status', 'decertification', 'china-ties'],
    schedule: { time: '08:00', timezone: 'America/Bogota' },
    postWhenEmpty: options.postWhenEmpty ?? false,
  };
  writeFileSync(join(dir, 'subscriptions.yaml'), JSON.stringify({ subscriptions: [subscription] }));
  const port = await freePort();
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    BRIEFS_DIR: resolve('briefs'),
    DATA_DIR: join(dir, 'data'),
    FEEDS_FILE: join(dir, 'feeds.yaml'),
    SUBSCRIPTIONS_FILE: join(dir, 'subscriptions.yaml'),
    DIGEST_MAX_AGE_DAYS: '3650',
    SLACK_BOT_TOKEN: fake.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    SLACK_ADMIN_USERS: ADMIN,
    DISCORD_TOKEN: '',
    SLACK_APP_TOKEN: '',
  };
  return { dir, port, env, db: join(dir, 'data', 'briefbot.db') };
}

async function startBot(d: Awaited<ReturnType<typeof deployment>>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], { env: d.env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (b: Buffer) => {
    output += b;
  });
  child.stderr?.on('data', (b: Buffer) => {
    output += b;
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bot exited with ${child.exitCode}: ${output}`);
    const ready = await fetch(`http://127.0.0.1:${d.port}/readyz`).then((r) => r.ok, () => false);
    if (ready) return child;
    if (Date.now() > deadline) throw new Error(`bot not ready in 20 s: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// A process killed by a signal has signalCode set and exitCode null.
const exited = (child: ChildProcess) =>
  new Promise<number | null>((r) =>
    child.exitCode !== null || child.signalCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code)),
  );

async function digestNow(port: number): Promise<void> {
  const fields = slashCommandFields({ command: '/digest', text: 'now', channel_id: CHANNEL, user_id: ADMIN, response_url: fake.responseUrl('now') });
  await fetch(`http://127.0.0.1:${port}/slack/events`, signedRequest(fields, { signingSecret: SIGNING_SECRET })).catch(() => undefined);
}

const posted = () => fake.messages.get(CHANNEL) ?? [];

async function settle(count: number, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (posted().length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  // …and a little longer, to catch a second copy.
  await new Promise((r) => setTimeout(r, 1000));
}

describe('digests are delivered exactly once across crashes', () => {
  it('(a) SIGKILL after the outbox write, before the send reaches Slack: the restart sends it once', async () => {
    const d = await deployment();
    const first = await startBot(d);
    fake.script('chat.postMessage', { hang: true, record: false });
    fake.onRequest = (r) => {
      if (r.apiMethod === 'chat.postMessage') first.kill('SIGKILL');
    };
    await digestNow(d.port);
    await exited(first);
    fake.onRequest = undefined;
    expect(posted()).toHaveLength(0);

    const second = await startBot(d);
    await settle(1);
    expect(posted()).toHaveLength(1);
    expect(JSON.stringify(posted()[0]!.blocks)).toContain('Digest for');
    second.kill('SIGTERM');
    expect(await exited(second)).toBe(0);
  }, 60_000);

  it('(b) SIGKILL after Slack posted it, before it was marked delivered: the restart finds it and does not post again', async () => {
    const d = await deployment();
    const first = await startBot(d);
    fake.script('chat.postMessage', { hang: true, record: true });
    fake.onRequest = (r) => {
      if (r.apiMethod === 'chat.postMessage') first.kill('SIGKILL');
    };
    await digestNow(d.port);
    await exited(first);
    fake.onRequest = undefined;
    expect(posted()).toHaveLength(1);

    const second = await startBot(d);
    await settle(2, 3000);
    expect(posted()).toHaveLength(1);
    const db = new Database(d.db, { readonly: true });
    const entries = db.prepare('SELECT state, message_ids FROM outbox').all();
    db.close();
    expect(entries).toEqual([{ state: 'delivered', message_ids: JSON.stringify([posted()[0]!.ts]) }]);
    second.kill('SIGTERM');
    expect(await exited(second)).toBe(0);
  }, 60_000);

  it('a slot missed while the bot was down is posted once on start, not once per missed day', async () => {
    const d = await deployment({ postWhenEmpty: true });
    const first = await startBot(d);
    first.kill('SIGTERM');
    expect(await exited(first)).toBe(0);
    // The bot was down for three days.
    const db = new Database(d.db);
    db.prepare('UPDATE subscriptions SET created_at = ?').run(Date.now() - 3 * 86_400_000);
    db.close();

    const second = await startBot(d);
    await settle(1);
    expect(posted()).toHaveLength(1);
    second.kill('SIGTERM');
    await exited(second);

    const third = await startBot(d);
    await settle(2, 2000);
    expect(posted()).toHaveLength(1);
    third.kill('SIGTERM');
    await exited(third);
  }, 60_000);
});
