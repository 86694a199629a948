import { type Reply, type ReplySection, textReply } from '../reply.js';
import { counted, utcMinute } from '../text.js';
import type { HostPauses } from './limiter.js';
import { movedNote } from './report.js';
import type { FeedHealth } from './types.js';

/** A working feed with nothing new for this long is worth a look: a frozen page, a renamed section. */
const QUIET_MS = 7 * 86_400_000;

/**
 * `/feeds`: what `briefbot feeds` shows, for moderators in the chat rather than at a shell. Feeds
 * that need someone come first, each with its reason; the working ones are one line of names.
 */
export function feedHealthReply(health: FeedHealth[], lastNew: ReadonlyMap<string, Date>, now: Date, pauses: HostPauses = new Map()): Reply {
  if (health.length === 0) return textReply('Feeds', 'No feed has been polled yet.');
  const failing = health.filter((h) => h.state === 'failing' || h.state === 'backed-off');
  const partial = health.filter((h) => h.state === 'partial');
  const ok = health.filter((h) => h.state === 'ok');
  // Not "quiet for a week" after one poll: a feed that has never brought an item is its own case.
  const empty = ok.filter((h) => !lastNew.has(h.feed));
  const quiet = ok.filter((h) => (lastNew.get(h.feed)?.getTime() ?? now.getTime()) < now.getTime() - QUIET_MS);
  const moved = health.filter((h) => h.movedTo);
  const working = health.filter((h) => !failing.includes(h) && !partial.includes(h) && !quiet.includes(h) && !empty.includes(h));
  // Hundreds of feeds do not fit a message: a trimmed section says where the whole list is.
  const more = 'every feed: briefbot feeds, where the bot runs';
  const section = (key: string, heading: string, items: ReplySection['items']): ReplySection[] =>
    items.length > 0 ? [{ key, heading, items, style: 'list', more }] : [];
  const sections = [
    ...section(
      'failing',
      `Failing (${failing.length})`,
      failing.map((h) => ({
        text: `${h.feed}: ${h.lastError ?? 'unknown error'}`,
        detail: `${counted(h.consecutiveFailures, 'failure')} in a row${h.nextAttemptAt ? `; next attempt ${utcMinute(h.nextAttemptAt)}` : ''}`,
      })),
    ),
    // Their feeds are not asked until then (each feed's own health says nothing of it).
    ...section(
      'paused',
      `Hosts that asked us to wait (${pauses.size})`,
      [...pauses].map(([host, p]) => ({ text: `${host}: no requests until ${utcMinute(new Date(p.until))}`, detail: p.why })),
    ),
    ...section('partial', `Read in part (${partial.length})`, partial.map((h) => ({ text: `${h.feed}: ${h.lastError ?? 'the document broke'}` }))),
    ...section('moved', `Moved (${moved.length})`, moved.map((h) => ({ text: `${h.feed}: ${movedNote(h.movedTo ?? '')}` }))),
    ...section(
      'quiet',
      `Quiet for a week (${quiet.length})`,
      quiet.map((h) => {
        const last = lastNew.get(h.feed);
        return { text: `${h.feed}: no new item since ${utcMinute(last ?? now)}; it answers, with nothing new` };
      }),
    ),
    ...section('empty', `No items yet (${empty.length})`, empty.map((h) => ({ text: `${h.feed}: it answers, but has brought no item` }))),
    ...(working.length > 0
      ? [{ key: 'working', heading: `Working (${working.length})`, items: [{ text: working.map((h) => h.feed).join(', ') }], style: 'paragraph' as const, more }]
      : []),
  ];
  const counts = [
    `${working.length} working`,
    `${failing.length} failing`,
    ...(partial.length > 0 ? [`${partial.length} read in part`] : []),
    ...(quiet.length > 0 ? [`${quiet.length} quiet`] : []),
    ...(empty.length > 0 ? [`${empty.length} with no items yet`] : []),
    ...(pauses.size > 0 ? [`${counted(pauses.size, 'host')} asking us to wait`] : []),
  ];
  return {
    title: 'Feeds',
    status: `${counted(health.length, 'feed')}: ${counts.join(', ')}.`,
    sections,
    footer: 'Feeds are listed in feeds.yaml; the bot reloads it when it changes.',
    ephemeral: true,
    tone: failing.length + partial.length + moved.length > 0 ? 'warning' : 'info',
  };
}
