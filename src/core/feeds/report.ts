import { counted } from '../text.js';
import type { PollSummary } from './poll.js';
import { brokeNote } from './health.js';
import type { HostPauses } from './limiter.js';
import { MAX_ITEMS_PER_FEED } from './prepare.js';
import type { FeedHealth } from './types.js';

const when = (d: Date | undefined) => (d ? d.toISOString().replace('T', ' ').slice(0, 16) : '—');

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  '))
    .join('\n');
}

export const movedNote = (url: string) => `moved permanently to ${url} (update feeds.yaml)`;

/** `briefbot poll --once`: one line per feed, then totals. */
export function formatPollSummary(summary: PollSummary): string {
  const rows = [['FEED', 'RESULT', 'DETAIL']];
  for (const f of summary.feeds) {
    if (f.status === 'ok') {
      const beyond = f.beyondCap > 0 ? ` (${f.beyondCap} older ones past the ${MAX_ITEMS_PER_FEED} a feed may bring were left out)` : '';
      const retagged = f.retagged > 0 ? ` (${f.retagged} of them from another feed, now also tagged with this feed's topics)` : '';
      const corrected = f.corrected > 0 ? ` (${f.corrected} of them corrected: a new title or summary)` : '';
      const broken = f.cutShort ? `; ${brokeNote(f.cutShort)}` : '';
      const moved = f.movedTo ? `; ${movedNote(f.movedTo)}` : '';
      const detail = `${counted(f.fetched, 'item')}${beyond}: ${f.newItems} new (${f.tagged} tagged, ${f.joinedClusters} joined a story), ${f.duplicates} seen before${retagged}${corrected}${broken}`;
      rows.push([f.feed, 'ok', `${detail}${moved}; ${f.encoding}; ${f.ms} ms`]);
    } else if (f.status === 'not-modified') rows.push([f.feed, 'not modified', `${f.movedTo ? `${movedNote(f.movedTo)}; ` : ''}${f.ms} ms`]);
    else if (f.status === 'backing-off')
      rows.push([f.feed, 'backing off', f.hostPaused ? `not asked: ${f.hostPaused}` : `next attempt ${when(f.until)} (--force to poll now)`]);
    else rows.push([f.feed, `error`, `[${f.code}] ${f.error}`]);
  }
  const pruned = summary.pruned ? `; pruned ${summary.pruned.items} old items` : '';
  return `${table(rows)}\n\n${counted(summary.feeds.length, 'feed')}, ${counted(summary.newItems, 'new item')}, ${summary.failed} failed, ${summary.ms} ms${pruned}\n`;
}

/**
 * `briefbot feeds`: the health table from the store. LAST NEW ITEM shows a feed that answers but has
 * stopped bringing news (a frozen page, a renamed section): its state alone would say `ok`.
 */
export function formatHealthTable(health: FeedHealth[], now: Date, lastNew = new Map<string, Date>(), pauses: HostPauses = new Map()): string {
  if (health.length === 0) return 'No feed has been polled yet. Run: briefbot poll --once\n';
  // Their feeds are not asked until then, whatever each feed's own row says (--force does not override it).
  const paused = [...pauses].map(([host, p]) => `${host} asked for no requests until ${when(new Date(p.until))} (${p.why})`);
  const rows = [['FEED', 'STATE', 'LAST SUCCESS', 'LAST NEW ITEM', 'FAILURES', 'NEXT ATTEMPT', 'PROBLEM']];
  for (const h of health) {
    const next = h.nextAttemptAt && h.nextAttemptAt > now ? when(h.nextAttemptAt) : 'due';
    const error = h.lastError && h.state !== 'ok' ? `[${h.lastErrorCode}] ${h.lastError}` : '';
    const problem = [error, h.movedTo ? movedNote(h.movedTo) : ''].filter(Boolean).join('; ');
    rows.push([h.feed, h.state, when(h.lastSuccessAt), when(lastNew.get(h.feed)), String(h.consecutiveFailures), next, problem]);
  }
  return `${table(rows)}\n${paused.length > 0 ? `\nHosts that asked us to wait:\n${paused.map((p) => `  ${p}\n`).join('')}` : ''}`;
}
