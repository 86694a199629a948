import type { Agent } from 'undici';
import type { ClusterIndex, ClusterOptions } from './cluster.js';
import { ClusterCache } from './cluster-cache.js';
import type { FeedConfig } from './config.js';
import { decodeFeedBody } from './decode.js';
import { asFeedError, FeedError, type FeedErrorCode } from './errors.js';
import { type FetchOptions, fetchFeed } from './fetch.js';
import { type BackoffPolicy, healthAt, isBackingOff, recordFailure, recordSuccess } from './health.js';
import { type IngestCounts, ingestItems } from './ingest.js';
import { type HostLimiter, Semaphore } from './limiter.js';
import type { FeedParser } from './parse.js';
import type { FeedStore } from './store.js';
import type { TopicRules } from './tag.js';
import type { HealthEvent } from './types.js';

export interface PollDeps {
  store: FeedStore;
  parser: FeedParser;
  /** The briefs' match rules: the parse worker tags with them. */
  topics: TopicRules[];
  fetch: Omit<FetchOptions, 'dispatcher'> & { dispatcher: Agent };
  limiter: HostLimiter;
  backoff: BackoffPolicy;
  cluster: ClusterOptions;
  /** The window's cluster index kept between cycles (a long-running bot); else built each cycle. */
  clusterCache?: ClusterCache;
  now?: () => Date;
  /** Health changes (failing, backed off, recovered), once per change: for the moderators' channel. */
  onHealthEvent?: (event: HealthEvent) => void;
  /** Poll feeds that are backing off too (a manual `poll --once --force`). */
  force?: boolean;
  /** Delete items older than this many days after the poll. */
  retentionDays?: number;
  /** Feeds fetched but not yet stored, at most (default 16): bounds memory when storing lags fetching. */
  backlog?: number;
}

export type FeedPollResult = { feed: string; ms: number } & (
  | ({ status: 'ok'; fetched: number; skipped: number; beyondCap: number; encoding: string; cutShort?: string | undefined; movedTo?: string | undefined } & IngestCounts)
  | { status: 'not-modified'; movedTo?: string | undefined }
  | { status: 'backing-off'; until: Date; /** Not the feed's own backoff: its host asked us to wait. */ hostPaused?: string }
  | { status: 'error'; code: FeedErrorCode; error: string }
);

export interface PollSummary {
  startedAt: Date;
  ms: number;
  feeds: FeedPollResult[];
  newItems: number;
  /** Items stored before that gained a topic from another feed (see FeedStore.storeItems). */
  retagged: number;
  /** Items stored before that their feed corrected. */
  corrected: number;
  failed: number;
  pruned?: { items: number; clusters: number };
}

/**
 * One full cycle over every feed: fetch → decode → parse, normalise and tag (in a worker) → cluster →
 * store.
 * Feeds are fetched and parsed concurrently (within the limiter); their items are stored one feed at a
 * time. A feed's failure is caught here, recorded as its health, and never touches the others.
 */
export async function pollOnce(feeds: FeedConfig[], deps: PollDeps): Promise<PollSummary> {
  const now = deps.now ?? (() => new Date());
  const startedAt = now();
  // Read when the first feed has items to store: a cycle of 304s never loads the window's titles.
  const cache = deps.clusterCache ?? new ClusterCache();
  let index: Promise<ClusterIndex> | undefined;
  const clusters = () => (index ??= cache.index(deps.store, deps.cluster, startedAt));
  // Storing failed part-way: the index may hold titles that were rolled back; read it afresh.
  const rolledBack = () => {
    index = undefined;
    cache.invalidate();
  };
  let storing = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = storing.then(task);
    storing = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  };
  const backlog = new Semaphore(deps.backlog ?? 16);
  // Hosts that asked, in an earlier cycle or another process, for no requests until later.
  for (const [host, pause] of await deps.store.hostPauses(startedAt)) deps.limiter.pauseHost(host, pause.until, pause.why);
  const results = await Promise.all(
    feeds.map((feed) => pollFeed(feed, deps, now, { clusters, rolledBack, serial, backlog })),
  );
  let pruned: { items: number; clusters: number } | undefined;
  if (deps.retentionDays !== undefined) {
    const before = new Date(now().getTime() - deps.retentionDays * 86_400_000);
    pruned = await deps.store.prune(before);
    if (pruned.items > 0) cache.pruned(before);
  }
  return {
    startedAt,
    ms: now().getTime() - startedAt.getTime(),
    feeds: results,
    newItems: results.reduce((n, r) => n + (r.status === 'ok' ? r.newItems : 0), 0),
    retagged: results.reduce((n, r) => n + (r.status === 'ok' ? r.retagged : 0), 0),
    corrected: results.reduce((n, r) => n + (r.status === 'ok' ? r.corrected : 0), 0),
    failed: results.filter((r) => r.status === 'error').length,
    ...(pruned ? { pruned } : {}),
  };
}

