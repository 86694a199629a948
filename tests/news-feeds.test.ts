import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BriefLibrary } from '../src/core/briefs/library.js';
import type { FeedConfig } from '../src/core/feeds/config.js';
import { createLogger } from '../src/logger.js';
import type { Platform } from '../src/core/commands/types.js';
import type { DigestTarget } from '../src/core/digests/outbox.js';
import type { SubscriptionSpec } from '../src/core/digests/subscription.js';
import { createNews } from '../src/news.js';

// feeds.yaml reloaded while a poll runs: the running poll finishes its list, and a feed removed from
// the file while it was being read must not come back in `briefbot feeds`, /feeds and /metrics.
describe('the feed list changed while a poll runs', () => {
  let server: Server;
  let dir: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const answer = () => {
        res.writeHead(200, { 'content-type': 'application/rss+xml' });
        res.end(`<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link><item><title>Colombia and NATO</title><link>https://wire.example${req.url}</link><guid>${req.url}</guid></item></channel></rss>`);
      };
      if (req.url === '/slow') setTimeout(answer, 500);
      else answer();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    dir = mkdtempSync(join(tmpdir(), 'briefbot-news-feeds-'));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('a feed removed while it is being read is forgotten once the poll ends', async () => {
    const feed = (name: string): FeedConfig => ({
      name,
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/${name}`,
      language: 'en',
      interval: 30,
      local: false,
      allow_private: true,
    });
    const briefs = new BriefLibrary('briefs');
    briefs.load();
    const news = createNews({ dataDir: dir, feeds: [feed('slow'), feed('fast')], briefs, targets: new Map(), logger: createLogger('silent') });
    try {
      const running = news.poll(true);
      await news.setFeeds([feed('fast')]);
      expect((await running).feeds.map((f) => f.feed).sort()).toEqual(['fast', 'slow']);
      expect((await news.store.listHealth()).map((h) => h.feed)).toEqual(['fast']);
    } finally {
      await news.stop();
    }
  });
});

// Every digest keeps its rendered pages in the outbox: without retention it grew without bound.
describe('retention', () => {
  it('a poll forgets digests sent, cancelled or dead before RETENTION_DAYS, and keeps pending ones whatever their age', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'briefbot-news-retention-'));
    const briefs = new BriefLibrary('briefs');
    briefs.load();
    const now = new Date('2026-11-23T13:00:00Z');
    const news = createNews({ dataDir: dir, feeds: [], briefs, targets: new Map(), logger: createLogger('silent'), retentionDays: 30, now: () => now });
    try {
      const store = news.digestStore;
      const schedule = { time: '08:00', timezone: 'UTC', weekdays: ['mon' as const] };
      const days = (n: number) => new Date(now.getTime() - n * 86_400_000);
      const write = async (channelId: string, ageDays: number, end: 'delivered' | 'dead' | 'pending' | 'cancelled') => {
        const sub = await store.subscribe({ platform: 'local', channelId, topics: ['nato-status'], schedule, cap: 10, postWhenEmpty: false }, days(90));
        const entry = await store.enqueue({ subscriptionId: sub.id, slot: days(ageDays), pages: ['page'], coveredUntil: days(ageDays) });
        if (end === 'delivered') await store.markDelivered(entry!.id);
        if (end === 'dead') await store.markDead(entry!.id, 'Unknown Channel');
        if (end === 'cancelled') await store.unsubscribe('local', channelId);
      };
      await write('OLD-SENT', 40, 'delivered');
      await write('OLD-DEAD', 40, 'dead');
      await write('OLD-PENDING', 40, 'pending');
      await write('RECENT-SENT', 3, 'delivered');
      await write('OLD-CANCELLED', 40, 'cancelled');
      await news.poll(true);
      expect((await store.entries()).map((e) => `${e.channelId} ${e.state}`)).toEqual(['OLD-PENDING pending', 'RECENT-SENT delivered']);
    } finally {
      await news.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('subscriptions declared in a file', () => {
  it('a bot per platform, each with a file of its own: starting one never unsubscribes the other’s channels', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'briefbot-news-declared-'));
    const briefs = new BriefLibrary('briefs');
    briefs.load();
    const target = (platform: Platform): DigestTarget => ({ platform, renderPages: (r) => [r], send: async () => ({ messageId: 'm' }) });
    const spec = (platform: Platform, channelId: string): SubscriptionSpec => ({
      platform,
      channelId,
      topics: ['nato-status'],
      schedule: { time: '08:00', timezone: 'UTC', weekdays: ['mon'] },
      cap: 10,
      postWhenEmpty: false,
    });
    const bot = (platform: Platform, channelId: string) =>
      createNews({ dataDir: dir, feeds: [], briefs, targets: new Map([[platform, target(platform)]]), logger: createLogger('silent'), declared: [spec(platform, channelId)] });
    const slack = bot('slack', 'C-SLACK');
    const discord = bot('discord', '111111111111111111');
    try {
      await slack.start();
      await discord.start();
      expect((await discord.digestStore.subscriptions()).map((s) => `${s.platform}:${s.channelId}`)).toEqual(['slack:C-SLACK', 'discord:111111111111111111']);
    } finally {
      await slack.stop();
      await discord.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
