import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { headlineOf } from '../src/core/feeds/headline.js';
import { newHealth } from '../src/core/feeds/health.js';
import type { FeedItem, TopicTag } from '../src/core/feeds/types.js';
import type { ClusterView } from '../src/core/feeds/store.js';
import { MIGRATIONS } from '../src/store/migrations.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { seeded } from './helpers/seeded.js';
import { storeItem } from './helpers/store-item.js';

const dir = mkdtempSync(join(tmpdir(), 'briefbot-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const item = (over: Partial<FeedItem> = {}): FeedItem => ({
  feed: 'wire',
  guid: 'g1',
  link: 'https://example.org/a',
  title: 'Colombia to end NATO partnership',
  summary: 'Petro said…',
  outlet: 'Wire',
  language: 'en',
  publishedAt: new Date('2026-01-10T00:00:00Z'),
  firstSeenAt: new Date('2026-01-10T01:00:00Z'),
  dateSource: 'feed',
  ...over,
});

/** A database file as a build that knew only the first `version` migrations left it. */
function databaseAt(version: number, file: string): Database.Database {
  const db = new Database(file);
  db.exec('CREATE TABLE schema_version (version INTEGER NOT NULL)');
  for (const [n, sql] of MIGRATIONS.slice(0, version).entries()) {
    db.exec(sql);
    db.prepare('INSERT INTO schema_version VALUES (?)').run(n + 1);
  }
  return db;
}

