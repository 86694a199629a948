import type { BriefSource } from '../briefs/library.js';
import type { Platform } from '../commands/types.js';
import type { FeedStore } from '../feeds/store.js';
import type { Reply } from '../reply.js';
import { composeDigest } from './compose.js';
import type { DigestStore, OutboxEntry } from './outbox.js';
import type { DigestScheduler } from './scheduler.js';
import type { Subscription, SubscriptionSpec } from './subscription.js';

/** What the /digest command may do, without knowing how digests are stored or run. */
export interface DigestService {
  subscribe(spec: SubscriptionSpec): Promise<Subscription>;
  unsubscribe(platform: Platform, channelId: string): Promise<boolean>;
  /** The channel's subscription, if it has one. */
  subscription(platform: Platform, channelId: string): Promise<Subscription | undefined>;
  list(platform: Platform, channelId: string): Promise<{ subscription?: Subscription; nextRun?: Date; dead: OutboxEntry[] }>;
  preview(platform: Platform, channelId: string): Promise<Reply | undefined>;
  /** Post the digest now (its own slot, so it is delivered once like any other). */
  now(platform: Platform, channelId: string): Promise<OutboxEntry | undefined>;
  topics(): string[];
}

export function createDigestService(deps: {
  store: DigestStore;
  feeds: FeedStore;
  briefs: BriefSource;
  scheduler: DigestScheduler;
  now: () => Date;
  maxStoryAgeMs?: number;
}): DigestService {
  const find = (platform: Platform, channelId: string) => deps.store.subscription({ platform, channelId });
  return {
    async subscribe(spec) {
      return deps.store.subscribe(spec, deps.now());
    },
    async unsubscribe(platform, channelId) {
      return deps.store.unsubscribe(platform, channelId);
    },
    subscription: find,
    async list(platform, channelId) {
      const subscription = await find(platform, channelId);
      const dead = (await deps.store.entries('dead')).filter((e) => e.platform === platform && e.channelId === channelId);
      const nextRun = subscription && deps.scheduler.nextRun(subscription);
      return { subscription, nextRun, dead };
    },
    async preview(platform, channelId) {
      const sub = await find(platform, channelId);
      if (!sub) return undefined;
      // A preview is for moderators: it says why each story was tagged.
      return (await composeDigest(sub, deps.now(), deps.feeds, deps.briefs, deps.maxStoryAgeMs, true)).reply;
    },
    async now(platform, channelId) {
      const sub = await find(platform, channelId);
      if (!sub) return undefined;
      return deps.scheduler.runSlot(sub, deps.now());
    },
    topics: () => deps.briefs.list().map((b) => b.topic),
  };
}
