import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { statementCache } from './statements.js';
import type { ClusterMember } from '../core/feeds/cluster.js';
import type { FeedErrorCode } from '../core/feeds/errors.js';
import type { HostPauses } from '../core/feeds/limiter.js';
import { REDIRECT_PREFIX } from '../core/feeds/canonical.js';
import { distinctOutlets, sameOutlet } from '../core/feeds/outlet.js';
import type { Headline } from '../core/commands/types.js';
import type { ClusterView, FeedStore, StoredItem, StoredNew, StoredTag, StoryPlanner, TaggedItem } from '../core/feeds/store.js';
import { FUTURE_TOLERANCE_MS, type FeedHealth, type FeedItem, type HealthState, type TopicTag } from '../core/feeds/types.js';
import { migrate } from './migrations.js';

type Row = Record<string, unknown>;
/** What a duplicate is checked against: whose it is, and the words it was stored with. */
type HeldItem = Pick<FeedItem, 'feed' | 'guid' | 'title' | 'summary'> & { id: number };
const ms = (d: Date | undefined) => (d ? d.getTime() : null);
const date = (v: unknown) => (typeof v === 'number' ? new Date(v) : undefined);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

function toHealth(r: Row): FeedHealth {
  return {
    feed: String(r.name),
    url: String(r.url),
    state: r.state as HealthState,
    etag: str(r.etag),
    lastModified: str(r.last_modified),
    lastPolledAt: date(r.last_polled_at),
    lastSuccessAt: date(r.last_success_at),
    lastErrorAt: date(r.last_error_at),
    lastError: str(r.last_error),
    lastErrorCode: str(r.last_error_code) as FeedErrorCode | undefined,
    consecutiveFailures: Number(r.consecutive_failures),
    nextAttemptAt: date(r.next_attempt_at),
    movedTo: str(r.moved_to),
  };
}

function toItem(r: Row, topics: StoredTag[]): StoredItem {
  return {
    id: Number(r.id),
    clusterId: Number(r.cluster_id),
    feed: String(r.feed),
    guid: String(r.guid),
    link: str(r.link),
    title: String(r.title),
    summary: String(r.summary),
    outlet: String(r.outlet),
    language: String(r.language),
    publishedAt: new Date(Number(r.published_at)),
    firstSeenAt: new Date(Number(r.first_seen_at)),
    dateSource: r.date_source === 'feed' ? 'feed' : 'first-seen',
    topics,
  };
}

/**
 * Items published since a time are found through the first_seen_at index: it grows at its end as
 * items arrive, where an index on the publication date took a random page write for every item (a
 * third of a poll's storing time). An item is never dated more than FUTURE_TOLERANCE_MS after it was
 * first seen, so `first_seen_at >= since − tolerance` holds every item published since; the date
 * itself is then checked row by row.
 */
const PUBLISHED_SINCE = 'first_seen_at >= ? AND published_at >= ?';
const publishedSince = (since: Date) => [since.getTime() - FUTURE_TOLERANCE_MS, since.getTime()];

/** Stories with an item tagged (topic = ?) and published since (?), found through the topic index. */
const TOPIC_STORIES = `SELECT DISTINCT i.cluster_id FROM item_topics t JOIN items i ON i.id = t.item_id
  WHERE t.topic = ? AND i.published_at >= ?`;

/** An item as first seen at `at`: an item the feed left undated is dated then too. */
const firstSeen = (item: TaggedItem, at: Date): TaggedItem => ({
  ...item,
  firstSeenAt: at,
  publishedAt: item.dateSource === 'first-seen' ? at : item.publishedAt,
});

/**
 * Keep the lock until the clock has passed `until` (at most ~1 ms): a poll that takes the lock next
 * then stamps its items after `until`, never at it, where they would be in neither the digest just
 * read (already read) nor the next (which starts after `until`). A time more than a millisecond
 * ahead is not this clock's (a test's), and is not waited for.
 */
function holdPast(until: number): void {
  if (until - Date.now() > 1) return;
  // Spin: the wait is under a millisecond, shorter than any sleep SQLite's other connections make.
  // Bounded by the monotonic clock too, should the wall clock be set back meanwhile.
  const giveUp = performance.now() + 5;
  while (Date.now() <= until && performance.now() < giveUp);
}

