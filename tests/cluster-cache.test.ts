import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterCache } from '../src/core/feeds/cluster-cache.js';
import { DEFAULT_CLUSTER_OPTIONS } from '../src/core/feeds/cluster.js';
import type { FeedConfig } from '../src/core/feeds/config.js';
import { pollOnce } from '../src/core/feeds/poll.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { testDeps } from './helpers/feed-deps.js';
import { storeItem } from './helpers/store-item.js';

const STORIES = [
  'Colombia leaves NATO global partnership over Gaza, Petro says',
  'US decertifies Colombia as a drug-war partner for the first time in 30 years',
  'Colombia joins the Belt and Road Initiative during Petro visit to Beijing',
  'Bogotá recalls its ambassador from Caracas after border clash',
];

/** A store that notes each read of the window's titles: a full read, or rows after an id. */
class NotingStore extends SqliteStore {
  reads: (number | 'all')[] = [];
  override async clusterMembers(since: Date, afterId?: number) {
    this.reads.push(afterId ?? 'all');
    return super.clusterMembers(since, afterId);
  }
}

let server: Server;
let base: string;
const stamp = new Date(Date.now() - 3600_000).toUTCString();

beforeAll(async () => {
  // /wire/<outlet>/<n>: the first n stories as that outlet tells them, published an hour ago.
  server = createServer((req, res) => {
    const [, , outlet, n] = (req.url ?? '').split('/');
    const items = STORIES.slice(0, Number(n)).map(
      (title, i) =>
        `<item><title>${title}</title><link>https://${outlet}.example/${i}</link><guid>${outlet}-${i}</guid><pubDate>${stamp}</pubDate></item>`,
    );
    res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(`<rss version="2.0"><channel><title>${outlet}</title>${items.join('')}</channel></rss>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const wire = (outlet: string, n: number): FeedConfig => ({
  name: outlet,
  url: `${base}/wire/${outlet}/${n}`,
  language: 'en',
  interval: 30,
  local: false,
  allow_private: true,
});

describe('the cluster index kept between polls', () => {
  it('given a later cycle, then it reads only the rows stored since, and a story told across cycles is one story', async () => {
    const t = testDeps();
    const store = new NotingStore(join(t.dir, 'noting.db'));
    const deps = { ...t.deps, store, clusterCache: new ClusterCache() };
    try {
      const rowsNow = () => (store.db.prepare('SELECT coalesce(max(id), 0) AS id FROM items').get() as { id: number }).id;
      const before = [rowsNow()];
      expect((await pollOnce([wire('alpha', 3)], deps)).newItems).toBe(3);
      before.push(rowsNow());
      const second = await pollOnce([wire('beta', 3)], deps);
      expect(second.feeds[0]).toMatchObject({ status: 'ok', newItems: 3, joinedClusters: 3, newClusters: 0 });
      await pollOnce([wire('gamma', 3)], deps);
      // Each cycle reads the rows stored since the one before it began (its own, then skipped, and
      // any another process stored), not the whole window.
      expect(store.reads).toEqual(['all', before[0], before[1]]);
      const stories = store.db.prepare('SELECT count(DISTINCT cluster_id) AS n FROM items').get() as { n: number };
      expect(stories.n).toBe(3);
      expect(rowsNow()).toBe(9);
    } finally {
      await store.close();
      await t.cleanup();
    }
  });

  it('given another process stores a story between cycles, then the next cycle joins it', async () => {
    const t = testDeps();
    const deps = { ...t.deps, clusterCache: new ClusterCache() };
    // `briefbot poll --once` run beside the bot: its own connection to the same file.
    const other = new SqliteStore(join(t.dir, 'briefbot.db'));
    try {
      await pollOnce([wire('alpha', 3)], deps);
      const theirs = await storeItem(other, {
        feed: 'elsewhere',
        guid: 'elsewhere-1',
        link: 'https://elsewhere.example/caracas',
        title: STORIES[3]!,
        summary: '',
        outlet: 'Elsewhere',
        language: 'en',
        publishedAt: new Date(stamp),
        firstSeenAt: new Date(),
        dateSource: 'feed',
      });
      expect(theirs).toBeDefined();
      const next = await pollOnce([wire('beta', 4)], deps);
      expect(next.feeds[0]).toMatchObject({ status: 'ok', newItems: 4, joinedClusters: 4 });
      const row = t.store.db.prepare("SELECT cluster_id AS c FROM items WHERE feed = 'beta' AND guid = 'beta-3'").get() as { c: number };
      expect(row.c).toBe(theirs);
    } finally {
      await other.close();
      await t.cleanup();
    }
  });

  it('given new anchors, an old index, a prune into its window or a failed store, then the titles are read afresh', async () => {
    const t = testDeps();
    const store = new NotingStore(join(t.dir, 'noting.db'));
    const options = { ...DEFAULT_CLUSTER_OPTIONS, anchors: new Set(['colombia']) };
    const cache = new ClusterCache(3600_000);
    const at = (minutes: number) => new Date(Date.UTC(2026, 10, 24, 12, minutes));
    try {
      await cache.index(store, options, at(0));
      await cache.index(store, options, at(1));
      // A brief reload that changes the anchors changes every title's weights.
      await cache.index(store, { ...options, anchors: new Set(['colombia', 'nato']) }, at(2));
      await cache.index(store, { ...options, anchors: new Set(['nato', 'colombia']) }, at(3));
      // An hour later (maxAgeMs): its oldest titles have left the window.
      await cache.index(store, options, at(62));
      // A prune older than the window leaves it; one that reaches into it does not.
      cache.pruned(new Date(at(62).getTime() - 30 * 86_400_000));
      await cache.index(store, options, at(63));
      cache.pruned(new Date(at(62).getTime() - 3600_000));
      await cache.index(store, options, at(64));
      cache.invalidate();
      await cache.index(store, options, at(65));
      expect(store.reads).toEqual(['all', 0, 'all', 0, 'all', 0, 'all', 'all']);
    } finally {
      await store.close();
      await t.cleanup();
    }
  });
});
