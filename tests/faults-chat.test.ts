import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutboxEntry } from '../src/core/digests/outbox.js';
import { createDiscordAdapter } from '../src/platforms/discord/adapter.js';
import { createSlackAdapter } from '../src/platforms/slack/adapter.js';
import { APP_ID, discordEnv, eventually, TOKEN } from './fakes/discord-harness.js';
import { FakeDiscord } from './fakes/fake-discord.js';
import { CHANNEL_ID, messageObject, PERMISSIONS } from './fakes/fake-discord-payloads.js';
import { FakeSlack } from './fakes/fake-slack.js';
import { failOnUnhandledRejections, slackEnv } from './fakes/slack-harness.js';
import { ADMIN, CHANNEL, slash } from './helpers/bot-process.js';
import { type NewsBot, keysOf, longDigest, startNewsBot } from './helpers/faults-news.js';
import { type FaultProxy, startFaultProxy } from './helpers/faults-proxy.js';

/**
 * Chat API faults during digest delivery, through the real adapters' digest targets (Bolt's
 * WebClient as the bot configures it; discord.js REST with its own retry and rate-limit handling)
 * and the real outbox: 429 with retry-after, 500s, connection resets before and after the API
 * acted, a request that never returns, and a Discord gateway disconnect and resume mid-digest.
 * Each ends with every page in the channel exactly once — or the digest dead-lettered, and shown
 * in /digest list and the outbox table. The bot's clock is moved forward between delivery passes,
 * so the outbox's backoff costs no real time.
 */

failOnUnhandledRejections();

const MINUTE = 60_000;

/** Delivery passes 15 minutes apart (the outbox's backoff) until one delivers, at most five. */
async function deliverWithRetries(bot: NewsBot) {
  let report = await bot.news.scheduler.deliver();
  for (let pass = 0; pass < 4 && report.delivered === 0; pass++) {
    bot.advance(15 * MINUTE);
    report = await bot.news.scheduler.deliver();
  }
  return report;
}

function expectOnce(
  bot: NewsBot,
  entry: OutboxEntry,
  posted: { key: string | undefined; id: string }[],
): void {
  const keys = keysOf(entry);
  const ours = posted.filter((m) => m.key !== undefined && keys.includes(m.key));
  // Every page once, in order, and nothing else posted with one of this digest's keys.
  expect(ours.map((m) => m.key)).toEqual(keys);
  const row = bot.outbox().find((r) => r.id === entry.id)!;
  expect(row.state).toBe('delivered');
  expect(JSON.parse(row.message_ids)).toEqual(ours.map((m) => m.id));
}