/** The embedded store: one SQLite file in WAL mode (readers never block the poller). */
export class SqliteStore implements FeedStore {
  readonly db: Database.Database;
  readonly version: number;
  private readonly sql: (sql: string) => Database.Statement;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    // First: another process opening the store at the same moment holds its lock for a moment.
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('journal_mode = WAL');
    // WAL with NORMAL sync survives a killed process intact (what exactly-once needs); only an OS
    // crash may drop the last commits. FULL would fsync every item's transaction.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.version = migrate(this.db);
    this.sql = statementCache(this.db);
  }

  async getHealth(feed: string) {
    const row = this.sql('SELECT * FROM feeds WHERE name = ?').get(feed) as Row | undefined;
    return row ? toHealth(row) : undefined;
  }

  async saveHealth(h: FeedHealth) {
    this.sql(
      `INSERT INTO feeds (name, url, state, etag, last_modified, last_polled_at, last_success_at, last_error_at,
           last_error, last_error_code, consecutive_failures, next_attempt_at, moved_to)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET url = excluded.url, state = excluded.state, etag = excluded.etag,
           last_modified = excluded.last_modified, last_polled_at = excluded.last_polled_at,
           last_success_at = excluded.last_success_at, last_error_at = excluded.last_error_at,
           last_error = excluded.last_error, last_error_code = excluded.last_error_code,
           consecutive_failures = excluded.consecutive_failures, next_attempt_at = excluded.next_attempt_at,
           moved_to = excluded.moved_to`,
    ).run(
      h.feed,
      h.url,
      h.state,
      h.etag ?? null,
      h.lastModified ?? null,
      ms(h.lastPolledAt),
      ms(h.lastSuccessAt),
      ms(h.lastErrorAt),
      h.lastError ?? null,
      h.lastErrorCode ?? null,
      h.consecutiveFailures,
      ms(h.nextAttemptAt),
      h.movedTo ?? null,
    );
  }

  async listHealth() {
    return (this.sql('SELECT * FROM feeds ORDER BY name').all() as Row[]).map(toHealth);
  }

  /**
   * Forget the health of feeds no longer configured (removed from feeds.yaml), so `briefbot feeds`
   * and /metrics stop counting them; their items stay. Returns their names.
   */
  async retireFeeds(keep: readonly string[]): Promise<string[]> {
    const kept = new Set(keep);
    const gone = (this.sql('SELECT name FROM feeds').all() as { name: string }[]).map((r) => r.name).filter((n) => !kept.has(n));
    const forget = this.sql('DELETE FROM feeds WHERE name = ?');
    this.db.transaction(() => {
      for (const name of gone) forget.run(name);
    })();
    return gone;
  }

  async hostPauses(now: Date): Promise<HostPauses> {
    this.sql('DELETE FROM host_pauses WHERE until <= ?').run(now.getTime());
    const rows = this.sql('SELECT host, until, why FROM host_pauses').all() as { host: string; until: number; why: string }[];
    return new Map(rows.map((r) => [r.host, { until: r.until, why: r.why }]));
  }

  async pauseHost(host: string, until: number, why: string): Promise<void> {
    this.sql(
      `INSERT INTO host_pauses (host, until, why) VALUES (?, ?, ?)
         ON CONFLICT(host) DO UPDATE SET until = excluded.until, why = excluded.why WHERE excluded.until > host_pauses.until`,
    ).run(host, until, why);
  }

  /** Feeds by health state. */
  async stateCounts(): Promise<Record<string, number>> {
    const rows = this.sql('SELECT state, count(*) AS n FROM feeds GROUP BY state').all() as Row[];
    return Object.fromEntries(rows.map((r) => [String(r.state), Number(r.n)]));
  }

  async lastNewItems() {
    const rows = this.sql(
      `SELECT feed, max(at) AS at FROM (
         SELECT feed, max(first_seen_at) AS at FROM items GROUP BY feed
         UNION ALL SELECT name, last_new_at FROM feeds WHERE last_new_at IS NOT NULL)
       GROUP BY feed`,
    ).all() as Row[];
    return new Map(rows.map((r) => [String(r.feed), new Date(Number(r.at))]));
  }

  async storeItems(items: TaggedItem[], story: StoryPlanner, stored: (s: StoredNew) => void, seenAt?: () => Date) {
    // One transaction for a whole feed: one commit instead of one per item. IMMEDIATE takes the write
    // lock before the first read, so the time read next is the lock's (FeedStore.storeItems).
    return this.db.transaction(() => {
      const at = seenAt?.();
      let duplicates = 0;
      let retagged = 0;
      let corrected = 0;
      for (let index = 0; index < items.length; index++) {
        const item = at ? firstSeen(items[index] as TaggedItem, at) : (items[index] as TaggedItem);
        const before = this.existing(item);
        if (before) {
          duplicates++;
          if (before.feed !== item.feed) {
            if (this.addTags(before.id, item.tags, item.firstSeenAt)) retagged++;
          } else if (before.guid === item.guid && (before.title !== item.title || before.summary !== item.summary)) {
            this.correct(before.id, item);
            corrected++;
          }
          continue;
        }
        const clusterId = story(item, index);
        const cluster = clusterId ?? this.newCluster(item);
        const id = this.insert(item, item.tags, cluster);
        if (id === undefined) {
          duplicates++;
          continue;
        }
        if (clusterId !== undefined && item.link !== undefined) this.linked(cluster, item.firstSeenAt);
        stored({ id, item, clusterId: cluster, joined: clusterId !== undefined });
      }
      return { duplicates, retagged, corrected };
    }).immediate();
  }

  /** The row that already holds this item, if any. */
  private existing(item: FeedItem): HeldItem | undefined {
    // One statement, two index lookups (SQLite's multi-index OR): ~5 µs an item less than two.
    return (
      item.link === undefined
        ? this.sql('SELECT id, feed, guid, title, summary FROM items WHERE feed = ? AND guid = ?').get(item.feed, item.guid)
        : this.sql('SELECT id, feed, guid, title, summary FROM items WHERE (feed = ? AND guid = ?) OR link = ?').get(
            item.feed,
            item.guid,
            item.link,
          )
    ) as HeldItem | undefined;
  }

  /**
   * The feed changed an item it had sent before (a corrected headline): keep its words, and the
   * topics they are about now (added from now; a story already told is not told again). Its story
   * stays; a running bot's cluster index matches new reports on the first wording until it restarts.
   */
  private correct(id: number, item: TaggedItem): void {
    this.sql('UPDATE items SET title = ?, summary = ? WHERE id = ?').run(item.title, item.summary, id);
    this.addTags(id, item.tags, item.firstSeenAt);
  }

  /** Tags a stored item did not have yet, as of `at`. Whether it gained any. */
  private addTags(id: number, tags: TopicTag[], at: Date): boolean {
    const add = this.sql('INSERT OR IGNORE INTO item_topics (item_id, topic, terms, tagged_at) VALUES (?, ?, ?, ?)');
    let added = 0;
    for (const tag of tags) added += add.run(id, tag.topic, JSON.stringify(tag.terms), at.getTime()).changes;
    return added > 0;
  }

  private newCluster(item: FeedItem): number {
    const at = item.firstSeenAt.getTime();
    const r = this.sql('INSERT INTO clusters (title, first_seen_at, linked_at) VALUES (?, ?, ?)').run(
      item.title,
      at,
      item.link === undefined ? null : at,
    );
    return Number(r.lastInsertRowid);
  }

  /** A linked item joined the story: the story's first link, if it had none (no write otherwise). */
  private linked(cluster: number, at: Date): void {
    this.sql('UPDATE clusters SET linked_at = ? WHERE id = ? AND linked_at IS NULL').run(at.getTime(), cluster);
  }

  /** The new row's id, or undefined when the item was already stored. */
  private insert(item: FeedItem, tags: TopicTag[], clusterId: number): number | undefined {
    const r = this.sql(
      `INSERT OR IGNORE INTO items (feed, guid, link, title, summary, outlet, language, published_at,
         first_seen_at, date_source, cluster_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      item.feed,
      item.guid,
      item.link ?? null,
      item.title,
      item.summary,
      item.outlet,
      item.language,
      item.publishedAt.getTime(),
      item.firstSeenAt.getTime(),
      item.dateSource,
      clusterId,
    );
    if (r.changes === 0) return undefined;
    const insertTag = this.sql('INSERT INTO item_topics (item_id, topic, terms) VALUES (?, ?, ?)');
    for (const tag of tags) insertTag.run(r.lastInsertRowid, tag.topic, JSON.stringify(tag.terms));
    return Number(r.lastInsertRowid);
  }

  async clusterMembers(since: Date, afterId?: number): Promise<ClusterMember[]> {
    // Catching up reads the rows above an id through the primary key; a first load, the window.
    const rows = (
      afterId === undefined
        ? this.sql(`SELECT id, cluster_id, title, published_at FROM items WHERE ${PUBLISHED_SINCE}`).all(
            ...publishedSince(since),
          )
        : this.sql(
            // `+first_seen_at`: through the primary key, not the window's index (all of the window).
            `SELECT id, cluster_id, title, published_at FROM items
              WHERE id > ? AND +first_seen_at >= ? AND published_at >= ? ORDER BY id`,
          ).all(afterId, ...publishedSince(since))
    ) as Row[];
    return rows.map((r) => ({
      id: Number(r.id),
      clusterId: Number(r.cluster_id),
      title: String(r.title),
      publishedAt: new Date(Number(r.published_at)),
    }));
  }

  async headlines(topic: string, since: Date, count: number): Promise<Headline[]> {
    // As headlineOf (src/core/feeds/headline.ts) shows a story, in SQL: the topic's week of stories is
    // never loaded into objects. Its lead is its earliest report with the outlet's own link, else
    // with a redirect; its date the earliest a feed gave any report, else the lead's first sighting.
    const leads = this.sql(
      `WITH stories AS (${TOPIC_STORIES}),
            reports AS (SELECT i.cluster_id, i.title, i.link, i.published_at,
                               ROW_NUMBER() OVER (PARTITION BY i.cluster_id
                                                  ORDER BY i.link IS NULL, substr(i.link, 1, ${REDIRECT_PREFIX.length}) = '${REDIRECT_PREFIX}', i.published_at, i.id) AS n,
                               min(CASE WHEN i.date_source = 'feed' THEN i.published_at END) OVER (PARTITION BY i.cluster_id) AS dated
                          FROM items i JOIN stories s ON s.cluster_id = i.cluster_id)
       SELECT cluster_id, title, link, coalesce(dated, published_at) AS shown, dated IS NULL AS seen
         FROM reports WHERE n = 1 AND link IS NOT NULL
        ORDER BY shown DESC, cluster_id LIMIT ?`,
    ).all(topic, since.getTime(), count) as Row[];
    const outletsOf = this.sql('SELECT outlet FROM items WHERE cluster_id = ? ORDER BY published_at, id');
    return leads.map((r) => ({
      title: String(r.title),
      url: String(r.link),
      outlets: distinctOutlets((outletsOf.all(r.cluster_id) as Row[]).map((o) => String(o.outlet))),
      published: new Date(Number(r.shown)),
      seen: Number(r.seen) === 1,
    }));
  }

  async clusters(since: Date, topic?: string): Promise<ClusterView[]> {
    // Two statements, not one with `? IS NULL OR topic = ?`: that form cannot use the topic index and
    // read the whole window for one topic (~50 ms at 50,000 items, even for a quiet topic).
    return topic
      ? this.views(TOPIC_STORIES, [topic, since.getTime()])
      : this.views(`SELECT DISTINCT cluster_id FROM items WHERE ${PUBLISHED_SINCE}`, publishedSince(since));
  }

  async storiesFor(topics: string[], taggedAfter: Date, until?: Date): Promise<ClusterView[]> {
    // Through the topic index: a digest reads its topics' recent items, not the whole store's window.
    // Under the write lock (IMMEDIATE): a poll that stamped its items before this read has committed them.
    return this.db
      .transaction(() => {
        // Also the few stories first told without a link that gained one since (a digest can only show
        // a story with a link), through the partial index clusters_linked_late; UNION ALL, as a UNION's
        // ordered merge made SQLite scan every cluster instead (the IN that reads this ignores repeats).
        const stories = this.views(
          `SELECT i.cluster_id FROM item_topics t JOIN items i ON i.id = t.item_id
             WHERE t.topic IN (SELECT value FROM json_each(@topics)) AND coalesce(t.tagged_at, i.first_seen_at) > @after
           UNION ALL
           SELECT c.id FROM clusters c WHERE c.linked_at > c.first_seen_at AND c.linked_at > @after
             AND EXISTS (SELECT 1 FROM items i JOIN item_topics t ON t.item_id = i.id
                          WHERE i.cluster_id = c.id AND t.topic IN (SELECT value FROM json_each(@topics)))`,
          [{ topics: JSON.stringify(topics), after: taggedAfter.getTime() }],
        );
        if (until) holdPast(until.getTime());
        return stories;
      })
      .immediate();
  }

  /** Every item (with its tags) of the stories `inWindow` selects, as views. */
  private views(inWindow: string, params: unknown[]): ClusterView[] {
    const rows = this.sql(
      `SELECT * FROM items WHERE cluster_id IN (${inWindow}) ORDER BY cluster_id, published_at, id`,
    ).all(...params) as Row[];
    // Every item's tags in one query, not one query per item.
    const tagsOf = new Map<number, StoredTag[]>();
    const tagRows = this.sql(
      `SELECT t.item_id, t.topic, t.terms, coalesce(t.tagged_at, i.first_seen_at) AS tagged_at
         FROM item_topics t JOIN items i ON i.id = t.item_id
         WHERE i.cluster_id IN (${inWindow}) ORDER BY t.item_id, t.topic`,
    ).all(...params) as Row[];
    for (const t of tagRows) {
      const id = Number(t.item_id);
      const list = tagsOf.get(id) ?? [];
      list.push({ topic: String(t.topic), terms: JSON.parse(String(t.terms)) as string[], taggedAt: new Date(Number(t.tagged_at)) });
      tagsOf.set(id, list);
    }
    const byCluster = new Map<number, ClusterView>();
    for (const r of rows) {
      const topics = tagsOf.get(Number(r.id)) ?? [];
      const item = toItem(r, topics);
      let view = byCluster.get(item.clusterId);
      if (!view) {
        view = {
          id: item.clusterId,
          title: item.title,
          firstSeenAt: item.firstSeenAt,
          outlets: [],
          topics: [],
          items: [],
        };
        byCluster.set(item.clusterId, view);
      }
      view.items.push(item);
      // Rows come by publication date; the story was first seen at its earliest sighting, whichever item that was.
      if (item.firstSeenAt < view.firstSeenAt) view.firstSeenAt = item.firstSeenAt;
      if (!view.outlets.some((o) => sameOutlet(o, item.outlet))) view.outlets.push(item.outlet);
      for (const t of topics) if (!view.topics.includes(t.topic)) view.topics.push(t.topic);
    }
    return [...byCluster.values()];
  }

  async prune(before: Date) {
    return this.db.transaction(() => {
      const t = before.getTime();
      // What lastNewItems reads from the items about to go, kept on their feeds (usually none go).
      this.sql(
        `UPDATE feeds SET last_new_at = max(coalesce(last_new_at, 0), newest.at)
           FROM (SELECT feed, max(first_seen_at) AS at FROM items WHERE first_seen_at < ? AND published_at < ? GROUP BY feed) AS newest
          WHERE feeds.name = newest.feed`,
      ).run(t, t);
      const items = this.sql('DELETE FROM items WHERE first_seen_at < ? AND published_at < ?').run(
        t,
        t,
      ).changes;
      const clusters = this.sql(
        'DELETE FROM clusters WHERE id NOT IN (SELECT DISTINCT cluster_id FROM items)',
      ).run().changes;
      return { items, clusters };
    })();
  }

  async close() {
    this.db.close();
  }
}