describe('SQLite store', () => {
  it('given a new file, then it is migrated to the latest version in WAL mode, and reopening is a no-op', async () => {
    const file = join(dir, 'a.db');
    const store = new SqliteStore(file);
    expect(store.version).toBe(MIGRATIONS.length);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    await store.close();
    const again = new SqliteStore(file);
    expect(again.version).toBe(MIGRATIONS.length);
    const versions = again.db.prepare('SELECT version FROM schema_version').all();
    expect(versions).toHaveLength(MIGRATIONS.length);
    await again.close();
  });

  it('given three processes opening one store at the same instant, new or to be upgraded, then each opens it at the latest version', async () => {
    // As a bot per platform started together after an upgrade: each used to run the same migration.
    const openTogether = async (file: string) => {
      const at = String(Date.now() + 3000);
      const outputs = await Promise.all(
        [0, 1, 2].map(
          () =>
            new Promise<string>((resolve) => {
              const child = spawn(process.execPath, ['--import', 'tsx', 'tests/helpers/open-store-at.ts', file, at], { stdio: ['ignore', 'pipe', 'inherit'] });
              let out = '';
              child.stdout.on('data', (chunk: Buffer) => {
                out += chunk.toString();
              });
              child.on('exit', () => resolve(out.trim()));
            }),
        ),
      );
      return outputs;
    };
    const latest = `ok ${MIGRATIONS.length}`;
    expect(await openTogether(join(dir, 'together-new.db'))).toEqual([latest, latest, latest]);
    const old = databaseAt(MIGRATIONS.length - 2, join(dir, 'together-old.db'));
    old.close();
    expect(await openTogether(join(dir, 'together-old.db'))).toEqual([latest, latest, latest]);
  }, 30_000);

  it('given a version-2 database with stories, then upgrading keeps every story, item and tag, and new items still join them', async () => {
    const file = join(dir, 'v2.db');
    const old = databaseAt(2, file);
    old.prepare('INSERT INTO clusters (id, title, first_seen_at, last_seen_at) VALUES (7, ?, 1, 2)').run('NATO exit');
    old
      .prepare(
        `INSERT INTO items (feed, guid, link, title, summary, outlet, language, published_at, first_seen_at, date_source, cluster_id)
         VALUES ('wire', 'g1', 'https://example.org/a', 'NATO exit', '', 'Wire', 'en', 1, 1, 'feed', 7)`,
      )
      .run();
    old.prepare(`INSERT INTO item_topics (item_id, topic, terms) VALUES (1, 'nato-status', '["otan"]')`).run();
    old.close();
    const store = new SqliteStore(file);
    expect(store.version).toBe(MIGRATIONS.length);
    expect(await storeItem(store, item({ guid: 'g2', link: 'https://example.org/b' }), [], 7)).toBe(7);
    const stories = await store.clusters(new Date(0));
    expect(stories.map((c) => [c.id, c.title, c.items.map((i) => i.guid)])).toEqual([[7, 'NATO exit', ['g1', 'g2']]]);
    // A tag from before tags had their own time dates from the item's first sighting.
    expect(stories[0]?.items[0]?.topics).toEqual([{ topic: 'nato-status', terms: ['otan'], taggedAt: new Date(1) }]);
    await store.close();
  });

  it('given a version-4 database with a story whose link came late, then upgrading dates its link, and a digest after it finds the story', async () => {
    const file = join(dir, 'v4.db');
    const old = databaseAt(4, file);
    old.prepare('INSERT INTO clusters (id, title, first_seen_at) VALUES (3, ?, 1000)').run('Certification review');
    // Tagged at 1000 without a link; an untagged report with a link joined at 5000.
    const insert = old.prepare(
      `INSERT INTO items (feed, guid, link, title, summary, outlet, language, published_at, first_seen_at, date_source, cluster_id)
       VALUES (?, ?, ?, 'Certification review', '', 'Wire', 'en', ?, ?, 'feed', 3)`,
    );
    insert.run('bare', 'b1', null, 1000, 1000);
    insert.run('linked', 'l1', 'https://example.org/review', 5000, 5000);
    old.prepare(`INSERT INTO item_topics (item_id, topic, terms) VALUES (1, 'decertification', '["certification"]')`).run();
    old.close();
    const store = new SqliteStore(file);
    expect(store.db.prepare('SELECT linked_at FROM clusters WHERE id = 3').get()).toEqual({ linked_at: 5000 });
    expect((await store.storiesFor(['decertification'], new Date(3000))).map((c) => c.id)).toEqual([3]);
    expect(await store.storiesFor(['decertification'], new Date(5000))).toEqual([]);
    expect(await store.storiesFor(['nato-status'], new Date(3000))).toEqual([]);
    await store.close();
  });

  it('given a database from a newer build, then opening it refuses instead of guessing', () => {
    const file = join(dir, 'newer.db');
    const db = new Database(file);
    db.exec('CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (99)');
    db.close();
    expect(() => new SqliteStore(file)).toThrow(/newer than this build/);
  });

  it('given items, then they are stored once (by feed+guid or canonical link) with their tags and terms', async () => {
    const store = new SqliteStore(join(dir, 'b.db'));
    const tags = [{ topic: 'nato-status', terms: ['colombia*', 'nato'] }];
    const cluster = await storeItem(store, item(), tags);
    expect(cluster).toBeDefined();
    expect(await storeItem(store, item(), tags, cluster)).toBeUndefined();
    // The same canonical link from another feed is the same story item.
    expect(await storeItem(store, item({ feed: 'other', guid: 'x' }), tags, cluster)).toBeUndefined();
    // Another link is another item (here in a story of its own, untagged).
    expect(await storeItem(store, item({ guid: 'g2', link: 'https://example.org/b' }))).not.toBe(cluster);
    const tagsOf = (view: ClusterView | undefined) => view?.items.map((i) => [i.guid, i.topics.map(({ topic, terms }) => ({ topic, terms }))]);
    const [view] = await store.clusters(new Date(0), 'nato-status');
    expect(tagsOf(view)).toEqual([[item().guid, tags]]);
    expect(await store.clusters(new Date(0), 'china-ties')).toEqual([]);
    // Each item keeps its own tags, in topic order, however many it has.
    const both = [
      { topic: 'nato-status', terms: ['colombia*', 'otan'] },
      { topic: 'china-ties', terms: ['colombia*', 'china'] },
    ];
    await storeItem(store, item({ guid: 'g3', link: 'https://example.org/c' }), both, cluster);
    const [again] = await store.clusters(new Date(0), 'china-ties');
    expect(tagsOf(again)).toEqual([
      [item().guid, tags],
      ['g3', [both[1], both[0]]],
    ]);
    // The first item again, from a feed that tags it with a topic it lacked: not stored twice, but
    // tagged with that topic too, as of when that feed brought it. Its other tag keeps its time.
    const later = new Date('2026-01-11T09:00:00Z');
    expect(await storeItem(store, item({ feed: 'china-search', guid: 'y', firstSeenAt: later }), [both[1]!], cluster)).toBeUndefined();
    const [retagged] = await store.clusters(new Date(0), 'china-ties');
    expect(retagged?.items.find((i) => i.guid === item().guid)?.topics).toEqual([
      { ...both[1], taggedAt: later },
      { ...tags[0], taggedAt: item().firstSeenAt },
    ]);
    expect((store.db.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n).toBe(3);
    await store.close();
  });

  it('given an item its feed sends again with a new title, then it is corrected, and tagged for what the new words are about', async () => {
    const store = new SqliteStore(join(dir, 'corrected.db'));
    const send = (over: Partial<FeedItem>, tags: TopicTag[] = []) =>
      store.storeItems([{ ...item(over), tags }], () => undefined, () => {});
    const views = async () => (await store.clusters(new Date(0))).flatMap((c) => c.items.map((i) => [i.guid, i.title, i.topics]));
    expect(await send({ title: 'Petro speaks in Bogotá' })).toEqual({ duplicates: 0, retagged: 0, corrected: 0 });
    const later = new Date('2026-01-10T05:00:00Z');
    const nato = { topic: 'nato-status', terms: ['otan'] };
    expect(await send({ title: 'Petro: Colombia stays a NATO partner', firstSeenAt: later }, [nato])).toEqual({
      duplicates: 1,
      retagged: 0,
      corrected: 1,
    });
    expect(await views()).toEqual([['g1', 'Petro: Colombia stays a NATO partner', [{ ...nato, taggedAt: later }]]]);
    // The same link under another guid of the feed, or from another feed: the same article, not a correction of it.
    expect(await send({ guid: 'g9', title: 'Another wording' })).toEqual({ duplicates: 1, retagged: 0, corrected: 0 });
    expect(await send({ feed: 'other', guid: 'o1', title: 'Another wording' })).toEqual({ duplicates: 1, retagged: 0, corrected: 0 });
    expect(await views()).toEqual([['g1', 'Petro: Colombia stays a NATO partner', [{ ...nato, taggedAt: later }]]]);
    await store.close();
  });

  it('headlines: the newest stories of a topic, each told by its earliest linked item (an outlet’s own link before a redirect) and dated as a digest dates it, as the full cluster views give them', async () => {
    // The reference is how a digest shows a story (headlineOf), over clusters() in JS.
    const reference = async (store: SqliteStore, topic: string, since: Date, count: number) =>
      (await store.clusters(since, topic))
        .flatMap((c) => headlineOf(c) ?? [])
        .sort((a, b) => b.published.getTime() - a.published.getTime())
        .slice(0, count);
    for (let seed = 1; seed <= 12; seed++) {
      const rand = seeded(seed);
      const store = new SqliteStore(join(dir, `headlines-${seed}.db`));
      const clusterOf = new Map<number, number>();
      for (let i = 0; i < 120; i++) {
        const story = rand(25);
        const topics = ['nato-status', 'china-ties'].filter(() => rand(3) === 0);
        const it = item({
          feed: `f${rand(4)}`,
          guid: `g${i}`,
          // Some items have no link; a story told only by those has no headline.
          link: rand(4) === 0 ? undefined : rand(3) === 0 ? `https://news.google.com/rss/articles/${i}` : `https://example.org/${i}`,
          title: `story ${story} item ${i}`,
          outlet: `Outlet ${rand(5)}`,
          // Whole hours, so equal times (ties) happen.
          publishedAt: new Date(Date.UTC(2026, 0, 10) - rand(240) * 3600_000),
          // Some with no date from their feed.
          dateSource: rand(5) === 0 ? 'first-seen' : 'feed',
        });
        const stored = await storeItem(store, it, topics.map((topic) => ({ topic, terms: [topic] })), clusterOf.get(story));
        if (stored !== undefined) clusterOf.set(story, stored);
      }
      const since = new Date(Date.UTC(2026, 0, 10) - 120 * 3600_000);
      for (const topic of ['nato-status', 'china-ties', 'decertification']) {
        for (const count of [1, 3, 50]) {
          expect(await store.headlines(topic, since, count), `seed ${seed}, ${topic}, ${count}`).toEqual(
            await reference(store, topic, since, count),
          );
        }
      }
      await store.close();
    }
  });

  it('given a story whose linked report had no date and whose other report had one, then its headline shows the date a feed gave, as its digest entry does', async () => {
    const store = new SqliteStore(join(dir, 'dated.db'));
    const tags = [{ topic: 'nato-status', terms: ['colombia*', 'nato'] }];
    const seen = new Date('2026-01-10T06:00:00Z');
    // Before, the brief said "seen 2026-01-10" of the story its digest entry dated 9 January.
    const cluster = await storeItem(store, item({ publishedAt: seen, firstSeenAt: seen, dateSource: 'first-seen' }), tags);
    await storeItem(store, item({ feed: 'radio', guid: 'r1', link: undefined, outlet: 'Radio', publishedAt: new Date('2026-01-09T22:00:00Z'), firstSeenAt: seen }), tags, cluster);
    expect(await store.headlines('nato-status', new Date('2026-01-09T00:00:00Z'), 5)).toEqual([
      { title: 'Colombia to end NATO partnership', url: 'https://example.org/a', outlets: ['Radio', 'Wire'], published: new Date('2026-01-09T22:00:00Z'), seen: false },
    ]);
    await store.close();
  });

  it('given an item dated up to a day after it was first seen, then it is in every window its date falls in', async () => {
    const store = new SqliteStore(join(dir, 'ahead.db'));
    const seen = new Date('2026-01-10T00:00:00Z');
    const at = (h: number) => new Date(seen.getTime() + h * 3600_000);
    const ahead = item({ firstSeenAt: seen, publishedAt: at(23), guid: 'ahead', link: 'https://example.org/ahead' });
    const tags = [{ topic: 'nato-status', terms: ['colombia*', 'nato'] }];
    const cluster = await storeItem(store, ahead, tags);
    await storeItem(store, item({ firstSeenAt: seen, publishedAt: seen, guid: 'old', link: 'https://example.org/old' }));
    const since = at(22);
    expect((await store.clusterMembers(since)).map((m) => m.title)).toEqual([ahead.title]);
    expect((await store.clusters(since)).map((c) => c.id)).toEqual([cluster]);
    expect((await store.clusters(since, 'nato-status')).map((c) => c.id)).toEqual([cluster]);
    expect((await store.headlines('nato-status', since, 5)).map((h) => h.url)).toEqual([ahead.link]);
    // Retention goes by both dates: first seen long ago but dated within the cut, it stays.
    expect(await store.prune(at(22))).toEqual({ items: 1, clusters: 1 });
    expect((await store.clusterMembers(seen)).map((m) => m.title)).toEqual([ahead.title]);
    await store.close();
  });

  it('given health, then it round-trips with every field', async () => {
    const store = new SqliteStore(join(dir, 'c.db'));
    const h = {
      ...newHealth('wire', 'https://example.org/rss'),
      state: 'backed-off' as const,
      etag: '"x"',
      lastError: 'HTTP 503',
      lastErrorCode: 'http-status' as const,
      consecutiveFailures: 3,
      nextAttemptAt: new Date('2026-01-01T00:00:00Z'),
      lastErrorAt: new Date('2025-12-31T00:00:00Z'),
    };
    await store.saveHealth(h);
    expect(await store.getHealth('wire')).toEqual(h);
    expect(await store.listHealth()).toEqual([h]);
    await store.close();
  });

  it('given retention, then old items and their emptied clusters go, recent ones stay', async () => {
    const store = new SqliteStore(join(dir, 'd.db'));
    await storeItem(
      store,
      item({
        guid: 'old',
        link: undefined,
        title: 'old',
        publishedAt: new Date('2025-01-01'),
        firstSeenAt: new Date('2025-01-01'),
      }),
    );
    await storeItem(store, item());
    expect(await store.prune(new Date('2026-01-01T00:00:00Z'))).toEqual({ items: 1, clusters: 1 });
    expect((await store.clusters(new Date(0))).map((c) => c.title)).toEqual([
      'Colombia to end NATO partnership',
    ]);
    await store.close();
  });

  it('given a feed quiet for longer than retention, then its last new item is still known once the item is pruned', async () => {
    const store = new SqliteStore(join(dir, 'quiet.db'));
    await store.saveHealth({ ...newHealth('quiet', 'https://quiet.example/rss'), state: 'ok' });
    const seen = new Date('2025-01-01T00:00:00Z');
    await storeItem(store, item({ feed: 'quiet', guid: 'q1', link: 'https://quiet.example/1', publishedAt: seen, firstSeenAt: seen }));
    expect(await store.lastNewItems()).toEqual(new Map([['quiet', seen]]));
    expect((await store.prune(new Date('2026-01-01T00:00:00Z'))).items).toBe(1);
    // It read as "it answers, but has brought no item" in /feeds.
    expect(await store.lastNewItems()).toEqual(new Map([['quiet', seen]]));
    await store.close();
  });
});
