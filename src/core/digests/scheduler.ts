import cron, { type ScheduledTask } from 'node-cron';
import type { BriefSource } from '../briefs/library.js';
import type { Platform } from '../commands/types.js';
import type { FeedStore } from '../feeds/store.js';
import type { Log } from '../log.js';
import { composeDigest } from './compose.js';
import { type DeliverOptions, type DeliveryReport, deliverDue } from './deliver.js';
import type { DigestStore, DigestTarget, OutboxEntry } from './outbox.js';
import { cronExpression, lastSlotAtOrBefore } from './schedule.js';
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
 * Runs every subscription on its own node-cron task in its own time zone. A fired slot is written
 * to the outbox once (keyed by subscription and slot), then delivered; on start, a slot missed
 * while the bot was down is written once, however many were missed.
 */
export class DigestScheduler {
  private tasks = new Map<number, ScheduledTask>();
  private timer: NodeJS.Timeout | undefined;
  private delivering: Promise<DeliveryReport> | undefined;
  /** The pages written for the slot last written, by what they depend on (see `pagesFor`). */
  private written: { slot: number; pages: Map<string, Promise<unknown[]>> } | undefined;
  private forget: NodeJS.Timeout | undefined;

  constructor(private readonly deps: SchedulerDeps) {}

  async start(): Promise<void> {
    await this.catchUp();
    await this.refresh();
    // A pass that fails outright (the store cannot be written: disk full) is logged and tried again
    // on the next tick; an unhandled rejection here would kill the whole bot.
    this.timer = setInterval(
      () => void this.deliver().catch((err: unknown) => this.deps.log.error({ err }, 'digest delivery pass failed')),
      this.deps.deliverEveryMs,
    );
    this.timer.unref();
    await this.deliver();
  }

  /** (Re)create the cron tasks after subscriptions change. */
  async refresh(): Promise<void> {
    for (const task of this.tasks.values()) await task.destroy();
    this.tasks.clear();
    for (const sub of await this.deps.store.subscriptions()) {
      const task = cron.schedule(cronExpression(sub.schedule), () => this.fire(sub.id), {
        timezone: sub.schedule.timezone,
        name: `digest-${sub.id}`,
        noOverlap: true,
      });
      this.tasks.set(sub.id, task);
    }
  }

  nextRun(subscriptionId: number): Date | null {
    return this.tasks.get(subscriptionId)?.getNextRun() ?? null;
  }

  async catchUp(): Promise<void> {
    for (const sub of await this.deps.store.subscriptions()) {
      const slot = lastSlotAtOrBefore(sub.schedule, this.deps.now());
      const since = sub.coveredUntil ?? sub.createdAt;
      if (slot && slot > since) {
        this.deps.log.info({ subscription: sub.id, slot: slot.toISOString() }, 'catching up a missed digest slot');
        await this.write(sub, slot);
      }
    }
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
    for (const task of this.tasks.values()) await task.destroy();
    this.tasks.clear();
    while (this.delivering) await this.delivering;
  }

  private async fire(subscriptionId: number): Promise<void> {
    // 500 channels at 08:00 fire 500 times: each reads only its own subscription.
    const sub = await this.deps.store.subscription({ id: subscriptionId });
    const slot = sub && lastSlotAtOrBefore(sub.schedule, this.deps.now());
    if (!sub || !slot) return;
    try {
      await this.runSlot(sub, slot);
    } catch (err) {
      this.deps.log.error({ err, subscription: sub.id }, 'digest slot failed');
    }
  }

  private async write(sub: Subscription, slot: Date): Promise<OutboxEntry | undefined> {
    if (sub.coveredUntil && sub.coveredUntil >= slot) return undefined;
    const target = this.deps.targets.get(sub.platform);
    // Not connected to that platform in this process: leave the slot for a process that is.
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
