import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Core, createCore } from '../src/app.js';
import { dispatchText } from '../src/core/commands/dispatch.js';
import type { Platform } from '../src/core/commands/types.js';
import type { FeedStore } from '../src/core/feeds/store.js';
import { createLogger, type Logger } from '../src/logger.js';
import { createNews } from '../src/news.js';
import { renderDiscord } from '../src/platforms/discord/render.js';
import { renderSlack } from '../src/platforms/slack/render.js';
import { commandLines, makeBriefsDir } from './lib/briefs.js';
import { numberFlag, type Row } from './lib/report.js';
import { ms, summarise } from './lib/stats.js';
import { nullStream } from './lib/streams.js';

/**
 * 1a. In-process: a command line → dispatchText → rendered payload, for Discord and Slack, with 50
 * briefs loaded. The core logs one line per command at info, as in production, into a null stream.
 */
export async function runLatency(flags: Map<string, string>): Promise<Row[]> {
  const calls = numberFlag(flags, 'calls', 10_000);
  const { dir, topics } = makeBriefsDir(47);
  try {
    const logger = createLogger('info', [], nullStream());
    const core = createCore({ BRIEFS_DIR: dir }, logger);
    const loaded = core.briefs.list().length;
    if (loaded !== 50) throw new Error(`expected 50 briefs loaded, got ${loaded}`);
    const lines = commandLines(topics);
    const bad: string[] = [];
    const observe: typeof core.observe = (e) => {
      if (e.outcome !== 'ok') bad.push(`${e.command}: ${e.outcome}`);
      core.observe(e);
    };
    const rows: Row[] = [];
    for (const platform of ['discord', 'slack'] as Platform[]) {
      const render = platform === 'discord' ? renderDiscord : renderSlack;
      const one = async (i: number) => {
        const reply = await dispatchText(
          lines[i % lines.length]!,
          { user: { id: 'U1', name: 'ana' }, channelId: 'C1', platform, canManageChannel: false },
          core.context,
          observe,
        );
        render(reply);
      };
      for (let i = 0; i < 2000; i++) await one(i); // warm-up: JIT, caches
      const samples: number[] = [];
      for (let i = 0; i < calls; i++) {
        const t = performance.now();
        await one(i);
        samples.push(performance.now() - t);
      }
      const s = summarise(samples);
      rows.push({
        bench: `in-process ${platform}`,
        metric: `request → payload, ${calls} calls, 50 briefs`,
        value: `p50 ${ms(s.p50)} · p99 ${ms(s.p99)}`,
        verdict: 'info',
        note: `mean ${ms(s.mean)}, max ${ms(s.max, 1)}`,
      });
    }
    if (bad.length > 0) throw new Error(`commands did not answer ok: ${[...new Set(bad)].join(', ')}`);
    rows.push(await withHeadlines(core, logger, calls));
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A full brief as production serves it: with the topic's three newest headlines from a feed store
 * (createNews's headlines, cached until a poll stores something), here 50,000 items of which 5,000
 * are tagged for the topic. The first call reads the store; the rest are served from the cache.
 */
async function withHeadlines(core: Core, logger: Logger, calls: number): Promise<Row> {
  const dataDir = mkdtempSync(join(tmpdir(), 'briefbot-bench-headlines-'));
  const news = createNews({ dataDir, feeds: [], briefs: core.briefs, targets: new Map(), logger });
  try {
    await seed(news.store, 1000, 50);
    core.context.headlines = news.headlines;
    const one = async () =>
      renderSlack(
        await dispatchText('/nato-status', { user: { id: 'U1' }, channelId: 'C1', platform: 'slack', canManageChannel: false }, core.context),
      );
    let t = performance.now();
    const first = await one();
    const cold = performance.now() - t;
    if (!JSON.stringify(first.message).includes('Latest headlines')) throw new Error('the brief has no headlines');
    const samples: number[] = [];
    for (let i = 0; i < calls; i++) {
      t = performance.now();
      await one();
      samples.push(performance.now() - t);
    }
    const s = summarise(samples);
    return {
      bench: 'in-process slack, feed store',
      metric: `full /nato-status with 3 headlines, 50,000 items stored (5,000 tagged), ${calls} calls`,
      value: `first ${ms(cold, 1)} · then p50 ${ms(s.p50)} · p99 ${ms(s.p99)}`,
      verdict: 'info',
      note: 'first: headlines read from SQLite; then from the cache a poll with new items resets',
    };
  } finally {
    core.context.headlines = undefined;
    await news.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** `feeds` × `items` stories from the last six hours, ten items to a story, every tenth tagged nato-status. */
async function seed(store: FeedStore, feeds: number, items: number): Promise<void> {
  const now = Date.now();
  const clusterOf = new Map<number, number>();
  for (let f = 0; f < feeds; f++) {
    const batch = Array.from({ length: items }, (_, j) => {
      const story = (f * 7 + j * 131) % (feeds * items / 10);
      return {
        item: { feed: `feed-${f}`, guid: `${f}-${j}`, link: `https://feed${f}.example/${j}`, title: `Colombia and NATO story ${story}`, summary: 'A summary.', outlet: `Outlet ${f}`, language: 'en', publishedAt: new Date(now - ((f * items + j) % 360) * 60_000), firstSeenAt: new Date(now), dateSource: 'feed' as const },
        story,
      };
    });
    const storyOf = new Map(batch.map((b) => [b.item.guid, b.story]));
    await store.storeItems(
      batch.map((b) => ({ ...b.item, tags: b.story % 10 === 0 ? [{ topic: 'nato-status', terms: ['colombia', 'nato'] }] : [] })),
      (item) => clusterOf.get(storyOf.get(item.guid) ?? -1),
      (stored) => clusterOf.set(storyOf.get(stored.item.guid) ?? -1, stored.clusterId),
    );
  }
}
