import { BriefLibrary } from '../core/briefs/library.js';
import { composeDigest } from '../core/digests/compose.js';
import { nextSlotAfter, WEEKDAYS } from '../core/digests/schedule.js';
import { describeSubscription, type Subscription } from '../core/digests/subscription.js';
import { counted } from '../core/text.js';
import { SqliteDigestStore } from '../store/digests-sqlite.js';
import { lastGoodBriefs, stderrLog } from '../store/last-good.js';
import { SqliteStore } from '../store/sqlite.js';
import { existingStore, storeThere } from './feeds.js';
import { PREVIEW_FORMATS, type PreviewFormat, renderAs } from './render-as.js';

export const DIGEST_FORMATS = PREVIEW_FORMATS;
export type DigestFormat = PreviewFormat;

export interface DigestCliOptions {
  topics?: string;
  since?: string;
  format: DigestFormat;
  explain?: boolean;
  timezone: string;
  cap: number;
}

/** `2026-11-20`, an ISO instant, or a duration back from now: `24h`, `3d`. */
export function parseSince(text: string, now: Date): Date {
  const ago = /^(\d+)([hd])$/.exec(text);
  if (ago) return new Date(now.getTime() - Number(ago[1]) * (ago[2] === 'h' ? 3_600_000 : 86_400_000));
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw new Error(`--since takes a date (2026-11-20), an instant, or 24h / 3d; got '${text}'`);
  return at;
}

/** `briefbot digest`: print the digest the store would give now, without posting it. */
export async function printDigest(dataDir: string, briefsDir: string, o: DigestCliOptions): Promise<string> {
  if (!Number.isInteger(o.cap) || o.cap < 1) throw new Error(`--cap takes a whole number of stories, 1 or more; got '${o.cap}'`);
  // First, so a mistyped DATA_DIR gets nothing written to it.
  const file = storeThere(dataDir);
  // The topics the running bot serves, a broken brief by its last good version.
  const briefs = new BriefLibrary(briefsDir, { copies: lastGoodBriefs(dataDir, stderrLog) });
  briefs.load();
  const known = briefs.list().map((b) => b.topic);
  const topics = (o.topics ?? known.join(','))
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const unknown = topics.filter((t) => !known.includes(t));
  if (unknown.length > 0) throw new Error(`unknown topic(s): ${unknown.join(', ')}; topics: ${known.join(', ')}`);
  const now = new Date();
  const since = parseSince(o.since ?? '24h', now);
  const store = new SqliteStore(file);
  try {
    const sub: Subscription = {
      id: 0,
      platform: 'local',
      channelId: 'preview',
      topics,
      schedule: { time: '00:00', timezone: o.timezone, weekdays: [...WEEKDAYS] },
      cap: o.cap,
      postWhenEmpty: false,
      createdAt: since,
      coveredUntil: since,
    };
    // The window is exactly since → now: nothing older is held back.
    const { reply } = await composeDigest(sub, now, store, briefs, 0, o.explain);
    if (!reply) return `No stories on ${topics.join(', ')} since ${since.toISOString()}.\n`;
    return renderAs(reply, o.format);
  } finally {
    await store.close();
  }
}

/** `briefbot status`: subscriptions and their next runs, the outbox, dead letters, feed health in brief. */
export async function printStatus(dataDir: string): Promise<string> {
  const store = existingStore(dataDir);
  const digests = new SqliteDigestStore(store.db);
  try {
    const now = new Date();
    const lines: string[] = ['Subscriptions:'];
    const subs = await digests.subscriptions();
    if (subs.length === 0) lines.push('  none');
    for (const s of subs) {
      const next = nextSlotAfter(s.schedule, now);
      lines.push(`  ${s.platform}:${s.channelId}  ${describeSubscription(s)}`);
      lines.push(`    next run ${next?.toISOString() ?? 'never'}; last digest covers to ${s.coveredUntil?.toISOString() ?? 'nothing yet'}`);
    }
    // Counted in SQL: the delivered digests (their pages with them) are most of the outbox.
    const counts = await digests.stateCounts();
    const count = (state: string) => counts[state] ?? 0;
    const cancelled = count('cancelled') > 0 ? `, ${count('cancelled')} cancelled (unsubscribed before sent)` : '';
    lines.push('', `Outbox: ${count('pending')} pending, ${count('delivered')} delivered, ${count('dead')} dead${cancelled}`);
    const unsent = [...(await digests.entries('pending')), ...(await digests.entries('dead')), ...(await digests.entries('cancelled'))];
    for (const e of unsent.sort((a, b) => a.slot.getTime() - b.slot.getTime())) {
      lines.push(`  ${e.state.padEnd(9)} ${e.platform}:${e.channelId} slot ${e.slot.toISOString()} attempts ${e.attempts}${e.lastError ? `: ${e.lastError}` : ''}`);
    }
    const health = await store.listHealth();
    const failing = health.filter((h) => h.state === 'failing' || h.state === 'backed-off');
    const partial = health.filter((h) => h.state === 'partial');
    lines.push('', `Feeds: ${health.length} polled, ${failing.length} failing, ${partial.length} read in part`);
    for (const h of failing) lines.push(`  ${h.feed}: ${h.state}, ${counted(h.consecutiveFailures, 'failure')}: ${h.lastError ?? ''}`);
    for (const h of partial) lines.push(`  ${h.feed}: partial: ${h.lastError ?? ''}`);
    return `${lines.join('\n')}\n`;
  } finally {
    await store.close();
  }
}
