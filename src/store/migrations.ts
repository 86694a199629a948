import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { DIGEST_TABLES } from './digest-migration.js';

/**
 * The schema, as an ordered list: migration N brings the database to version N. Never edit a
 * shipped migration; append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE feeds (
    name TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'new',
    etag TEXT,
    last_modified TEXT,
    last_polled_at INTEGER,
    last_success_at INTEGER,
    last_error_at INTEGER,
    last_error TEXT,
    last_error_code TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER
  );
  CREATE TABLE clusters (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    first_seen_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
  );
  CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    feed TEXT NOT NULL,
    guid TEXT NOT NULL,
    link TEXT,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    outlet TEXT NOT NULL,
    language TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    first_seen_at INTEGER NOT NULL,
    date_source TEXT NOT NULL,
    cluster_id INTEGER NOT NULL REFERENCES clusters(id),
    UNIQUE (feed, guid)
  );
  CREATE INDEX items_link ON items(link);
  CREATE INDEX items_published ON items(published_at);
  CREATE INDEX items_cluster ON items(cluster_id);
  CREATE TABLE item_topics (
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    topic TEXT NOT NULL,
    terms TEXT NOT NULL,
    PRIMARY KEY (item_id, topic)
  );
  CREATE INDEX item_topics_topic ON item_topics(topic);
  `,
  DIGEST_TABLES,
  // Storing an item wrote pages all over two places it did not need to (sqlite.ts, PUBLISHED_SINCE):
  // a story's last sighting, which nothing read, and an index on the publication date, which comes
  // in any order; the first sighting only grows.
  `ALTER TABLE clusters DROP COLUMN last_seen_at;
   DROP INDEX items_published;
   CREATE INDEX items_first_seen ON items(first_seen_at);`,
  // A topic an item gains after it was stored (another feed brought it tagged): since when. NULL is
  // the item's first sighting, as for every tag before this column.
  `ALTER TABLE item_topics ADD COLUMN tagged_at INTEGER;`,
  // When a story first had a link to show (NULL: never yet). A story first told without one is news
  // to digests when a linked report joins it; the partial index holds only those few stories.
  `ALTER TABLE clusters ADD COLUMN linked_at INTEGER;
   UPDATE clusters SET linked_at =
     (SELECT min(first_seen_at) FROM items WHERE items.cluster_id = clusters.id AND items.link IS NOT NULL);
   CREATE INDEX clusters_linked_late ON clusters(linked_at) WHERE linked_at > first_seen_at;`,
  // Where a feed's URL now redirects permanently: shown until feeds.yaml is updated.
  `ALTER TABLE feeds ADD COLUMN moved_to TEXT;`,
  // Hosts that asked for no requests until a time (429/503 with Retry-After): kept here, not in one
  // process's memory, so a restart or a poll --once beside the bot does not ask them early.
  `CREATE TABLE host_pauses (host TEXT PRIMARY KEY, until INTEGER NOT NULL, why TEXT NOT NULL);`,
  // A subscription SUBSCRIPTIONS_FILE declared (1) rather than a /digest subscribe in the channel:
  // removed from the file, it is unsubscribed at the next start.
  `ALTER TABLE subscriptions ADD COLUMN declared INTEGER NOT NULL DEFAULT 0;`,
  // Which process is sending a digest, until when: two processes on one store (a rolling deploy's
  // old and new bot) never send the same digest at once.
  `ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
   ALTER TABLE outbox ADD COLUMN claimed_until INTEGER;`,
  // A feed's newest item first seen, kept when retention deletes the item itself: a feed quiet for
  // longer than RETENTION_DAYS is "quiet since", not "no items yet".
  `ALTER TABLE feeds ADD COLUMN last_new_at INTEGER;`,
];

/** The version a database is at (0: new), refusing one newer than this build. */
function versionOf(db: Database.Database): number {
  const known = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
  const version = known ? ((db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null }).v ?? 0) : 0;
  if (version > MIGRATIONS.length) {
    throw new Error(`database schema version ${version} is newer than this build knows (${MIGRATIONS.length})`);
  }
  return version;
}

/**
 * Bring the database to the latest version. Returns the version. A store already there is only read
 * (no write lock: another process may be inside a long write). Otherwise all of it in one IMMEDIATE
 * transaction, the version read again under the write lock: two processes opening one store at once
 * (a bot per platform started together after an upgrade) then migrate it once, the second finding it
 * done, where each used to run the same migration and one failed ("table … already exists").
 */
export function migrate(db: Database.Database): number {
  if (versionOf(db) === MIGRATIONS.length) return MIGRATIONS.length;
  return db
    .transaction(() => {
      db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
      let version = versionOf(db);
      for (const sql of MIGRATIONS.slice(version)) {
        db.exec(sql);
        db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(++version);
      }
      return version;
    })
    .immediate();
}

/**
 * The schema version of an existing store, read without changing it (no migration, no write lock):
 * for the commands that only read a store. Throws, naming the file, for one that is not a briefbot
 * store (an empty file from a failed copy, another file at that path).
 */
export function storeVersion(file: string): number {
  const notOurs = (why: string) => new Error(`${file} is not a briefbot store (${why}): is DATA_DIR right?`);
  if (statSync(file).size === 0) throw notOurs('the file is empty');
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new Error(`cannot open the store ${file}: ${(err as Error).message}`);
  }
  try {
    db.pragma('busy_timeout = 5000');
    const version = versionOf(db);
    if (version === 0) throw notOurs('it has no schema version');
    return version;
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_NOTADB') throw notOurs('not an SQLite database');
    throw err;
  } finally {
    db.close();
  }
}
