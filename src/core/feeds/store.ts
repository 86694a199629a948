import type { Headline } from '../commands/types.js';
import type { ClusterMember } from './cluster.js';
import type { HostPauses } from './limiter.js';
import type { FeedHealth, FeedItem, TopicTag } from './types.js';

/** A topic an item is tagged with, and since when: when it was first seen, or later, when another feed brought it tagged. */
export interface StoredTag extends TopicTag {
  taggedAt: Date;
}

export interface StoredItem extends FeedItem {
  id: number;
  clusterId: number;
  topics: StoredTag[];
}

export interface ClusterView {
  id: number;
  title: string;
  firstSeenAt: Date;
  outlets: string[];
  topics: string[];
  items: StoredItem[];
}

/** An item with the topics it is about (tagged in the parse worker: prepare.ts). */
export interface TaggedItem extends FeedItem {
  tags: TopicTag[];
}

/** For each item not stored yet (and its place in the list): the story it joins (undefined: a new one). */
export type StoryPlanner = (item: FeedItem, index: number) => number | undefined;

export interface StoredNew {
  /** The item's row id. */
  id: number;
  item: TaggedItem;
  clusterId: number;
  /** It joined a story another item already told. */
  joined: boolean;
}

/**
 * Everything the feed pipeline keeps, behind one narrow interface: SQLite now (src/store/sqlite.ts),
 * Postgres later. Async so a networked store fits without changing callers.
 */
export interface FeedStore {
  getHealth(feed: string): Promise<FeedHealth | undefined>;
  saveHealth(health: FeedHealth): Promise<void>;
  listHealth(): Promise<FeedHealth[]>;
  /** Per feed, when it last brought an item not stored before (within the retention period). */
  lastNewItems(): Promise<Map<string, Date>>;
  /** Hosts that asked for no requests until after `now` (expired ones are forgotten). */
  hostPauses(now: Date): Promise<HostPauses>;
  /** A host asked for no requests until `until` (ms); the later of two pauses wins. */
  pauseHost(host: string, until: number, why: string): Promise<void>;
  /**
   * Store one feed's items at once (one transaction where the store has them), planning each new item
   * in order — so an item can join a story told earlier in the same feed — and reporting each stored.
   * An item is already stored when the store has the same feed and guid, or the same canonical link
   * from any feed. An item stored from another feed gains the topics this feed tagged it with, as
   * of when this feed brought it (`seenAt`): a topic-specific search (a feed restricted to one topic)
   * that carries an article another feed brought first still puts it before that topic's channels.
   * An item its own feed sends again (same guid) with another title or summary is corrected: its
   * words replaced, and any topic the new words are about added as above.
   *
   * With `seenAt`, the items are first seen when the store holds its write lock: `firstSeenAt` (and
   * `publishedAt`, for an item dated by its first sighting) is `seenAt()` read under the lock. A
   * digest reads under the same lock (`storiesFor`), so a poll in another process can never stamp an
   * item before a digest's slot and commit it after the digest has read: the item would be in
   * neither that digest nor the next.
   */
  storeItems(
    items: TaggedItem[],
    story: StoryPlanner,
    stored: (s: StoredNew) => void,
    seenAt?: () => Date,
  ): Promise<{ duplicates: number; retagged: number; corrected: number }>;
  /**
   * Titles of items published since `since`, for matching new items to stories; with `afterId`,
   * only those stored after that row (in id order), for an index catching up.
   */
  clusterMembers(since: Date, afterId?: number): Promise<ClusterMember[]>;
  clusters(since: Date, topic?: string): Promise<ClusterView[]>;
  /**
   * Every story with an item tagged with one of `topics` after `taggedAfter` (first seen then, or
   * tagged then by another feed), or tagged before and given its first link after (a digest shows
   * only linked stories), as `clusters` gives them: all a digest covering the time since then can
   * hold (it filters further). Read under the write lock, after any poll that holds it has
   * committed (see `storeItems`). With `until` (the digest's slot), the lock is kept until the clock
   * has passed it, so an item stamped after the read is first seen after the slot and goes to the
   * next digest.
   */
  storiesFor(topics: string[], taggedAfter: Date, until?: Date): Promise<ClusterView[]>;
  /**
   * The `count` newest stories tagged `topic` since `since`, as `clusters` would give them, newest
   * first: each told by its earliest linked item, with every outlet that carried it.
   */
  headlines(topic: string, since: Date, count: number): Promise<Headline[]>;
  /** Delete items first seen and published before `before`, and clusters left empty. */
  prune(before: Date): Promise<{ items: number; clusters: number }>;
  close(): Promise<void>;
}
