import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedConfig } from '../src/core/feeds/config.js';
import { pollOnce } from '../src/core/feeds/poll.js';
import { createMetrics } from '../src/metrics.js';
import { SqliteDigestStore } from '../src/store/digests-sqlite.js';
import { type FeedServer, startFeedServer } from './helpers/feed-server.js';
import { withTestDeps } from './helpers/feed-deps.js';
import { botFixture, CHANNEL, sleep, slash, until } from './helpers/bot-process.js';

let server: FeedServer;
const dir = mkdtempSync(join(tmpdir(), 'briefbot-metrics-'));

beforeAll(async () => {
  server = await startFeedServer();
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const feed = (name: string, path: string): FeedConfig => ({ name, url: server.url(path), language: 'en', interval: 30, local: false, allow_private: true });

describe('/metrics for feeds and digests', () => {
  it('given a poll with good, broken and failing feeds and a dead-lettered digest, then the counters and gauges an operator alerts on say so', async () => {
    await withTestDeps(async (own) => {
      const metrics = createMetrics();
      const digests = new SqliteDigestStore(own.store.db);
      metrics.countFrom({ feeds: () => own.store.stateCounts(), outbox: () => digests.stateCounts() });
      const feeds = [feed('wire', '/examples/andes-wire.xml'), feed('cut', '/cut-short'), feed('down', '/status/500'), feed('gone', '/status/404')];
      const summary = await pollOnce(feeds, own.deps);
      metrics.observePoll(summary);
      metrics.observePoll(await pollOnce([feeds[0]!], own.deps));
      const sub = await digests.subscribe(
        { platform: 'slack', channelId: 'C1', topics: ['china-ties'], schedule: { time: '08:00', timezone: 'UTC', weekdays: ['mon'] }, cap: 5, postWhenEmpty: false },
        new Date(),
      );
      const entry = await digests.enqueue({ subscriptionId: sub.id, slot: new Date('2026-11-23T08:00:00Z'), pages: [{}], coveredUntil: new Date('2026-11-23T08:00:00Z') });
      await digests.markDead(entry!.id, 'Slack: channel_not_found (after 1 attempt)');

      const text = await metrics.registry.metrics();
      const lines = text.split('\n').filter((l) => /^briefbot_(feed|digest)/.test(l));
      expect(lines).toEqual(
        expect.arrayContaining([
          'briefbot_feed_polls_total{result="ok"} 2',
          'briefbot_feed_polls_total{result="partial"} 1',
          'briefbot_feed_polls_total{result="error"} 2',
          'briefbot_feed_poll_errors_total{code="http-status"} 2',
          `briefbot_feed_items_stored_total ${summary.newItems}`,
          'briefbot_feeds{state="ok"} 1',
          'briefbot_feeds{state="partial"} 1',
          'briefbot_feeds{state="failing"} 2',
          'briefbot_digest_outbox_entries{state="dead"} 1',
        ]),
      );
      expect(summary.newItems).toBe(6 + 3);
      // The store closed (shutdown, or a full disk switched digests off): the gauges go empty, /metrics still answers.
      await own.store.close();
      const after = await metrics.registry.metrics();
      expect(after).toContain('briefbot_feed_polls_total{result="ok"} 2');
      expect(after).not.toMatch(/^briefbot_feeds\{/m);
    });
  });
});

// The whole bot (`briefbot start`): a digest the platform refuses for good is counted where an alert can see it rise.
const fx = botFixture();

describe('/metrics of the running bot', () => {
  it('a dead-lettered digest increments briefbot_digests_dead_lettered_total, and is logged with its channel and reason', async () => {
    const d = await fx.deploy();
    const bot = await fx.start(d);
    // The start-up catch-up may already have posted; every post from here is refused for good.
    await sleep(500);
    fx.fake.script('chat.postMessage', { error: 'channel_not_found' });
    await slash(fx.fake, d.port, '/digest', 'now');
    let metrics = '';
    for (let tries = 0; tries < 50 && !metrics.includes('briefbot_digests_dead_lettered_total{'); tries++) {
      metrics = await (await fetch(`http://127.0.0.1:${d.port}/metrics`)).text();
      await sleep(100);
    }
    expect(metrics).toContain('briefbot_digests_dead_lettered_total{platform="slack"} 1');
    expect(await until(() => bot.logs('digest dead-lettered').length > 0, 5_000)).toBe(true);
    expect(bot.logs('digest dead-lettered')[0]).toMatchObject({ channel: `slack:${CHANNEL}`, reason: expect.stringContaining('channel_not_found') });
  }, 60_000);
});
