import type { FeedErrorCode } from './errors.js';

/**
 * A date more than this far ahead is a feed's mistake (or a time zone bug), not news from the future:
 * normalisation replaces it, so an item's publishedAt is never later than its firstSeenAt plus this.
 */
export const FUTURE_TOLERANCE_MS = 24 * 3600_000;

/** A feed item after normalisation: plain text, canonical link, a date we trust. */
export interface FeedItem {
  feed: string;
  /** Stable across polls: the feed's guid/id, else the canonical link, else a hash of the content. */
  guid: string;
  link: string | undefined;
  title: string;
  summary: string;
  outlet: string;
  language: string;
  publishedAt: Date;
  firstSeenAt: Date;
  /** Where publishedAt came from: the feed, or our first sight of the item (missing, malformed or future date). */
  dateSource: 'feed' | 'first-seen';
}

export interface TopicTag {
  topic: string;
  /** The terms that matched, one per `all` group, for `--explain`. */
  terms: string[];
}

/** `partial`: the last document broke halfway; the whole items before the break were read. */
export type HealthState = 'new' | 'ok' | 'partial' | 'failing' | 'backed-off';

export interface FeedHealth {
  feed: string;
  url: string;
  state: HealthState;
  etag: string | undefined;
  lastModified: string | undefined;
  lastPolledAt: Date | undefined;
  lastSuccessAt: Date | undefined;
  lastErrorAt: Date | undefined;
  lastError: string | undefined;
  lastErrorCode: FeedErrorCode | undefined;
  consecutiveFailures: number;
  nextAttemptAt: Date | undefined;
  /** Where the feed's URL redirected permanently (301/308 every hop) when last read: feeds.yaml should say so. */
  movedTo: string | undefined;
}

export type HealthEventKind = 'partial' | 'moved' | 'failing' | 'backed-off' | 'recovered';

export interface HealthEvent {
  kind: HealthEventKind;
  feed: string;
  health: FeedHealth;
}
