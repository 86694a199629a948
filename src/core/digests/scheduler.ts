import cron, { type ScheduledTask } from 'node-cron';
import type { BriefSource } from '../briefs/library.js';
import type { Platform } from '../commands/types.js';
import type { FeedStore } from '../feeds/store.js';
import type { Log } from '../log.js';
import { composeDigest } from './compose.js';
import { type DeliverOptions, type DeliveryReport, deliverDue } from './deliver.js';
import type { DigestStore, DigestTarget, OutboxEntry } from './outbox.js';
import { lastSlotAtOrBefore, nextSlotAfter } from './schedule.js';
import type { Subscription } from './subscription.js';

export interface SchedulerDeps {
  store: DigestStore;
  feeds: FeedStore;
  briefs: BriefSource;
  targets: ReadonlyMap<Platform, DigestTarget>;
  log: Log;
  now: () => Date;
  delivery: Omit<DeliverOptions, 'now'>;
  /** How often pending and retrying entries are looked at. */
  deliverEveryMs: number;
  /** Leave out stories published longer than this before the digest's window. */
  maxStoryAgeMs?: number;
}

/**
 * Writes each subscription's digest to the outbox once its slot has come (keyed by subscription and
 * slot, so once), then delivers it. One node-cron tick a minute looks at every subscription in its
 * own time zone: a slot is due when it is later than what the last digest covered. The same rule
 * catches up after downtime (one digest, however many slots were missed), and covers what a timer
 * per subscription missed: a slot that passed while tasks were being recreated, or a time that a
 * DST change skipped (node-cron never fires those).
 */
export class DigestScheduler {
  private tick: ScheduledTask | undefined;
  private timer: NodeJS.Timeout | undefined;
  private delivering: Promise<DeliveryReport> | undefined;
  /** The pages written for the slot last written, by what they depend on (see `pagesFor`). */
  private written: { slot: number; pages: Map<string, Promise<unknown[]>> } | undefined;
  private forget: NodeJS.Timeout | undefined;
  /** Each subscription's first slot after what it covered, by what that depends on: most minutes, nothing is due. */
  private firstSlots = new Map<number, { key: string; at: number }>();

  constructor(private readonly deps: SchedulerDeps) {}

  async start(): Promise<void> {
    await this.catchUp();
    this.tick = cron.schedule('* * * * *', () => this.writeDue(), { name: 'digest-slots', noOverlap: true });
    // A pass that fails outright (the store cannot be written: disk full) is logged and tried again
    // on the next tick; an unhandled rejection here would kill the whole bot.
    this.timer = setInterval(
      () => void this.deliver().catch((err: unknown) => this.deps.log.error({ err }, 'digest delivery pass failed')),
      this.deps.deliverEveryMs,
    );
    this.timer.unref();
    await this.deliver();
  }

  /** Slots missed while the bot was down, written once each subscription (at start). */
  async catchUp(): Promise<void> {
    for (const { sub, slot } of await this.due()) {
      this.deps.log.info({ subscription: sub.id, slot: slot.toISOString() }, 'catching up a missed digest slot');
      await this.write(sub, slot);
    }
  }

  /** The minute's tick: every slot that has come is written, then delivered. */
  async writeDue(): Promise<void> {
    try {
      const due = await this.due();
      for (const { sub, slot } of due) {
        try {
          await this.write(sub, slot);
        } catch (err) {
          this.deps.log.error({ err, subscription: sub.id }, 'digest slot failed');
        }
      }
      if (due.length > 0) await this.deliver();
    } catch (err) {
      this.deps.log.error({ err }, 'digest slot check failed');
    }
  }

  /** Subscriptions on a platform this process serves whose latest slot is after what they covered. */
  private async due(): Promise<{ sub: Subscription; slot: Date }[]> {
    const now = this.deps.now();
    const due: { sub: Subscription; slot: Date }[] = [];
    const firstSlots = new Map<number, { key: string; at: number }>();
    for (const sub of await this.deps.store.subscriptions()) {
      // Not connected to that platform in this process: leave the slot for a process that is.
      if (!this.deps.targets.has(sub.platform)) continue;
      const since = sub.coveredUntil ?? sub.createdAt;
      const key = `${since.getTime()} ${JSON.stringify(sub.schedule)}`;
      let first = this.firstSlots.get(sub.id);
      if (first?.key !== key) first = { key, at: nextSlotAfter(sub.schedule, since)?.getTime() ?? Number.POSITIVE_INFINITY };
      firstSlots.set(sub.id, first);
      if (first.at > now.getTime()) continue;
      const slot = lastSlotAtOrBefore(sub.schedule, now);
      if (slot && slot > since) due.push({ sub, slot });
    }
    // Only subscriptions that still exist are remembered.
    this.firstSlots = firstSlots;
    return due;
  }

  /** When the channel's next digest is due (for /digest list). */
  nextRun(sub: Subscription): Date | undefined {
    return nextSlotAfter(sub.schedule, this.deps.now());
  }

  /** Write the digest for a slot to the outbox (once) and deliver it. */
  async runSlot(sub: Subscription, slot: Date): Promise<OutboxEntry | undefined> {
    const entry = await this.write(sub, slot);
    await this.deliver();
    return entry;
  }

  async deliver(): Promise<DeliveryReport> {
    // One delivery pass at a time: overlapping passes would send the same page twice.
    while (this.delivering) await this.delivering;
    this.delivering = deliverDue(this.deps.store, this.deps.targets, { ...this.deps.delivery, now: this.deps.now });
    try {
      const report = await this.delivering;
      if (report.dead > 0 || report.retrying > 0) this.deps.log.warn({ ...report }, 'digest delivery had failures');
      return report;
    } finally {
      this.delivering = undefined;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.forget);
    await this.tick?.destroy();
    this.tick = undefined;
    while (this.delivering) await this.delivering;
  }

  private async write(sub: Subscription, slot: Date): Promise<OutboxEntry | undefined> {
    if (sub.coveredUntil && sub.coveredUntil >= slot) return undefined;
    const target = this.deps.targets.get(sub.platform);
    if (!target) return undefined;
    const pages = await this.pagesFor(sub, slot, target);
    return this.deps.store.enqueue({ subscriptionId: sub.id, slot, pages, coveredUntil: slot });
  }

  /**
   * Channels due at one slot with the same settings (500 channels on one topic at 08:00) get one
   * digest, composed and rendered once. Only within the slot: stories read at or after a slot hold
   * every story first seen by then, which is all a digest for that slot shows; another slot composes
   * afresh, and the pages are let go a minute after the slot's last digest.
   */
  private pagesFor(sub: Subscription, slot: Date, target: DigestTarget): Promise<unknown[]> {
    if (this.written?.slot !== slot.getTime()) this.written = { slot: slot.getTime(), pages: new Map() };
    const written = this.written;
    clearTimeout(this.forget);
    this.forget = setTimeout(() => {
      if (this.written === written) this.written = undefined;
    }, 60_000);
    this.forget.unref();
    // Everything composeDigest and the target read from the subscription.
    const key = JSON.stringify([sub.platform, sub.coveredUntil?.getTime(), sub.topics, sub.cap, sub.schedule.timezone, sub.postWhenEmpty]);
    let pages = written.pages.get(key);
    if (!pages) {
      pages = composeDigest(sub, slot, this.deps.feeds, this.deps.briefs, this.deps.maxStoryAgeMs).then(({ reply }) =>
        reply ? target.renderPages(reply) : [],
      );
      // A failed digest is not kept: the next channel tries again.
      pages.catch(() => written.pages.delete(key));
      written.pages.set(key, pages);
    }
    return pages;
  }
}
