import type { Reply, ReplyItem, ReplySection } from '../reply.js';
import { counted, outletList, trimAtSentence } from '../text.js';
import { localDate, localTime, shortLocalDate } from './schedule.js';

/** One story for a digest: an item, or several outlets' items folded into one cluster. */
export interface DigestStory {
  title: string;
  url: string;
  outlets: string[];
  published: Date;
  /** No report gave a date: `published` is when the bot first saw the story. */
  seen?: boolean;
  summary?: string;
  /** The outlet whose words the summary is, when not the linked report's. */
  summaryBy?: string | undefined;
  topics: string[];
  /** Why it was tagged (the matched terms), shown to moderators who ask. */
  why?: string;
}

export interface DigestOptions {
  /** The subscription's topics, in its order; each becomes a section. */
  topics: { topic: string; title: string }[];
  stories: DigestStory[];
  timezone: string;
  /** The scheduled instant this digest is for. */
  slot: Date;
  /** At most this many stories in all. */
  cap: number;
  /** Where the last digest's window ended (the subscription's `coveredUntil`); none for a first digest. */
  covered: Date | undefined;
}

const SUMMARY_MAX = 200;

/**
 * A digest as a Reply: stories grouped by topic (each story once, under the first of its topics the
 * channel follows), ranked by how many outlets carry it and then by recency, capped.
 * Undefined when there is nothing to post.
 */
export function buildDigest(o: DigestOptions): Reply | undefined {
  const wanted = new Set(o.topics.map((t) => t.topic));
  const due = o.stories.filter((s) => s.topics.some((t) => wanted.has(t)));
  const ranked = due.sort((a, b) => b.outlets.length - a.outlets.length || b.published.getTime() - a.published.getTime()).slice(0, o.cap);
  if (ranked.length === 0) return undefined;

  const sections: ReplySection[] = [];
  const placed = new Set<DigestStory>();
  for (const t of o.topics) {
    const items: ReplyItem[] = [];
    for (const story of ranked) {
      if (placed.has(story) || !story.topics.includes(t.topic)) continue;
      placed.add(story);
      items.push(entry(story, o.timezone, o.slot));
    }
    if (items.length > 0) sections.push({ key: t.topic, heading: t.title, items, style: 'list' });
  }
  const commands = o.topics.map((t) => `/${t.topic}`).join(' · ');
  return {
    title: `Digest for ${localDate(o.slot, o.timezone)}`,
    // The next digest starts after this one's slot: say that the rest were left out, not only how many are shown.
    status:
      due.length > ranked.length
        ? `${ranked.length} of ${due.length} stories ${coverage(o.covered, o.slot, o.timezone)}: the ones most outlets carried`
        : `${counted(ranked.length, 'story', 'stories')} ${coverage(o.covered, o.slot, o.timezone)}`,
    sections,
    // The entries' times are the channel's: say whose, once.
    footer: `Times in ${o.timezone} · Background briefs: ${commands}`,
    ephemeral: false,
    tone: 'info',
  };
}

/**
 * What a digest covers, for its status line. A first digest looks back a day; after a gap longer than
 * a day (a weekly digest, the bot down for a weekend, quiet days that posted nothing) the line says
 * since when, so an editor can tell a catch-up from the usual day.
 */
export function coverage(covered: Date | undefined, slot: Date, zone: string): string {
  if (!covered) return 'from the last 24 hours';
  if (slot.getTime() - covered.getTime() <= 25 * 3_600_000) return 'since the last digest';
  return `since ${shortLocalDate(covered, zone)} ${localTime(covered, zone)}`;
}

function entry(story: DigestStory, zone: string, slot: Date): ReplyItem {
  const outlets = outletList(story.outlets);
  const by = story.summaryBy ? `${story.summaryBy}: ` : '';
  const summary = story.summary ? ` · ${by}${trimAtSentence(story.summary, SUMMARY_MAX)}` : '';
  // The time alone for the digest's own day; older stories also say which day.
  const day = localDate(story.published, zone) === localDate(slot, zone) ? '' : `${shortLocalDate(story.published, zone)} `;
  const when = `${story.seen ? 'seen ' : ''}${day}${localTime(story.published, zone)}`;
  const why = story.why ? ` · tagged ${story.why}` : '';
  return { text: story.title, url: story.url, detail: `${outlets} · ${when}${summary}${why}` };
}
