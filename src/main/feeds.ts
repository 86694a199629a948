import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { BriefLibrary, servingNotes } from '../core/briefs/library.js';
import { formatProblem } from '../core/briefs/schema.js';
import { loadFeeds } from '../core/feeds/config.js';
import { createPollDeps } from '../core/feeds/deps.js';
import { pollOnce } from '../core/feeds/poll.js';
import { formatHealthTable, formatPollSummary } from '../core/feeds/report.js';
import { lastGoodBriefs, stderrLog } from '../store/last-good.js';
import { MIGRATIONS, storeVersion } from '../store/migrations.js';
import { SqliteStore } from '../store/sqlite.js';

/** Only the settings these commands need, so a half-configured Slack never blocks a poll. */
const envSchema = z.object({
  DATA_DIR: z.string().default('./data'),
  BRIEFS_DIR: z.string().optional(),
});

export const databaseFile = (dataDir: string) => join(dataDir, 'briefbot.db');

/**
 * The store of a bot that has run, for the commands that only read it (`feeds`, `status`,
 * `digest`): a mistyped DATA_DIR would otherwise get a new empty store and an "all is well".
 */
export function existingStore(dataDir: string): SqliteStore {
  return new SqliteStore(storeThere(dataDir));
}

/**
 * The store's file, when there is one this build can read as it is. An older store is left for the
 * bot to upgrade: upgraded here, the bot still running (or rolled back to) would refuse it.
 */
export function storeThere(dataDir: string): string {
  const file = databaseFile(dataDir);
  if (!existsSync(file)) throw new Error(`no store at ${file}: is DATA_DIR right? (the bot, or poll --once, makes it)`);
  const version = storeVersion(file);
  if (version < MIGRATIONS.length) {
    throw new Error(
      `the store at ${file} is at schema version ${version}, older than this build's ${MIGRATIONS.length}: start this build's bot to upgrade it (this command only reads, and leaves it as it is)`,
    );
  }
  return file;
}

export interface FeedCommandOptions {
  feedsFile: string;
  briefsDir: string;
  force?: boolean;
  retentionDays?: number;
  out: (text: string) => void;
}

/** `briefbot poll --once`: one cycle over feeds.yaml into the SQLite store. Returns the exit code. */
export async function runPollOnce(
  options: FeedCommandOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const { DATA_DIR, BRIEFS_DIR } = envSchema.parse(env);
  const { feeds, problems } = loadFeeds(options.feedsFile);
  if (problems.length > 0) {
    options.out(`${problems.map(formatProblem).join('\n')}\n`);
    return 1;
  }
  // Tagged as the running bot tags: a broken brief by its last good version.
  const briefs = new BriefLibrary(BRIEFS_DIR ?? options.briefsDir, { copies: lastGoodBriefs(DATA_DIR, stderrLog) });
  const loaded = briefs.load();
  const briefNotes = [...loaded.problems.map(formatProblem), ...servingNotes(loaded)];
  if (briefNotes.length > 0) options.out(`${briefNotes.join('\n')}\n`);
  const store = new SqliteStore(databaseFile(DATA_DIR));
  const deps = createPollDeps(
    store,
    briefs,
    {},
    {
      force: options.force ?? false,
      retentionDays: options.retentionDays ?? 30,
      onHealthEvent: (e) =>
        options.out(
          `health: ${e.feed} ${e.kind}${e.kind === 'recovered' ? '' : ` (${e.kind === 'moved' ? e.health.movedTo : e.health.lastError})`}\n`,
        ),
    },
  );
  try {
    const summary = await pollOnce(feeds, deps);
    options.out(formatPollSummary(summary));
    // Every feed failing is a setup to look at (no network, a wrong proxy), not a normal cycle.
    return feeds.length > 0 && summary.failed === feeds.length ? 1 : 0;
  } finally {
    await deps.close();
    await store.close();
  }
}

/**
 * `briefbot feeds`: every polled feed's health. With the feeds file, the rows are its feeds: one
 * renamed or removed is named apart (the running bot forgets its health when it reloads the file;
 * a store only ever polled by `poll --once` keeps it), and so is one not polled yet.
 */
export async function printFeedHealth(
  out: (text: string) => void,
  env: NodeJS.ProcessEnv = process.env,
  feedsFile?: string,
): Promise<void> {
  const store = existingStore(envSchema.parse(env).DATA_DIR);
  try {
    const all = await store.listHealth();
    const listed = feedsFile ? loadFeeds(feedsFile) : undefined;
    const names = listed && listed.problems.length === 0 ? new Set(listed.feeds.map((f) => f.name)) : undefined;
    const health = names ? all.filter((h) => names.has(h.feed)) : all;
    out(formatHealthTable(health, new Date(), await store.lastNewItems(), await store.hostPauses(new Date())));
    if (!names) return;
    const gone = all.filter((h) => !names.has(h.feed)).map((h) => h.feed);
    const polled = new Set(all.map((h) => h.feed));
    const waiting = [...names].filter((n) => !polled.has(n));
    if (gone.length > 0) out(`\nNot in ${feedsFile} (renamed or removed; their health is from before): ${gone.join(', ')}\n`);
    if (waiting.length > 0) out(`\nIn ${feedsFile}, not polled yet: ${waiting.join(', ')}\n`);
  } finally {
    await store.close();
  }
}
