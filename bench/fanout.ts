import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webApi } from '@slack/bolt';
import { REST } from 'discord.js';
import { BriefLibrary } from '../src/core/briefs/library.js';
import type { Platform } from '../src/core/commands/types.js';
import { DEFAULT_DELIVERY } from '../src/core/digests/deliver.js';
import type { DigestTarget } from '../src/core/digests/outbox.js';
import type { FeedItem } from '../src/core/feeds/types.js';
import { DigestScheduler } from '../src/core/digests/scheduler.js';
import { createLogger } from '../src/logger.js';
import { discordDigestTarget } from '../src/platforms/discord/digest-target.js';
import { slackDigestTarget } from '../src/platforms/slack/digest-target.js';
import { SqliteDigestStore } from '../src/store/digests-sqlite.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { FakeDiscord } from '../tests/fakes/fake-discord.js';
import { FakeSlack } from '../tests/fakes/fake-slack.js';
import { DISCORD_APP_ID, DISCORD_TOKEN } from './lib/bots.js';
import { REAL_BRIEFS } from './lib/briefs.js';
import { startLimitProxy } from './lib/limit-proxy.js';
import { numberFlag, type Row, verdict } from './lib/report.js';
import { ratio } from './lib/stats.js';
import { itemTitle } from './lib/rss.js';

const DAY = 86_400_000;

/**
 * 3. Fan-out: `subs` subscriptions due at the same minute, written by the real DigestScheduler
 * (catch-up path: one outbox entry per slot) and delivered by the real outbox through the real
 * platform digest targets, against the fakes behind a rate-limiting, latency-adding proxy.
 */
export async function runFanout(flags: Map<string, string>): Promise<Row[]> {
  const subs = numberFlag(flags, 'subs', 500);
  const latencyMs = numberFlag(flags, 'latency-ms', 50);
  const feeds = numberFlag(flags, 'feeds', 1000);
  const rows: Row[] = [];
  for (const platform of ['discord', 'slack'] as const) rows.push(...(await fanout(platform, subs, latencyMs, feeds)));
  return rows;
}

/**
 * The feed benchmark's items (`feeds` × 50, stories told by about ten feeds each), first seen over
 * the day before `slot`; three stories in eight are tagged nato-status, the topic the channels follow.
 */
async function seed(store: SqliteStore, feeds: number, slot: Date): Promise<{ items: number; tagged: number }> {
  const clusterOf = new Map<number, number>();
  const storyOf = new Map<string, number>();
  let tagged = 0;
  for (let i = 0; i < feeds; i++) {
    const items = Array.from({ length: 50 }, (_, j): FeedItem => {
      const seen = new Date(slot.getTime() - (1 + ((i * 13 + j * 29) % 1380)) * 60_000);
      storyOf.set(`feed${i}-item${j}`, (i * 7 + j * 131) % 5000);
      return {
        feed: `feed-${i}`,
        guid: `feed${i}-item${j}`,
        link: `https://feed${i}.example/story/${j}`,
        title: itemTitle(i, j),
        summary: 'A paragraph of context about the story and why it matters for the region.',
        outlet: `Outlet ${i}`,
        language: 'en',
        publishedAt: seen,
        firstSeenAt: seen,
        dateSource: 'feed',
      };
    });
    const tags = (item: FeedItem) => ((storyOf.get(item.guid) as number) % 8 < 3 ? [{ topic: 'nato-status', terms: ['colombia*', 'nato'] }] : []);
    await store.storeItems(
      items.map((item) => ({ ...item, tags: tags(item) })),
      (item) => clusterOf.get(storyOf.get(item.guid) as number),
      (s) => {
        if (s.item.tags.length > 0) tagged++;
        clusterOf.set(storyOf.get(s.item.guid) as number, s.clusterId);
      },
    );
  }
  return { items: feeds * 50, tagged };
}

