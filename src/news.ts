import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { Service } from './app.js';
import type { BriefSource } from './core/briefs/library.js';
import type { Headline, Platform } from './core/commands/types.js';
import { DEFAULT_DELIVERY, type DeliverOptions } from './core/digests/deliver.js';
import type { DigestTarget } from './core/digests/outbox.js';
import { DigestScheduler } from './core/digests/scheduler.js';
import { createDigestService, type DigestService } from './core/digests/service.js';
import type { SubscriptionSpec } from './core/digests/subscription.js';
import type { FeedConfig } from './core/feeds/config.js';
import { ClusterCache } from './core/feeds/cluster-cache.js';
import { createPollDeps } from './core/feeds/deps.js';
import { type PollSummary, pollOnce } from './core/feeds/poll.js';
import type { FeedHealth, HealthEvent } from './core/feeds/types.js';
import type { Logger } from './logger.js';
import { SqliteDigestStore } from './store/digests-sqlite.js';
import { SqliteStore } from './store/sqlite.js';

export interface NewsOptions {
  dataDir: string;
  feeds: FeedConfig[];
  briefs: BriefSource;
  targets: ReadonlyMap<Platform, DigestTarget>;
  logger: Logger;
  /**
   * Subscriptions declared in configuration (SUBSCRIPTIONS_FILE: deployments as code), upserted at
   * start; those it declared before and no longer does are unsubscribed. Undefined: no file, and no
   * declared subscription is touched.
   */
  declared?: SubscriptionSpec[] | undefined;
  onHealthEvent?: (event: HealthEvent) => void;
  /** Every poll's summary, for /metrics. */
  onPolled?: (summary: PollSummary) => void;
  /** A digest was dead-lettered: for the moderators. */
  onDeadLetter?: DeliverOptions['onDead'];
  retentionDays?: number;
  /** Leave stories published longer ago than this out of digests (default 2 days). */
  maxStoryAgeDays?: number;
  now?: () => Date;
}

