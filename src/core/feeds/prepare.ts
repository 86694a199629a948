import type { FeedConfig } from './config.js';
import { normaliseFeed } from './normalise.js';
import type { RawFeed } from './read.js';
import { type CompiledTopic, tagItem } from './tag.js';
import type { TaggedItem } from './store.js';
import type { FeedItem } from './types.js';

/** What turning one feed document into items needs besides its text. */
export interface PrepareContext {
  feed: FeedConfig;
  /** Where the document came from after redirects: relative links resolve against it. */
  fetchedUrl: string;
  now: Date;
}

export interface PreparedFeed {
  items: TaggedItem[];
  /** Items dropped because they had neither a title nor a summary. */
  skipped: number;
  /** Older items left out because the document had more than MAX_ITEMS_PER_FEED. */
  beyondCap: number;
  /** The document broke after its items (read.ts): why, and how many were read. */
  cutShort?: string | undefined;
}

/**
 * A document brings at most this many items, its newest: a feed that serves its whole archive, or
 * a hostile one with 100,000 items in its 5 MB, cannot flood the store and the stories' window.
 */
export const MAX_ITEMS_PER_FEED = 500;

/** Normalise and tag a parsed feed: the per-item work that needs no store (done in the parse worker). */
export function prepareFeed(raw: RawFeed, ctx: PrepareContext, topics: CompiledTopic[]): PreparedFeed {
  const { items, skipped } = normaliseFeed(raw, ctx.feed, ctx.fetchedUrl, ctx.now);
  const kept = newest(items, MAX_ITEMS_PER_FEED);
  return {
    items: kept.map((item) => ({ ...item, tags: tagItem(item, topics, ctx.feed.topics) })),
    skipped,
    beyondCap: items.length - kept.length,
    cutShort: raw.cutShort,
  };
}

/** The `count` newest items, in the document's order. */
function newest(items: FeedItem[], count: number): FeedItem[] {
  if (items.length <= count) return items;
  const keep = new Set([...items].sort((a, b) => b.publishedAt.getTime() - a.publishedAt.getTime()).slice(0, count));
  return items.filter((item) => keep.has(item));
}
