import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { newHealth } from '../src/core/feeds/health.js';
import type { FeedItem } from '../src/core/feeds/types.js';
import { MIGRATIONS } from '../src/store/migrations.js';
import { SqliteStore } from '../src/store/sqlite.js';
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
    const [view] = await store.clusters(new Date(0), 'nato-status');
    expect(view?.items.map((i) => [i.guid, i.topics])).toEqual([[item().guid, tags]]);
    expect(await store.clusters(new Date(0), 'china-ties')).toEqual([]);
    // Each item keeps its own tags, in topic order, however many it has.
    const both = [
      { topic: 'nato-status', terms: ['colombia*', 'otan'] },
      { topic: 'china-ties', terms: ['colombia*', 'china'] },
    ];
    await storeItem(store, item({ guid: 'g3', link: 'https://example.org/c' }), both, cluster);
    const [again] = await store.clusters(new Date(0), 'china-ties');
    expect(again?.items.map((i) => [i.guid, i.topics])).toEqual([
      [item().guid, tags],
      ['g3', [both[1], both[0]]],
    ]);
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
});
