import type { ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { botFixture, CHANNEL, type Deployment, exited, slash } from './helpers/bot-process.js';

/**
 * Exactly-once digests across crashes: the real bot process (`briefbot start`, Slack HTTP mode)
 * against the fake Slack, SIGKILLed at the two dangerous moments, then restarted.
 * Idempotency on Slack: each page carries its outbox key in message metadata, and a resend first
 * looks for that key in the channel's history.
 */

const fx = botFixture({ env: { LOG_LEVEL: 'warn' } });
const deploy = fx.deploy;
const start = async (d: Deployment): Promise<ChildProcess> => (await fx.start(d)).child;

const digestNow = (port: number) => slash(fx.fake, port, '/digest', 'now').catch(() => undefined);
const posted = () => fx.fake.messages.get(CHANNEL) ?? [];

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
    fx.fake.script('chat.postMessage', { hang: true, record: false });
    fx.fake.onRequest = (r) => {
      if (r.apiMethod === 'chat.postMessage') first.kill('SIGKILL');
    };
    await digestNow(d.port);
    await exited(first);
    fx.fake.onRequest = undefined;
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
    fx.fake.script('chat.postMessage', { hang: true, record: true });
    fx.fake.onRequest = (r) => {
      if (r.apiMethod === 'chat.postMessage') first.kill('SIGKILL');
    };
    await digestNow(d.port);
    await exited(first);
    fx.fake.onRequest = undefined;
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

describe('a digest Slack refuses for good', () => {
  it('is dead-lettered at once, and /digest list says what to do (invite the bot), not only the error code', async () => {
    const d = await deploy();
    const bot = await start(d);
    try {
      fx.fake.script('chat.postMessage', { error: 'not_in_channel' });
      await digestNow(d.port);
      const deadline = Date.now() + 8000;
      let list = '';
      while (Date.now() < deadline && !list.includes('Undelivered digest')) {
        list = await slash(fx.fake, d.port, '/digest', 'list');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(list).toContain('(invite the bot to the channel (/invite @briefbot), then /digest now) (after 1 attempt).');
    } finally {
      bot.kill('SIGTERM');
      await exited(bot);
    }
  }, 60_000);
});
