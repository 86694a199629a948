import { ClusterIndex, type ClusterOptions } from './cluster.js';
import type { FeedStore } from './store.js';

const HOUR = 3600_000;

/**
 * The window's cluster index, kept from one poll to the next by the long-running bot. Read and
 * built afresh, it cost 0.8–1.3 s of main-thread time at 50,000 titles in every cycle that stored
 * anything (docs/BENCHMARKS.md); kept, a cycle reads only the rows stored since (by this process,
 * or by another: `briefbot poll --once` beside the bot). Built afresh when the options change (a
 * brief reload changes the anchors), when it is `maxAgeMs` old (its oldest titles have left the
 * window: they only cost memory, since matching compares publication times), and when storing
 * fails (the rolled-back titles must go).
 */
export class ClusterCache {
  private held: { index: ClusterIndex; key: string; builtAt: number; oldest: number } | undefined;

  constructor(private readonly maxAgeMs = 6 * HOUR) {}

  async index(store: Pick<FeedStore, 'clusterMembers'>, options: ClusterOptions, now: Date): Promise<ClusterIndex> {
    const key = [options.threshold, options.windowMs, ...[...options.anchors].sort()].join('\n');
    const since = new Date(now.getTime() - options.windowMs);
    const held = this.held;
    if (held && held.key === key && now.getTime() - held.builtAt < this.maxAgeMs) {
      await held.index.catchUp(await store.clusterMembers(since, held.index.caughtUpTo));
      return held.index;
    }
    this.held = undefined;
    const index = await ClusterIndex.build(options, await store.clusterMembers(since));
    this.held = { index, key, builtAt: now.getTime(), oldest: since.getTime() };
    return index;
  }

  /** Items published before `before` were deleted: if the index may hold any, start afresh. */
  pruned(before: Date): void {
    if (this.held && before.getTime() > this.held.oldest) this.held = undefined;
  }

  /** Storing failed part-way: titles the index took may have been rolled back. */
  invalidate(): void {
    this.held = undefined;
  }
}