export interface News {
  digests: DigestService;
  /** The newest tagged stories for a topic (for brief replies). */
  headlines(topic: string, count: number): Promise<Headline[]>;
  /** Every polled feed's health, and when each last brought a new item (for /feeds). */
  feedHealth(): Promise<{ health: FeedHealth[]; lastNew: ReadonlyMap<string, Date> }>;
  digestStore: SqliteDigestStore;
  scheduler: DigestScheduler;
  store: SqliteStore;
  /** Poll the feeds that are due (all of them with `force`). */
  poll(force?: boolean): Promise<PollSummary>;
  /** feeds.yaml changed: poll these from now on (the new ones at once), and forget the removed ones' health. */
  setFeeds(feeds: FeedConfig[]): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const MINUTE = 60_000;
const HEADLINES_TTL_MS = 5 * MINUTE;
/**
 * The first poll runs as long as the slowest feed (up to the fetch limit, 30 s) while commands are
 * already answered: readiness waits for it this long at most, then lists it as still running.
 */
const FIRST_POLL_WAIT_MS = 5_000;

/** The second job: poll feeds into the store, and post digests from it on each channel's schedule. */
export function createNews(o: NewsOptions): News {
  const now = o.now ?? (() => new Date());
  const maxStoryAgeMs = o.maxStoryAgeDays === undefined ? undefined : o.maxStoryAgeDays * 86_400_000;
  const store = new SqliteStore(join(o.dataDir, 'briefbot.db'));
  const digestStore = new SqliteDigestStore(store.db);
  const scheduler = new DigestScheduler({
    store: digestStore,
    feeds: store,
    briefs: o.briefs,
    targets: o.targets,
    log: o.logger,
    now,
    delivery: { ...DEFAULT_DELIVERY, ...(o.onDeadLetter ? { onDead: o.onDeadLetter } : {}) },
    deliverEveryMs: 15_000,
    maxStoryAgeMs,
  });
  const digests = createDigestService({ store: digestStore, feeds: store, briefs: o.briefs, scheduler, now, maxStoryAgeMs });
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<PollSummary> | undefined;
  let stopped = false;
  // The window's titles stay indexed between polls: a cycle reads only what was stored since.
  const clusterCache = new ClusterCache();

  let feeds = o.feeds;
  // Feeds removed from the file (while the bot ran, or was down): their health no longer counts.
  const retireRemoved = async () => {
    const retired = await store.retireFeeds(feeds.map((f) => f.name));
    if (retired.length > 0) o.logger.info({ feeds: retired }, 'feeds removed from the feeds file: their health is forgotten');
  };
  const poll = async (force = false): Promise<PollSummary> => {
    if (polling) return polling;
    const due = force ? feeds : await dueFeeds(feeds, store, now());
    const deps = createPollDeps(store, o.briefs, {}, {
      onHealthEvent: o.onHealthEvent,
      retentionDays: o.retentionDays ?? 30,
      now,
      force,
      clusterCache,
    });
    polling = pollOnce(due, deps)
      .then(async (summary) => {
        if (summary.pruned) await digestStore.prune(new Date(now().getTime() - (o.retentionDays ?? 30) * 86_400_000));
        if (summary.newItems > 0 || summary.retagged > 0 || summary.corrected > 0 || (summary.pruned?.items ?? 0) > 0) recentHeadlines.clear();
        return summary;
      })
      .finally(() => {
        polling = undefined;
        return deps.close();
      });
    const summary = await polling;
    o.onPolled?.(summary);
    // Every minute, most often with no feed due: only a poll that read feeds is worth a line at info.
    const level = summary.feeds.length === 0 ? 'debug' : summary.failed === summary.feeds.length ? 'warn' : 'info';
    o.logger[level]({ feeds: summary.feeds.length, newItems: summary.newItems, failed: summary.failed, ms: summary.ms }, level === 'warn' ? 'feeds polled: every feed failed' : 'feeds polled');
    for (const f of summary.feeds) {
      if (f.status === 'ok' && f.cutShort) o.logger.warn({ feed: f.feed, reason: f.cutShort }, 'feed document broke: the items before the break were read');
    }
    return summary;
  };

  // Every full brief shows its topic's newest stories (a store query, ~20 ms at 50,000 items): kept
  // until a poll stores or prunes items, or HEADLINES_TTL_MS passes (for a poll run from the CLI
  // beside the bot, and for the window's slide).
  const recentHeadlines = new Map<string, { at: number; value: Promise<Headline[]> }>();
  const headlines = (topic: string, count: number): Promise<Headline[]> => {
    const key = `${topic}\n${count}`;
    const at = now().getTime();
    const hit = recentHeadlines.get(key);
    if (hit && at - hit.at < HEADLINES_TTL_MS) return hit.value;
    const value = store.headlines(topic, new Date(at - (o.maxStoryAgeDays ?? 7) * 86_400_000), count);
    recentHeadlines.set(key, { at, value });
    value.catch(() => recentHeadlines.delete(key));
    return value;
  };

  return {
    digests,
    headlines,
    feedHealth: async () => ({ health: await store.listHealth(), lastNew: await store.lastNewItems(), pauses: await store.hostPauses(new Date()) }),
    digestStore,
    scheduler,
    store,
    poll,
    async setFeeds(next) {
      feeds = next;
      // After a running poll: a removed feed it was still reading would write its health back.
      await polling?.catch(() => undefined);
      await retireRemoved();
      // The running poll (if any) keeps its list; the timer's next one a minute on picks up the rest.
      if (!stopped && timer) void poll().catch((err: unknown) => o.logger.error({ err }, 'feed poll failed'));
    },
    async start() {
      if (o.declared) {
        for (const spec of o.declared) await digestStore.subscribe(spec, now(), true);
        for (const gone of await digestStore.retireDeclared(o.declared, [...o.targets.keys()])) {
          o.logger.warn({ channel: `${gone.platform}:${gone.channelId}` }, 'unsubscribed: no longer in the subscriptions file');
        }
      }
      await retireRemoved();
      // Poll before catching up, so a digest missed while down has the news it should carry.
      await poll().catch((err: unknown) => o.logger.error({ err }, 'feed poll failed'));
      // Stopped while the first poll ran (a SIGTERM soon after start): nothing more to start.
      if (stopped) return;
      await scheduler.start();
      timer = setInterval(() => void poll().catch((err: unknown) => o.logger.error({ err }, 'feed poll failed')), MINUTE);
      timer.unref();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await polling?.catch(() => undefined);
      await scheduler.stop();
      await store.close();
    },
  };
}

/**
 * The news job, or — when its store cannot be opened or written (a read-only or full DATA_DIR) — a
 * stand-in that stays off and says why on /readyz, so the bot still starts and answers from its
 * briefs. A store that fails while the job starts is switched off the same way (`onDisabled`).
 */
export function openNews(o: NewsOptions & { onDisabled?: () => void }): { news: News | undefined; service: Service } {
  let reason: string | undefined;
  const disable = (err: unknown) => {
    reason = storeProblem(o.dataDir, err);
    o.logger.error({ err, dataDir: o.dataDir }, reason);
    o.onDisabled?.();
  };
  let news: News;
  try {
    news = createNews(o);
  } catch (err) {
    disable(err);
    return { news: undefined, service: { start: async () => {}, stop: async () => {}, degraded: () => reason } };
  }
  let starting = false;
  let stopping = false;
  return {
    news,
    service: {
      async start() {
        starting = true;
        const started = news.start().then(
          () => {
            starting = false;
          },
          async (err: unknown) => {
            starting = false;
            // A store closed under a start that was still running is the shutdown's doing, not a fault.
            if (stopping) return;
            disable(err);
            await news.stop().catch(() => undefined);
          },
        );
        let wait: NodeJS.Timeout | undefined;
        const waited = new Promise<void>((resolve) => {
          wait = setTimeout(resolve, FIRST_POLL_WAIT_MS);
        });
        await Promise.race([started, waited]);
        clearTimeout(wait);
      },
      stop: () => {
        stopping = true;
        return reason ? Promise.resolve() : news.stop();
      },
      degraded: () => reason ?? (starting ? 'news: first feed poll still running; digests start after it' : undefined),
    },
  };
}

/** One line for the operator: which directory, why (full, read-only), and SQLite's or the OS's own words. */
function storeProblem(dataDir: string, err: unknown): string {
  const code = String((err as { code?: unknown })?.code ?? '');
  const message = err instanceof Error ? err.message : String(err);
  let why = 'it cannot be opened or written';
  if (/FULL|ENOSPC|EDQUOT/.test(code) || /disk is full/i.test(message)) why = 'the disk is full';
  else if (/READONLY|EROFS/.test(code)) why = 'it is read-only';
  else if (/EACCES|EPERM/.test(code) || !writable(dataDir)) why = 'this user may not write there';
  // Node's own messages start with their code already ("EACCES: permission denied, mkdir …").
  const detail = code && !message.startsWith(code) ? `${code} ${message}` : message;
  return `digests disabled: cannot use the store in DATA_DIR ${dataDir} (${why}: ${detail}); briefs are still answered`;
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** Feeds whose own interval has passed since their last poll, or whose URL changed (backoff is pollOnce's business). */
async function dueFeeds(feeds: FeedConfig[], store: SqliteStore, now: Date): Promise<FeedConfig[]> {
  const health = new Map((await store.listHealth()).map((h) => [h.feed, h]));
  return feeds.filter((f) => {
    const h = health.get(f.name);
    const last = h?.lastPolledAt;
    return !last || h.url !== f.url || now.getTime() - last.getTime() >= f.interval * MINUTE;
  });
}
