import type { FeedConfig } from './config.js';
import { normaliseFeed } from './normalise.js';
import type { RawFeed } from './read.js';
import { type CompiledTopic, tagItem } from './tag.js';
import type { FeedItem, TopicTag } from './types.js';

/** What turning one feed document into items needs besides its text. */
export interface PrepareContext {
  feed: FeedConfig;
  /** Where the document came from after redirects: relative links resolve against it. */
  fetchedUrl: string;
  now: Date;
}

export interface PreparedItem extends FeedItem {
  tags: TopicTag[];
}

export interface PreparedFeed {
  items: PreparedItem[];
  /** Items dropped because they had neither a title nor a summary. */
  skipped: number;
}

/** Normalise and tag a parsed feed: the per-item work that needs no store (done in the parse worker). */
export function prepareFeed(raw: RawFeed, ctx: PrepareContext, topics: CompiledTopic[]): PreparedFeed {
  const { items, skipped } = normaliseFeed(raw, ctx.feed, ctx.fetchedUrl, ctx.now);
  return {
    items: items.map((item) => ({ ...item, tags: tagItem(item, topics, ctx.feed.topics) })),
    skipped,
  };
}
