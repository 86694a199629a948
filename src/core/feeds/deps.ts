import { availableParallelism } from 'node:os';
import type { BriefSource } from '../briefs/library.js';
import { DEFAULT_CLUSTER_OPTIONS } from './cluster.js';
import type { AddressGuard } from './address-guard.js';
import { createAgent } from './fetch.js';
import { DEFAULT_BACKOFF } from './health.js';
import { HostLimiter } from './limiter.js';
import { createFeedParser } from './parse.js';
import type { PollDeps } from './poll.js';
import type { FeedStore } from './store.js';
import { foldTokens } from './text.js';

export const USER_AGENT = 'briefbot/0.1 (+https://github.com/briefbot/briefbot)';

export interface PollSettings {
  connectTimeoutMs: number;
  totalTimeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  parseTimeoutMs: number;
  globalConcurrency: number;
  perHostConcurrency: number;
  parseWorkers: number;
}

export const DEFAULT_POLL_SETTINGS: PollSettings = {
  connectTimeoutMs: 10_000,
  totalTimeoutMs: 30_000,
  maxBytes: 5 * 1024 * 1024,
  maxRedirects: 5,
  parseTimeoutMs: 10_000,
  globalConcurrency: 8,
  perHostConcurrency: 2,
  // The main thread is busy storing while workers parse: on two cores a second worker only takes
  // turns with it (same cycle time, ~25 MB more; see docs/BENCHMARKS.md).
  parseWorkers: Math.min(2, Math.max(1, availableParallelism() - 1)),
};

/** Everything pollOnce needs, from the briefs (for topics) and a store. Call `close` when done. */
export function createPollDeps(
  store: FeedStore,
  briefs: BriefSource,
  settings: Partial<PollSettings> = {},
  extra: Partial<Pick<PollDeps, 'onHealthEvent' | 'force' | 'retentionDays' | 'now' | 'backoff' | 'clusterCache'>> & {
    /** The address check for feed fetches (tests inject a resolver); see address-guard.ts. */
    guard?: AddressGuard;
  } = {},
): PollDeps & { close(): Promise<void> } {
  const s = { ...DEFAULT_POLL_SETTINGS, ...settings };
  // Only what tagging reads: the rules cross to the parse worker with every feed.
  const topics = briefs.list().map(({ topic, match }) => ({ topic, match }));
  const anchors = new Set(topics.flatMap((t) => t.match.all.flat().flatMap((term) => foldTokens(term))));
  const { guard, ...rest } = extra;
  const dispatcher = createAgent(s.connectTimeoutMs, s.totalTimeoutMs, guard ?? {});
  const privateDispatcher = createAgent(s.connectTimeoutMs, s.totalTimeoutMs, false);
  const parser = createFeedParser({ timeoutMs: s.parseTimeoutMs, workers: s.parseWorkers });
  return {
    store,
    parser,
    topics,
    fetch: { ...s, userAgent: USER_AGENT, dispatcher, privateDispatcher },
    limiter: new HostLimiter(s.globalConcurrency, s.perHostConcurrency),
    backoff: DEFAULT_BACKOFF,
    cluster: { ...DEFAULT_CLUSTER_OPTIONS, anchors },
    ...rest,
    async close() {
      await parser.close();
      await dispatcher.close();
      await privateDispatcher.close();
    },
  };
}