describe('Slack: digest delivery through Bolt’s WebClient under API faults', () => {
  let fake: FakeSlack;
  let proxy: FaultProxy;
  let bot: NewsBot;

  // A fresh fake per test: scripted failures a test did not use must not leak into the next.
  beforeEach(async () => {
    fake = await FakeSlack.start();
    proxy = await startFaultProxy(fake.apiUrl);
    bot = await startNewsBot(
      'slack',
      slackEnv(fake, { SLACK_API_URL: proxy.url, SLACK_ADMIN_USERS: ADMIN }),
      (config, deps) =>
        // As `briefbot start` builds it: no test-only client options.
        createSlackAdapter(config, deps),
    );
  });
  afterEach(async () => {
    await bot.stop();
    await proxy.close();
    await fake.close();
  });

  const posted = () =>
    (fake.messages.get(CHANNEL) ?? []).map((m) => ({
      key: (m.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key,
      id: m.ts,
    }));
  const postCalls = () => proxy.requests.filter((r) => r.path.endsWith('/chat.postMessage'));

  async function digest(): Promise<OutboxEntry> {
    const entry = await bot.enqueue(CHANNEL, longDigest(130));
    expect(entry.pages.length).toBeGreaterThanOrEqual(3);
    return entry;
  }

  it('429 with retry-after 30 s on page 2: the pass is not held, the outbox waits it out, every page once', async () => {
    const entry = await digest();
    proxy.inject(
      /chat\.postMessage$/,
      { pass: true },
      { status: 429, headers: { 'retry-after': '30' }, body: { ok: false, error: 'ratelimited' } },
    );
    const started = Date.now();
    expect(await bot.news.scheduler.deliver()).toEqual({ delivered: 0, retrying: 1, dead: 0, cancelled: 0, elsewhere: 0 });
    expect(Date.now() - started).toBeLessThan(5000);
    const [row] = bot.outbox();
    expect(row?.last_error).toBe('Slack: rate limited');
    expect(row!.next_attempt_at - Date.now()).toBeGreaterThan(25_000);
    expect(posted()).toHaveLength(1);

    bot.advance(MINUTE);
    expect(await bot.news.scheduler.deliver()).toEqual({ delivered: 1, retrying: 0, dead: 0, cancelled: 0, elsewhere: 0 });
    expectOnce(bot, entry, posted());
  }, 30_000);

  it('500s: retried by the outbox, every page once; Slack down for good: dead-lettered after 6 attempts, each pass quick, shown in /digest list', async () => {
    const entry = await digest();
    fake.script('chat.postMessage', { status: 500 }, { status: 500 });
    for (let pass = 0; pass < 2; pass++) {
      expect((await bot.news.scheduler.deliver()).retrying).toBe(1);
      bot.advance(15 * MINUTE);
    }
    expect(await bot.news.scheduler.deliver()).toEqual({ delivered: 1, retrying: 0, dead: 0, cancelled: 0, elsewhere: 0 });
    expectOnce(bot, entry, posted());

    const doomed = await bot.enqueue(CHANNEL, longDigest(5));
    fake.script('chat.postMessage', ...Array.from({ length: 20 }, () => ({ status: 500 as const })));
    const passes: number[] = [];
    for (let pass = 0; pass < 6; pass++) {
      const started = Date.now();
      await bot.news.scheduler.deliver();
      passes.push(Date.now() - started);
      bot.advance(15 * MINUTE);
    }
    // Bolt's default retryConfig would hold the first pass for about 30 minutes.
    expect(Math.max(...passes)).toBeLessThan(5000);
    const row = bot.outbox().find((r) => r.id === doomed.id)!;
    expect(row).toMatchObject({
      state: 'dead',
      attempts: 6,
      last_error: 'Slack: HTTP 500 (after 6 attempts)',
    });
    expect(posted().filter((m) => keysOf(doomed).includes(m.key ?? ''))).toEqual([]);

    const list = await slash(fake, bot.running.port, '/digest', 'list');
    expect(list).toContain('(2026-01-01 13:02 UTC): Slack: HTTP 500 (after 6 attempts).');
    expect(list).toContain('Undelivered digest for Thursday, 1 January 2026,');
  }, 60_000);

  it('after a 429 (Slack posted nothing) the page is resent without reading the history; when a check is needed and the app lacks the scope, the dead letter says to reinstall', async () => {
    const entry = await digest();
    proxy.inject(/chat\.postMessage$/, { pass: true }, { status: 429, headers: { 'retry-after': '1' }, body: { ok: false, error: 'ratelimited' } });
    // An app installed before the manifest asked for the history scopes.
    fake.script('conversations.history', { error: 'missing_scope' }, { error: 'missing_scope' });
    expect((await deliverWithRetries(bot)).delivered).toBe(1);
    expectOnce(bot, entry, posted());
    expect(proxy.requests.filter((r) => r.path.endsWith('/conversations.history'))).toHaveLength(0);

    // A timeout leaves it unknown whether the page landed: the check runs, and its failure is named.
    const second = await digest();
    fake.script('chat.postMessage', { hang: true, record: false });
    expect((await bot.news.scheduler.deliver()).retrying).toBe(1);
    bot.advance(15 * MINUTE);
    expect((await bot.news.scheduler.deliver()).dead).toBe(1);
    expect(bot.outbox().find((r) => r.id === second.id)?.last_error).toBe(
      "Slack: missing_scope while checking the channel's history for a page an earlier attempt may have posted: reinstall the app from `briefbot manifest`, which asks for the history scopes (after 2 attempts)",
    );
  }, 60_000);

  it('connection reset before Slack saw page 1 and after Slack posted page 2: every page once', async () => {
    const entry = await digest();
    proxy.inject(/chat\.postMessage$/, { reset: 'before' }, { pass: true }, { reset: 'after' });
    expect((await deliverWithRetries(bot)).delivered).toBe(1);
    expect(proxy.pending()).toBe(0);
    expectOnce(bot, entry, posted());
    // Page 2 was sent twice over the wire and posted once: the resend found it in the channel's history.
    expect(postCalls().length).toBe(entry.pages.length + 1);
  }, 30_000);

  it('a request that never returns times out; the page, already posted, is found and not posted again', async () => {
    const entry = await digest();
    fake.script('chat.postMessage', { hang: true, record: true });
    const started = Date.now();
    expect((await bot.news.scheduler.deliver()).retrying).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    bot.advance(15 * MINUTE);
    expect((await bot.news.scheduler.deliver()).delivered).toBe(1);
    expectOnce(bot, entry, posted());
  }, 40_000);

  it('a page posted before a timeout is still found after a busy channel has moved on by 450 messages', async () => {
    const entry = await digest();
    fake.script('chat.postMessage', { hang: true, record: true });
    expect((await bot.news.scheduler.deliver()).retrying).toBe(1);
    // The newsroom keeps talking before the retry: the page is no longer among the latest messages.
    const list = fake.messages.get(CHANNEL)!;
    for (let i = 0; i < 450; i++) list.push({ ts: `${1_900_000_000 + i}.000001`, text: `chatter ${i}`, blocks: undefined, metadata: undefined });
    bot.advance(15 * MINUTE);
    expect((await bot.news.scheduler.deliver()).delivered).toBe(1);
    expectOnce(bot, entry, posted());
    // 200 messages a page: found on the third.
    expect(proxy.requests.filter((r) => r.path.endsWith('/conversations.history'))).toHaveLength(3);
  }, 40_000);

  it('outside the Slack Marketplace (15 messages a call, one call a minute): a page that never reached Slack is posted once, after one history call, in a channel with 40 earlier messages', async () => {
    fake.nonMarketplace = true;
    const hourAgo = Math.floor(Date.now() / 1000) - 3600;
    const list = fake.messages.get(CHANNEL) ?? [];
    for (let i = 0; i < 40; i++) list.push({ ts: `${hourAgo + i}.000100`, text: `earlier ${i}`, blocks: undefined, metadata: undefined });
    fake.messages.set(CHANNEL, list);
    const entry = await digest();
    proxy.inject(/chat\.postMessage$/, { reset: 'before' });
    expect((await deliverWithRetries(bot)).delivered).toBe(1);
    expectOnce(bot, entry, posted());
    // Only the messages since the digest was written are read: none, so the page was never posted.
    // Reading the whole history would take three calls, and the second would be refused (429) at every pass.
    expect(proxy.requests.filter((r) => r.path.endsWith('/conversations.history'))).toHaveLength(1);
  }, 40_000);
});

describe('Discord: digest delivery through discord.js REST under API faults', () => {
  let fake: FakeDiscord;
  let proxy: FaultProxy;
  let bot: NewsBot;

  beforeEach(async () => {
    fake = await FakeDiscord.start({ token: TOKEN, applicationId: APP_ID });
    proxy = await startFaultProxy(fake.apiUrl);
    bot = await startNewsBot('discord', discordEnv(fake, { DISCORD_API_URL: proxy.url }), (config, deps) =>
      createDiscordAdapter(config, deps),
    );
  });
  afterEach(async () => {
    await bot.stop();
    await proxy.close();
    await fake.close();
  });

  const posted = () => (fake.channelMessages.get(CHANNEL_ID) ?? []).map((m) => ({ key: m.nonce, id: m.id }));
  const postCalls = () =>
    proxy.requests.filter((r) => r.method === 'POST' && /\/channels\/\d+\/messages$/.test(r.path));
  /** Discord sees the nonce, not the key: map the digest's keys to nonces for comparison. */
  const byNonce = async (entry: OutboxEntry) => {
    const { nonceFor } = await import('../src/platforms/discord/digest-target.js');
    const nonces = new Map(keysOf(entry).map((k) => [nonceFor(k), k]));
    return posted().map((m) => ({ key: m.key === undefined ? undefined : nonces.get(m.key), id: m.id }));
  };

  async function digest(): Promise<OutboxEntry> {
    const entry = await bot.enqueue(CHANNEL_ID, longDigest(60));
    expect(entry.pages.length).toBeGreaterThanOrEqual(3);
    return entry;
  }

  async function ask(action: string): Promise<string> {
    const { id } = fake.dispatchInteraction({
      name: 'digest',
      options: [{ name: 'action', type: 3, value: action }],
      permissions: PERMISSIONS.manageChannels,
    });
    const callback = await fake.callbackFor(id, 5000);
    if ((callback.body as { type?: number }).type === 5) {
      const edit = await fake.waitForRequest(
        (r) => r.route === 'edit original' && r.path.includes(`/${fake.options.applicationId}/`),
      );
      return JSON.stringify(edit.body);
    }
    return JSON.stringify(callback.body);
  }

  it('429 with retry-after on page 2: discord.js waits it out within the pass, every page once', async () => {
    const entry = await digest();
    proxy.inject(
      /POST \/api\/v10\/channels\/\d+\/messages$/,
      { pass: true },
      {
        status: 429,
        headers: { 'retry-after': '1', 'x-ratelimit-scope': 'user' },
        body: { message: 'You are being rate limited.', retry_after: 1, global: false },
      },
    );
    expect(await bot.news.scheduler.deliver()).toEqual({ delivered: 1, retrying: 0, dead: 0, cancelled: 0, elsewhere: 0 });
    expectOnce(bot, entry, await byNonce(entry));
    const calls = postCalls();
    const limited = calls.findIndex((r) => r.fault && 'status' in r.fault);
    expect(calls[limited + 1]!.at - calls[limited]!.at).toBeGreaterThanOrEqual(950);
  }, 30_000);

  it('500s: retried, every page once; Discord down for good: dead-lettered, shown in /digest list', async () => {
    const entry = await digest();
    const fail = { status: 500, body: { message: 'oops', code: 0 } };
    proxy.inject(/POST \/api\/v10\/channels\/\d+\/messages$/, fail, fail);
    let report = await bot.news.scheduler.deliver();
    for (let pass = 0; pass < 3 && report.delivered === 0; pass++) {
      bot.advance(15 * MINUTE);
      report = await bot.news.scheduler.deliver();
    }
    expect(report.delivered).toBe(1);
    expectOnce(bot, entry, await byNonce(entry));

    const doomed = await bot.enqueue(CHANNEL_ID, longDigest(5));
    proxy.inject(/POST \/api\/v10\/channels\/\d+\/messages$/, ...Array.from({ length: 40 }, () => fail));
    for (let pass = 0; pass < 6; pass++) {
      await bot.news.scheduler.deliver();
      bot.advance(15 * MINUTE);
    }
    const row = bot.outbox().find((r) => r.id === doomed.id)!;
    expect(row).toMatchObject({ state: 'dead', attempts: 6 });
    expect(row.last_error).toMatch(/^Discord: .*500.* \(after 6 attempts\)$/);
    expect((await ask('list')).replace(/\\n/g, '\n')).toContain(
      '(2026-01-01 13:02 UTC): Discord:',
    );
  }, 90_000);

  it('connection reset before Discord saw page 1 and after Discord posted page 2: every page once', async () => {
    const entry = await digest();
    proxy.inject(
      /POST \/api\/v10\/channels\/\d+\/messages$/,
      { reset: 'before' },
      { pass: true },
      { reset: 'after' },
    );
    expect((await deliverWithRetries(bot)).delivered).toBe(1);
    expect(proxy.pending()).toBe(0);
    expectOnce(bot, entry, await byNonce(entry));
    // Page 1 is posted twice (the first never reached Discord); page 2's retry finds the posted page
    // among the channel's recent messages instead of posting it again.
    expect(postCalls().length).toBe(entry.pages.length + 1);
  }, 30_000);

  it('a page posted before a reset is found after Discord forgot its nonce and the channel moved on by 250 messages', async () => {
    const entry = await digest();
    // Discord posts page 1, but the answer never arrives.
    proxy.inject(/POST \/api\/v10\/channels\/\d+\/messages$/, { reset: 'after' });
    expect((await bot.news.scheduler.deliver()).retrying).toBe(1);
    // The bot was down past Discord's nonce window, and the channel kept talking.
    fake.options.nonceWindowMs = 0;
    const list = fake.channelMessages.get(CHANNEL_ID)!;
    for (let i = 0; i < 250; i++) list.push(messageObject(CHANNEL_ID, { content: `chatter ${i}` }));
    bot.advance(15 * MINUTE);
    expect((await bot.news.scheduler.deliver()).delivered).toBe(1);
    expect((await byNonce(entry)).filter((m) => m.key !== undefined)).toHaveLength(entry.pages.length);
    expectOnce(bot, entry, (await byNonce(entry)).filter((m) => m.key !== undefined));
    // 100 messages a page: found on the third.
    const reads = proxy.requests.filter((r) => r.method === 'GET' && /\/channels\/\d+\/messages/.test(r.path));
    expect(reads).toHaveLength(3);
  }, 30_000);

  it('gateway disconnect and resume mid-digest: every page once, and commands are answered after the resume', async () => {
    const entry = await digest();
    // Page 2 is slow; the gateway drops while it is in flight.
    proxy.inject(/POST \/api\/v10\/channels\/\d+\/messages$/, { pass: true }, { delayMs: 1500 });
    const sessions = fake.gateway.sessions;
    const delivering = bot.news.scheduler.deliver();
    await eventually(() => expect(posted()).toHaveLength(1), 5000);
    await fake.dropGateway({ code: 4000, refuseMs: 300 });
    const down = await fetch(`http://127.0.0.1:${bot.running.port}/readyz`);
    expect(down.status).toBe(503);
    expect(await delivering).toEqual({ delivered: 1, retrying: 0, dead: 0, cancelled: 0, elsewhere: 0 });
    await fake.waitForSession(sessions, 10_000);
    expect(fake.gatewayFrames.some((f) => f.op === 6)).toBe(true);
    expectOnce(bot, entry, await byNonce(entry));
    await eventually(
      async () => expect((await fetch(`http://127.0.0.1:${bot.running.port}/readyz`)).status).toBe(200),
      10_000,
    );
    expect(await ask('list')).toContain('Subscribed');
  }, 40_000);
});
