import type { Platform } from '../commands/types.js';
import type { Reply } from '../reply.js';
import type { Subscription, SubscriptionSpec } from './subscription.js';

/** `cancelled`: the channel unsubscribed before it was sent. */
export type OutboxState = 'pending' | 'delivered' | 'dead' | 'cancelled';

/** One digest for one scheduled slot, rendered before sending so a resend is byte-identical. */
export interface OutboxEntry {
  id: number;
  subscriptionId: number;
  platform: Platform;
  channelId: string;
  /** The scheduled instant; (subscriptionId, slot) is unique: a slot is written once. */
  slot: Date;
  /** Platform payloads, one per message, in order. */
  pages: unknown[];
  /** Per page: the message id once delivered; '' once a send was attempted (it may have landed); null before. */
  messageIds: (string | null)[];
  state: OutboxState;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | undefined;
  /** When the digest was written: no attempt to send its pages is older. */
  createdAt: Date;
}

export interface SubscriptionStore {
  /**
   * One subscription per channel: subscribing again replaces it. `declared`: SUBSCRIPTIONS_FILE's, not
   * a channel's own /digest subscribe (which takes a declared channel over).
   */
  subscribe(spec: SubscriptionSpec, now: Date, declared?: boolean): Promise<Subscription>;
  unsubscribe(platform: Platform, channelId: string): Promise<boolean>;
  /**
   * Unsubscribe the declared subscriptions on `platforms` not among `keep` (gone from the file);
   * returns them. Only this process's platforms: a bot per platform may each have a file of its own.
   */
  retireDeclared(keep: readonly SubscriptionSpec[], platforms: readonly Platform[]): Promise<Subscription[]>;
  subscriptions(): Promise<Subscription[]>;
  /** One subscription, by id or by channel: a digest firing or a /digest command reads only its own. */
  subscription(by: { id: number } | { platform: Platform; channelId: string }): Promise<Subscription | undefined>;
}

export interface DigestStore extends SubscriptionStore {
  /** Write a digest for a slot unless one exists; also moves the subscription's coverage to `coveredUntil`. */
  enqueue(entry: {
    subscriptionId: number;
    slot: Date;
    pages: unknown[];
    coveredUntil: Date;
  }): Promise<OutboxEntry | undefined>;
  due(now: Date, limit: number): Promise<OutboxEntry[]>;
  markPage(id: number, page: number, messageId: string): Promise<void>;
  /** Record that a page is about to be sent, so a resend after a crash knows to check first. */
  markAttempt(id: number, page: number): Promise<void>;
  /** The attempt certainly posted nothing: the page is as if never tried. */
  clearAttempt(id: number, page: number): Promise<void>;
  /**
   * Claim a pending entry for this process until `until`, before each page goes out: the entry as
   * it is now (pages another process sent since are recorded), or why not — another process is
   * sending it ('taken'), it was told to wait since ('not-due': a 429), or it is no longer pending
   * (unsubscribed meanwhile: 'cancelled'; sent or dead-lettered by another process).
   */
  claim(id: number, now: Date, until: Date): Promise<OutboxEntry | 'taken' | 'not-due' | OutboxState>;
  markDelivered(id: number): Promise<void>;
  markRetry(id: number, error: string, nextAttemptAt: Date): Promise<void>;
  /** Whether it was still pending (and is dead now): a cancelled entry is no dead letter. */
  markDead(id: number, error: string): Promise<boolean>;
  entries(state?: OutboxState): Promise<OutboxEntry[]>;
}

/** Why a send failed, as a platform adapter reports it to the core. */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    message: string,
    /** Worth trying again (429, 5xx, network) — or not (unknown channel, missing access). */
    readonly retryable: boolean,
    /** What the platform asked us to wait, if it said. */
    readonly retryAfterMs?: number,
    /** The platform answered, and posted nothing (a 429, an error it named): a resend need not look first. */
    readonly notPosted = false,
  ) {
    super(message);
  }
}

/** A platform as the digest job sees it: render pages, send one idempotently. */
export interface DigestTarget {
  platform: Platform;
  renderPages(reply: Reply): unknown[];
  /**
   * Send one page. `key` is stable across restarts. `mayHaveLandedSince` is set when an earlier
   * attempt of this page ended without an answer (a crash, a reset): the target must not post it
   * twice, and it cannot carry a platform time before this one (when the digest was written, less
   * a margin for the platform's clock).
   */
  send(channelId: string, page: unknown, key: string, mayHaveLandedSince: Date | undefined): Promise<{ messageId: string }>;
}
