import type { FeedError } from './errors.js';
import type { FeedHealth, HealthEventKind } from './types.js';

export interface BackoffPolicy {
  /** First retry delay after a failure; doubles with each further failure. */
  baseMs: number;
  maxMs: number;
  /** After this many failures in a row the feed counts as backed off (and moderators hear once). */
  backedOffAfter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 5 * 60_000, maxMs: 12 * 3600_000, backedOffAfter: 3 };

export function newHealth(feed: string, url: string): FeedHealth {
  return {
    feed,
    url,
    state: 'new',
    etag: undefined,
    lastModified: undefined,
    lastPolledAt: undefined,
    lastSuccessAt: undefined,
    lastErrorAt: undefined,
    lastError: undefined,
    lastErrorCode: undefined,
    consecutiveFailures: 0,
    nextAttemptAt: undefined,
    movedTo: undefined,
  };
}

/**
 * A feed's health as of its configured URL. When feeds.yaml gives it a new one (a moderator fixed
 * it, or followed a "moved permanently" note), the old address's validators would ask the new
 * server for a 304 it may grant wrongly, and its backoff would keep the fix waiting for hours: both
 * go. The state stays, so a feed that was failing is reported working again.
 */
export function healthAt(stored: FeedHealth | undefined, feed: string, url: string): FeedHealth {
  if (!stored) return newHealth(feed, url);
  if (stored.url === url) return stored;
  return { ...stored, url, etag: undefined, lastModified: undefined, consecutiveFailures: 0, nextAttemptAt: undefined, movedTo: undefined };
}

export interface Transition {
  health: FeedHealth;
  /** Only what changed, so a note goes out once per change, not once per poll. */
  events: HealthEventKind[];
}

export function recordFailure(
  prev: FeedHealth,
  error: FeedError,
  now: Date,
  policy: BackoffPolicy,
): Transition {
  const failures = prev.consecutiveFailures + 1;
  // At least as long as the server asked (its Retry-After), within the policy's ceiling.
  const delay = Math.min(policy.maxMs, Math.max(policy.baseMs * 2 ** (failures - 1), error.retryAfterMs ?? 0));
  const state = failures >= policy.backedOffAfter ? 'backed-off' : 'failing';
  const wasFailing = prev.state === 'failing' || prev.state === 'backed-off';
  const event =
    state === 'backed-off' && prev.state !== 'backed-off' ? 'backed-off' : wasFailing ? undefined : 'failing';
  const events: HealthEventKind[] = event ? [event] : [];
  return {
    health: {
      ...prev,
      state,
      lastPolledAt: now,
      lastErrorAt: now,
      lastError: error.message,
      lastErrorCode: error.code,
      consecutiveFailures: failures,
      nextAttemptAt: new Date(now.getTime() + delay),
    },
    events,
  };
}

/** A document that broke, as the poll report and the health table say it. */
export const brokeNote = (cutShort: string) => `the document broke: ${cutShort}`;

/** How a feed was read: its validators, and what a success alone would hide from the moderators. */
export interface Read {
  etag?: string | undefined;
  lastModified?: string | undefined;
  /** Its document broke halfway and only the items before the break were read (why, in words). */
  broke?: string | undefined;
  /** Its URL redirected permanently, every hop, to this one. */
  movedTo?: string | undefined;
}

/**
 * The feed was read. A document that broke leaves it `partial` until a whole one comes; a permanent
 * redirect is kept until feeds.yaml names the new URL. Each is told once, when it starts.
 */
export function recordSuccess(prev: FeedHealth, now: Date, intervalMs: number, read: Read): Transition {
  const { broke, movedTo } = read;
  const events: HealthEventKind[] = [];
  if (broke && prev.state !== 'partial') events.push('partial');
  if (!broke && (prev.state === 'partial' || prev.state === 'failing' || prev.state === 'backed-off')) events.push('recovered');
  if (movedTo && movedTo !== prev.movedTo) events.push('moved');
  return {
    health: {
      ...prev,
      state: broke ? 'partial' : 'ok',
      // A 304 carries no new validators; keep the ones that earned it.
      etag: read.etag ?? prev.etag,
      lastModified: read.lastModified ?? prev.lastModified,
      lastPolledAt: now,
      lastSuccessAt: now,
      ...(broke ? { lastErrorAt: now, lastError: brokeNote(broke), lastErrorCode: 'parse' as const } : {}),
      consecutiveFailures: 0,
      nextAttemptAt: new Date(now.getTime() + intervalMs),
      movedTo,
    },
    events,
  };
}

/** A failing feed waits out its backoff; a healthy one is polled whenever asked (the scheduler owns intervals). */
export function isBackingOff(health: FeedHealth | undefined, now: Date): boolean {
  return (
    health !== undefined &&
    (health.state === 'failing' || health.state === 'backed-off') &&
    health.nextAttemptAt !== undefined &&
    health.nextAttemptAt.getTime() > now.getTime()
  );
}
