import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryError, type DigestTarget } from '../src/core/digests/outbox.js';
import type { Reply } from '../src/core/reply.js';
import type { DiscordMessage } from '../src/platforms/discord/render.js';
import {
  APP_ID,
  type DiscordBot,
  failOnUnhandledRejections,
  startDiscordBot,
  TOKEN,
} from './fakes/discord-harness.js';
import { FakeDiscord } from './fakes/fake-discord.js';
import { CHANNEL_ID, messageObject } from './fakes/fake-discord-payloads.js';
import { discordViolations } from './helpers/limits.js';

/** Digests posted to a Discord channel through the running adapter's target, against the fake. */

failOnUnhandledRejections();

let fake: FakeDiscord;
let bot: DiscordBot;
let target: DigestTarget;

beforeAll(async () => {
  fake = await FakeDiscord.start({ token: TOKEN, applicationId: APP_ID });
  bot = await startDiscordBot(fake);
  target = bot.adapter.digestTarget!;
});
afterAll(async () => {
  await bot?.running.stop();
  await fake?.close();
});

const bigDigest = (items: number): Reply => ({
  title: 'Digest',
  status: 'What happened',
  sections: [
    {
      key: 'news',
      heading: 'News',
      style: 'list',
      items: Array.from({ length: items }, (_, i) => ({
        text: `Story ${i}: ${'a long headline that goes on '.repeat(10)}`,
        url: `https://example.org/${i}`,
      })),
    },
  ],
  footer: 'end',
  ephemeral: false,
  tone: 'info',
});

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('Discord digest target', () => {
  it('splits a long digest into pages that each fit Discord’s limits', () => {
    const pages = target.renderPages(bigDigest(80)) as DiscordMessage[];
    expect(pages.length).toBeGreaterThan(1);
    for (const page of pages) expect(discordViolations({ ...page, ephemeral: false })).toEqual([]);
    expect(pages[0]!.embeds[0]!.title).toBe('Digest');
    expect(pages[1]!.embeds[0]!.title).toBe('Digest (continued)');
  });

  it('posts a page to the channel with a nonce, mentioning no one', async () => {
    const [page] = target.renderPages(bigDigest(2));
    const { messageId } = await target.send(CHANNEL_ID, page, 'sub-1/2026-11-23T08:00:00.000Z/0', undefined);
    const request = fake.requests.find((r) => r.path === `/api/v10/channels/${CHANNEL_ID}/messages`)!;
    expect(request.headers.authorization).toBe(`Bot ${TOKEN}`);
    const body = request.body as {
      nonce: string;
      enforce_nonce: boolean;
      allowed_mentions: unknown;
      embeds: unknown[];
    };
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body.enforce_nonce).toBe(true);
    expect(body.nonce.length).toBeLessThanOrEqual(25);
    expect(body.embeds.length).toBeGreaterThan(0);
    expect(fake.channelMessages.get(CHANNEL_ID)?.map((m) => m.id)).toEqual([messageId]);
  });

  it('a resend with the same key returns the first message instead of posting twice', async () => {
    const [page] = target.renderPages(bigDigest(1));
    const first = await target.send(CHANNEL_ID, page, 'sub-1/slot-x/0', undefined);
    const again = await target.send(CHANNEL_ID, page, 'sub-1/slot-x/0', undefined);
    expect(again.messageId).toBe(first.messageId);
    expect(fake.channelMessages.get(CHANNEL_ID)?.filter((m) => m.id === first.messageId)).toHaveLength(1);
  });

  it('a page that landed before a long outage is found in the channel, not posted again', async () => {
    const [page] = target.renderPages({ ...bigDigest(1), title: 'Digest before the outage' });
    const first = await target.send(CHANNEL_ID, page, 'sub-2/slot-y/0', undefined);
    // The bot was down longer than Discord remembers nonces.
    const stored = fake.channelMessages.get(CHANNEL_ID)!.find((m) => m.id === first.messageId)!;
    stored.timestamp = new Date(Date.now() - 3_600_000).toISOString();
    const resent = await target.send(CHANNEL_ID, page, 'sub-2/slot-y/0', new Date(0));
    expect(resent.messageId).toBe(first.messageId);
    expect(fake.channelMessages.get(CHANNEL_ID)?.filter((m) => m.embeds[0]?.title === 'Digest before the outage')).toHaveLength(1);
    // Without the hint, the expired nonce no longer protects: this is why the outbox keeps it.
    await target.send(CHANNEL_ID, page, 'sub-2/slot-y/0', undefined);
    expect(fake.channelMessages.get(CHANNEL_ID)?.filter((m) => m.embeds[0]?.title === 'Digest before the outage')).toHaveLength(2);
  });

  it('a resend of a page that never landed reads only the messages since its digest was written, then posts it once', async () => {
    const [page] = target.renderPages({ ...bigDigest(1), title: 'Digest that never landed' });
    // A channel with 250 messages from two hours ago: older than any attempt of this digest.
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000).toISOString();
    const history = Array.from({ length: 250 }, (_, i) => ({ ...messageObject(CHANNEL_ID, { content: `chatter ${i}` }), timestamp: twoHoursAgo }));
    fake.channelMessages.set(CHANNEL_ID, [...history, ...(fake.channelMessages.get(CHANNEL_ID) ?? [])]);
    const reads = () => fake.requests.filter((r) => r.route === 'channel messages').length;
    const before = reads();
    await target.send(CHANNEL_ID, page, 'sub-3/slot-z/0', new Date(Date.now() - 60_000));
    expect(fake.channelMessages.get(CHANNEL_ID)?.filter((m) => m.embeds[0]?.title === 'Digest that never landed')).toHaveLength(1);
    // Reading back through all 250 would take three calls.
    expect(reads() - before).toBe(1);
  });

  it('an unknown channel is a permanent failure', async () => {
    const [page] = target.renderPages(bigDigest(1));
    const error = await failure(target.send('999999999999999999', page, 'k-unknown', undefined));
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).retryable).toBe(false);
    expect((error as DeliveryError).message).toContain('10003');
  });

  it('5xx that outlast the REST client’s retries are retryable', async () => {
    const fail = { status: 500, body: { message: 'oops', code: 0 } };
    fake.script('POST', /\/channels\/\d+\/messages$/, fail, fail, fail, fail);
    const [page] = target.renderPages(bigDigest(1));
    const error = await failure(target.send(CHANNEL_ID, page, 'k-500', undefined));
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).retryable).toBe(true);
  });

  it('a 429 is waited out and the page still goes out', async () => {
    fake.script('POST', /\/channels\/\d+\/messages$/, FakeDiscord.rateLimited(0.2));
    const [page] = target.renderPages(bigDigest(1));
    const started = Date.now();
    const { messageId } = await target.send(CHANNEL_ID, page, 'k-429', undefined);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(messageId).toBeTruthy();
    expect(fake.unmatched).toEqual([]);
  });
});