async function pollFeed(
  feed: FeedConfig,
  deps: PollDeps,
  now: () => Date,
  cycle: {
    clusters: () => Promise<ClusterIndex>;
    rolledBack: () => void;
    serial: <T>(task: () => Promise<T>) => Promise<T>;
    backlog: Semaphore;
  },
): Promise<FeedPollResult> {
  const { clusters, rolledBack, serial, backlog } = cycle;
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  const health = healthAt(await deps.store.getHealth(feed.name), feed.name, feed.url);
  if (!deps.force && isBackingOff(health, now())) {
    return { feed: feed.name, ms: 0, status: 'backing-off', until: health.nextAttemptAt as Date };
  }
  const finish = async (transition: ReturnType<typeof recordSuccess>) => {
    await deps.store.saveHealth(transition.health);
    for (const kind of transition.events) deps.onHealthEvent?.({ kind, feed: feed.name, health: transition.health });
  };
  let release = () => {};
  try {
    const fetched = await deps.limiter.run(feed.url, async () => {
      // Checked once this feed's turn on its host comes: a feed queued behind a 429 is not sent.
      const paused = deps.limiter.pausedAt(feed.url, now());
      if (paused) return { kind: 'host-paused', ...paused } as const;
      // A backlog slot is taken before fetching and held until stored: a body is never fetched only to wait.
      release = await backlog.acquire();
      return fetchFeed(feed.url, health, { ...deps.fetch, allowPrivate: feed.allow_private === true }).catch((err: unknown) => {
        // The host's other feeds wait too, as long as it asked (within the backoff's ceiling); set
        // before this feed gives up its turn on the host, so the one queued next sees it.
        if (err instanceof FeedError && err.retryAfterMs !== undefined) {
          const why = `${err.message.split(';')[0]}, for feed ${feed.name}`;
          const until = now().getTime() + Math.min(err.retryAfterMs, deps.backoff.maxMs);
          // The host that answered, which a redirect may have made another than the feed's own.
          return deps.store.pauseHost(deps.limiter.pause(err.from ?? feed.url, until, why), until, why).then(() => {
            throw err;
          });
        }
        throw err;
      });
    });
    if (fetched.kind === 'host-paused') {
      const hostPaused = `${fetched.host} asked for no requests until ${new Date(fetched.until).toISOString()} (${fetched.why})`;
      return { feed: feed.name, ms: 0, status: 'backing-off', until: new Date(fetched.until), hostPaused };
    }
    if (fetched.kind === 'not-modified') {
      await finish(recordSuccess(health, now(), feed.interval * 60_000, { movedTo: fetched.movedTo }));
      return { feed: feed.name, ms: elapsed(), status: 'not-modified', movedTo: fetched.movedTo };
    }
    const decoded = decodeFeedBody(fetched.body, fetched.contentType);
    const { items, skipped, beyondCap, cutShort } = await deps.parser.prepare(decoded.text, { feed, fetchedUrl: fetched.url, now: now() }, deps.topics);
    const counts = await serial(async () => {
      try {
        const index = await clusters();
        return await ingestItems(items, { store: deps.store, clusters: index, now });
      } catch (err) {
        rolledBack();
        throw new FeedError('store', `fetched and parsed, but storing its items failed: ${asFeedError(err).message}`);
      }
    });
    // Validators are kept only once the items are stored: a 304 must never hide items we lost. Nor
    // for a document that broke: its server may send the same validators with the whole one.
    const validators = cutShort ? {} : { etag: fetched.etag, lastModified: fetched.lastModified };
    await finish(recordSuccess(health, now(), feed.interval * 60_000, { ...validators, broke: cutShort, movedTo: fetched.movedTo }));
    return {
      feed: feed.name,
      ms: elapsed(),
      status: 'ok',
      fetched: items.length,
      skipped,
      beyondCap,
      cutShort,
      movedTo: fetched.movedTo,
      encoding: decoded.encoding,
      ...counts,
    };
  } catch (err) {
    const error = asFeedError(err);
    await finish(recordFailure(health, error, now(), deps.backoff));
    return { feed: feed.name, ms: elapsed(), status: 'error', code: error.code, error: error.message };
  } finally {
    release();
  }
}
