import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BriefLibrary } from '../src/core/briefs/library.js';
import { formatPollSummary } from '../src/core/feeds/report.js';
import { createLogger } from '../src/logger.js';
import { createNews, type News } from '../src/news.js';

// The headlines under a full brief are read once and kept until a poll stores something new: a brief
// command must not reload the topic's week of stories each time, nor show yesterday's news after a poll.
describe('headlines under a brief follow the polls', () => {
  const stories: { title: string; hoursAgo: number }[] = [];
  let server: Server;
  let dir: string;
  let news: News;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      const items = stories
        .map((s, i) => `<item><title>${s.title}</title><link>https://wire.example/${i}</link><guid>story-${i}</guid><pubDate>${new Date(Date.now() - s.hoursAgo * 3600_000).toUTCString()}</pubDate><description>${s.title}.</description></item>`)
        .join('');
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      res.end(`<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link>${items}</channel></rss>`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    dir = mkdtempSync(join(tmpdir(), 'briefbot-headlines-'));
    const briefs = new BriefLibrary('briefs');
    briefs.load();
    news = createNews({
      dataDir: dir,
      feeds: [{ name: 'wire', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/rss`, language: 'en', interval: 30, local: false, allow_private: true }],
      briefs,
      targets: new Map(),
      logger: createLogger('warn'),
    });
  });
  afterAll(async () => {
    await news.stop();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const titles = async () => (await news.headlines('nato-status', 3)).map((h) => h.title);

  it('shows what the last poll stored, newest first, and the next poll’s news at once', async () => {
    stories.push({ title: 'Colombia confirms it will leave NATO partnership', hoursAgo: 5 });
    await news.poll(true);
    expect(await titles()).toEqual(['Colombia confirms it will leave NATO partnership']);
    // Asked again with nothing new: the same answer, without reading the store again.
    expect(news.headlines('nato-status', 3)).toBe(news.headlines('nato-status', 3));

    stories.push({ title: 'Petro defends NATO exit before Congress', hoursAgo: 1 });
    await news.poll(true);
    expect(await titles()).toEqual([
      'Petro defends NATO exit before Congress',
      'Colombia confirms it will leave NATO partnership',
    ]);
  });

  it('a poll that stores nothing new keeps the answer it had', async () => {
    const before = news.headlines('nato-status', 3);
    await news.poll(true);
    expect(news.headlines('nato-status', 3)).toBe(before);
  });

  it('the feed corrects a headline it sent before: the next poll shows the correction, as the same story', async () => {
    (stories[0] as { title: string }).title = 'Colombia reviews, but does not leave, its NATO partnership';
    const summary = await news.poll(true);
    expect(summary).toMatchObject({ newItems: 0, corrected: 1 });
    expect(formatPollSummary(summary)).toContain('2 seen before (1 of them corrected: a new title or summary)');
    expect(await titles()).toEqual([
      'Petro defends NATO exit before Congress',
      'Colombia reviews, but does not leave, its NATO partnership',
    ]);
    // Sent again unchanged: nothing to correct.
    expect(await news.poll(true)).toMatchObject({ newItems: 0, corrected: 0 });
  });
});