async function fanout(platform: 'discord' | 'slack', subs: number, latencyMs: number, feedCount: number): Promise<Row[]> {
  const channels = Array.from({ length: subs }, (_, i) => (platform === 'discord' ? String(900_000_000_000_000_000n + BigInt(i)) : `C${String(i).padStart(8, '0')}`));
  const discord = platform === 'discord' ? await FakeDiscord.start({ token: DISCORD_TOKEN, applicationId: DISCORD_APP_ID, channels }) : undefined;
  const slack = platform === 'slack' ? await FakeSlack.start() : undefined;
  const proxy = await startLimitProxy({ kind: platform, upstream: `http://127.0.0.1:${discord?.port ?? slack!.port}`, latencyMs });
  const target: DigestTarget =
    platform === 'discord'
      ? discordDigestTarget(new REST({ api: `${proxy.url}/api` }).setToken(DISCORD_TOKEN))
      : slackDigestTarget(new webApi.WebClient(slack!.botToken, { slackApiUrl: `${proxy.url}/api/` }));
  const dir = mkdtempSync(join(tmpdir(), 'briefbot-bench-fanout-'));
  const feeds = new SqliteStore(join(dir, 'briefbot.db'));
  const store = new SqliteDigestStore(feeds.db);
  const briefs = new BriefLibrary(REAL_BRIEFS);
  briefs.load();
  try {
    // The slot is the last 08:00 UTC; the clock runs from 30 s after it.
    const slot = new Date(Math.floor((Date.now() - 8 * 3600_000) / DAY) * DAY + 8 * 3600_000);
    const offset = slot.getTime() + 30_000 - Date.now();
    const now = () => new Date(Date.now() + offset);
    const stored = await seed(feeds, feedCount, slot);
    for (const channelId of channels) {
      await store.subscribe(
        { platform, channelId, topics: ['nato-status'], schedule: { time: '08:00', timezone: 'UTC', weekdays: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] }, cap: 10, postWhenEmpty: false },
        new Date(slot.getTime() - DAY),
      );
    }
    const scheduler = new DigestScheduler({
      store,
      feeds,
      briefs,
      targets: new Map<Platform, DigestTarget>([[platform, target]]),
      log: createLogger('silent'),
      now,
      delivery: DEFAULT_DELIVERY,
      deliverEveryMs: 60_000,
    });
    const writeStarted = performance.now();
    await scheduler.catchUp();
    const writeMs = performance.now() - writeStarted;
    const entries = await store.entries('pending');
    const pages = new Map(entries.map((e) => [e.channelId, e.pages.length]));
    const totalPages = [...pages.values()].reduce((a, b) => a + b, 0);
    const started = performance.now();
    while ((await store.entries('pending')).length > 0) {
      const report = await scheduler.deliver();
      if (report.delivered === 0) await new Promise((r) => setTimeout(r, 100));
    }
    const deliverMs = performance.now() - started;
    const dead = (await store.entries('dead')).length;
    // What the scheduler's minute tick costs when nothing is due, as in all but one minute a day.
    const checks: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await scheduler.writeDue();
      checks.push(performance.now() - t);
    }
    const checkMs = checks.sort((a, b) => a - b)[10] as number;
    // Count at the fake: every channel got exactly its pages, none lost, none doubled.
    let wrong = 0;
    for (const channelId of channels) {
      const got = discord ? (discord.channelMessages.get(channelId)?.length ?? 0) : (slack!.messages.get(channelId)?.length ?? 0);
      if (got !== (pages.get(channelId) ?? 0)) wrong++;
    }
    const maxPerChannel = Math.max(...pages.values());
    const requestsPerPage = platform === 'slack' ? 2 : 1; // Slack looks in history before each post
    const rateFloorS =
      platform === 'discord' ? Math.max(Math.ceil(totalPages / 50) - 1, (Math.ceil(maxPerChannel / 5) - 1) * 5) : Math.max(0, maxPerChannel - 3);
    const floorMs = Math.max(rateFloorS * 1000, maxPerChannel * requestsPerPage * latencyMs);
    return [{
      bench: `fan-out ${platform}`,
      metric: `${subs} subscriptions due at once, ${totalPages} messages, ${latencyMs} ms API latency`,
      value: `${(deliverMs / 1000).toFixed(1)} s`,
      baseline: `floor ${(floorMs / 1000).toFixed(1)} s`,
      ratio: ratio(deliverMs, floorMs),
      target: '0 lost, 0 doubled',
      verdict: verdict(wrong === 0 && dead === 0),
      note: `${wrong} channels with a wrong count, ${dead} dead; ${proxy.rateLimited} 429s; delivery ≈ ${((deliverMs / totalPages) | 0)} ms a message, up to 8 channels at once`,
    }, {
      bench: `fan-out ${platform}`,
      metric: `${subs} digests composed and written to the outbox, ${stored.items} items stored`,
      value: `${(writeMs / 1000).toFixed(2)} s`,
      note: `info: ${(writeMs / subs).toFixed(1)} ms a digest; ${stored.tagged} items on the channels' topic; channels due at one slot with the same settings share one digest`,
    }, {
      bench: `fan-out ${platform}`,
      metric: `the scheduler's minute tick with none of ${subs} subscriptions due`,
      value: `${checkMs.toFixed(1)} ms`,
      note: 'info: median of 20; one read of the subscriptions, each checked in its own zone',
    }];
  } finally {
    await feeds.close();
    await proxy.close();
    await discord?.close();
    await slack?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
