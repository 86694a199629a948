import type { Headline } from '../commands/types.js';
import type { Link, Reply, ReplyItem, ReplySection } from '../reply.js';
import { counted, daysBetween, outletList } from '../text.js';
import type { Brief, CitedText } from './schema.js';

export const BRIEF_SECTIONS = ['all', 'status', 'facts', 'timeline', 'watch', 'sources'] as const;
export type BriefSection = (typeof BRIEF_SECTIONS)[number];

export interface BriefReplyOptions {
  section: BriefSection;
  ephemeral: boolean;
  now: Date;
  /** The command that shows this brief, for "see more" pointers. */
  command: string;
  /** Newest tagged news for the topic, shown after the summary in the full view. */
  headlines?: Headline[];
}

/** A brief as a platform-free Reply: every fact keeps its source links. */
export function briefReply(brief: Brief, options: BriefReplyOptions): Reply {
  const sourceLink = new Map<string, Link>(
    brief.sources.map((s, i) => [s.id, { label: s.publisher, url: s.url, short: String(i + 1) }]),
  );
  const item = (c: CitedText): ReplyItem => ({
    text: c.text,
    refs: [...new Set(c.refs)].map((r) => sourceLink.get(r)).filter((l): l is Link => l !== undefined),
  });
  const more = (key: string) => `${options.command} section:${key}`;

  const all: Record<Exclude<BriefSection, 'all'>, ReplySection> = {
    status: {
      key: 'status',
      heading: 'Summary',
      items: [item(brief.summary)],
      style: 'paragraph',
      more: more('status'),
    },
    facts: {
      key: 'facts',
      heading: 'Key facts',
      items: brief.facts.map(item),
      style: 'list',
      more: more('facts'),
    },
    timeline: {
      key: 'timeline',
      heading: 'Timeline',
      items: brief.timeline.map((t) => ({ ...item(t), date: t.date })),
      style: 'list',
      more: more('timeline'),
    },
    watch: {
      key: 'watch',
      heading: 'What to watch',
      items: brief.watch.map(item),
      style: 'list',
      more: more('watch'),
    },
    sources: {
      key: 'sources',
      heading: 'Sources',
      items: brief.sources.map((s, i) => ({
        text: `${i + 1}. ${s.title} (${s.publisher}${s.published ? `, ${s.published}` : ''})`,
        url: s.url,
      })),
      style: 'list',
      more: more('sources'),
    },
  };
  // The full view leaves out the source list: every line there already links its sources. The
  // headlines come last: a message too long for the platform loses news links, not sourced facts.
  const sections =
    options.section === 'all'
      ? [all.status, all.facts, all.timeline, all.watch, headlineSection(options.headlines ?? [])].filter(
          (s) => s.items.length > 0,
        )
      : // Cut as a view of its own, it has no fuller view to point to.
        [{ ...all[options.section], more: undefined }];

  const age = daysBetween(new Date(`${brief.updated}T00:00:00Z`), options.now);
  const stale = age > brief.stale_after_days;
  return {
    title: brief.title,
    // Stale: said first, where every platform shows it (and Slack's notification text), not only
    // in the footer at the bottom of the last embed.
    status: stale ? `May be out of date (last reviewed ${age} days ago). ${brief.status}` : brief.status,
    sections,
    footer: `${freshness(brief.updated, age, stale)} · ${counted(brief.sources.length, 'source')}: ${more('sources')}`,
    ephemeral: options.ephemeral,
    tone: stale ? 'warning' : 'info',
  };
}

function headlineSection(headlines: Headline[]): ReplySection {
  return {
    key: 'headlines',
    heading: 'Latest headlines',
    style: 'list',
    items: headlines.map((h) => ({
      text: h.title,
      url: h.url,
      detail: `${outletList(h.outlets)} · ${h.seen ? 'seen ' : ''}${h.published.toISOString().slice(0, 10)}`,
    })),
  };
}

function freshness(updated: string, age: number, stale: boolean): string {
  const when = age <= 0 ? 'today' : age === 1 ? '1 day ago' : `${age} days ago`;
  return stale
    ? `Last reviewed ${when} (${updated}): this brief may be out of date`
    : `Last reviewed ${updated} (${when})`;
}
