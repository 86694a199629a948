import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from './fakes/fake-slack.js';
import { type BotProcess, CHANNEL, type Deployment, deployment, exited, kill, slash, startBot } from './helpers/bot-process.js';

/**
 * Exactly-once digests across crashes: the real bot process (`briefbot start`, Slack HTTP mode)
 * against the fake Slack, SIGKILLed at the two dangerous moments, then restarted.
 * Idempotency on Slack: each page carries its outbox key in message metadata, and a resend first
 * looks for that key in the channel's history.
 */

let fake: FakeSlack;
const bots: BotProcess[] = [];
const deployments: Deployment[] = [];

beforeAll(async () => {
  fake = await FakeSlack.start();
});
afterAll(async () => {
  await fake.close();
});
afterEach(async () => {
  for (const b of bots.splice(0)) await kill(b);
  for (const d of deployments.splice(0)) rmSync(d.dir, { recursive: true, force: true });
  fake.onRequest = undefined;
  fake.messages.clear();
});

async function deploy(options: { postWhenEmpty?: boolean } = {}): Promise<Deployment> {
  const d = await deployment(fake, { ...options, env: { LOG_LEVEL: 'warn' } });
  deployments.push(d);
  return d;
}

async function start(d: Deployment): Promise<ChildProcess> {
  const bot = await startBot(d);
  bots.push(bot);
  return bot.child;
}

const digestNow = (port: number) => slash(fake, port, '/digest', 'now').catch(() => undefined);
const posted = () => fake.messages.get(CHANNEL) ?? [];

async function settle(count: number, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (posted().length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  // …and a little longer, to catch a second copy.
  await new Promise((r) => setTimeout(r, 1000));
}

describe('digests are delivered exactly once across crashes', () => {
  it('(a) SIGKILL after the outbox write, before the send reaches Slack: the restart sends it once', async () => {
    const d = await deploy();
    const first = await start(d);
    fake.script('chat.postMessage', { hang: true, record: false });
    fake.onRequest = (r) => {
      if (r.apiMethod === 'chat.postMessage') first.kill('SIGKILL');
    };
    await digestNow(d.port);
    await exited(first);
    fake.onRequest = undefined;
    expect(posted()).toHaveLength(0);

    const second = await start(d);
    await settle(1);
    expect(posted()).toHaveLength(1);
    expect(JSON.stringify(posted()[0]!.blocks)).toContain('Digest for');
    second.kill('SIGTERM');
    expect(await exited(second)).toBe(0);
  }, 60_000);

  it('(b) SIGKILL after Slack posted it, before it was marked delivered: the restart finds it and does not post again', async () => {
    const d = await deploy();
    const first = await start(d);
    fake.script('chat.postMessage', { hang: true, record: true });
    fake.onRequest = (r) => {
      if (r.apiMethod === 'chat.postMessage') first.kill('SIGKILL');
    };
    await digestNow(d.port);
    await exited(first);
    fake.onRequest = undefined;
    expect(posted()).toHaveLength(1);

    const second = await start(d);
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
    const d = await deploy({ postWhenEmpty: true });
    const first = await start(d);
    first.kill('SIGTERM');
    expect(await exited(first)).toBe(0);
    // The bot was down for three days.
    const db = new Database(d.db);
    db.prepare('UPDATE subscriptions SET created_at = ?').run(Date.now() - 3 * 86_400_000);
    db.close();

    const second = await start(d);
    await settle(1);
    expect(posted()).toHaveLength(1);
    second.kill('SIGTERM');
    await exited(second);

    const third = await start(d);
    await settle(2, 2000);
    expect(posted()).toHaveLength(1);
    third.kill('SIGTERM');
    await exited(third);
  }, 60_000);
});
