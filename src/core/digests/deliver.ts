import type { Platform } from '../commands/types.js';
import { counted } from '../text.js';
import { DeliveryError, type DigestStore, type DigestTarget, type OutboxEntry } from './outbox.js';

export interface DeliverOptions {
  now: () => Date;
  /** After this many failed attempts an entry is dead-lettered (shown in /digest list and status). */
  maxAttempts: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** Channels served at once; each channel's digests still go out one after another, in order. */
  channelConcurrency?: number;
  /** An entry was dead-lettered (why, as stored): for the moderators, who can act on it. */
  onDead?: (entry: OutboxEntry, reason: string) => void;
}

export const DEFAULT_DELIVERY: Omit<DeliverOptions, 'now'> = {
  maxAttempts: 6,
  baseBackoffMs: 5_000,
  maxBackoffMs: 10 * 60_000,
  channelConcurrency: 8,
};

export interface DeliveryReport {
  delivered: number;
  retrying: number;
  dead: number;
  /** Unsubscribed while its pages went out: the rest were not sent. */
  cancelled: number;
  /** Being sent by another process on the same store (or sent by it meanwhile): left to it. */
  elsewhere: number;
}

/** The idempotency key of one page: the same across restarts, different for every page of every slot. */
export function pageKey(entry: Pick<OutboxEntry, 'subscriptionId' | 'slot'>, page: number): string {
  return `digest:${entry.subscriptionId}:${entry.slot.toISOString()}:${page}`;
}

/**
 * Send what is due, page by page, recording each page's message id as soon as it is sent, so a
 * crash resends at most the page in flight (which the target recognises by its key). Several
 * channels at once; within a channel, in slot order.
 */
export async function deliverDue(
  store: DigestStore,
  targets: ReadonlyMap<Platform, DigestTarget>,
  options: DeliverOptions,
): Promise<DeliveryReport> {
  const report: DeliveryReport = { delivered: 0, retrying: 0, dead: 0, cancelled: 0, elsewhere: 0 };
  const byChannel = new Map<string, OutboxEntry[]>();
  for (const entry of await store.due(options.now(), 500)) {
    // An entry for a platform not connected in this process waits for one that is.
    if (!targets.has(entry.platform)) continue;
    const channel = `${entry.platform}:${entry.channelId}`;
    byChannel.set(channel, [...(byChannel.get(channel) ?? []), entry]);
  }
  const queues = [...byChannel.values()];
  const worker = async () => {
    for (let queue = queues.shift(); queue; queue = queues.shift()) {
      for (const entry of queue) {
        const outcome = await deliverEntry(store, targets.get(entry.platform)!, entry, options);
        report[outcome]++;
        // A later digest for the same channel must not overtake one that is waiting to retry.
        if (outcome !== 'delivered') break;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.channelConcurrency ?? 1) }, worker));
  return report;
}

/** How long a claim on a digest holds without a page sent: a page takes seconds, even rate-limited. */
const CLAIM_MS = 2 * 60_000;

/** How far a platform's clock may be behind ours: its message times are its own, the digest's ours. */
const CLOCK_SKEW_MS = 10 * 60_000;

async function deliverEntry(
  store: DigestStore,
  target: DigestTarget,
  entry: OutboxEntry,
  options: DeliverOptions,
): Promise<keyof DeliveryReport> {
  for (const [i, page] of entry.pages.entries()) {
    // Claimed (again) before each page, and read afresh: a page in flight is ours alone, and one
    // another process sent, or a wait it was told, since this pass read the entry, counts.
    const now = options.now();
    const claim = await store.claim(entry.id, now, new Date(now.getTime() + CLAIM_MS));
    if (typeof claim === 'string') return claim === 'cancelled' ? 'cancelled' : 'elsewhere';
    entry = claim;
    if (entry.messageIds[i]) continue;
    try {
      const mayHaveLandedSince = entry.messageIds[i] === '' ? new Date(entry.createdAt.getTime() - CLOCK_SKEW_MS) : undefined;
      if (!mayHaveLandedSince) await store.markAttempt(entry.id, i);
      const { messageId } = await target.send(entry.channelId, page, pageKey(entry, i), mayHaveLandedSince);
      await store.markPage(entry.id, i, messageId);
    } catch (err) {
      const error = err instanceof DeliveryError ? err : new DeliveryError(String((err as Error)?.message ?? err), true);
      // Nothing landed: the retry posts without first reading the channel's history (a call Slack
      // limits, and one that needs scopes of its own).
      if (error.notPosted) await store.clearAttempt(entry.id, i);
      const attempts = entry.attempts + 1;
      if (!error.retryable || attempts >= options.maxAttempts) {
        const reason = `${error.message} (after ${counted(attempts, 'attempt')})`;
        if (!(await store.markDead(entry.id, reason))) return 'cancelled';
        options.onDead?.(entry, reason);
        return 'dead';
      }
      const backoff = Math.min(options.maxBackoffMs, options.baseBackoffMs * 2 ** (attempts - 1));
      const wait = Math.max(backoff, error.retryAfterMs ?? 0);
      await store.markRetry(entry.id, error.message, new Date(options.now().getTime() + wait));
      return 'retrying';
    }
  }
  await store.markDelivered(entry.id);
  return 'delivered';
}
