import type { BriefSource } from '../briefs/library.js';
import { headlineOf, inPublicationOrder } from '../feeds/headline.js';
import { sameOutlet } from '../feeds/outlet.js';
import type { ClusterView, FeedStore } from '../feeds/store.js';
import { buildDigest, coverage, type DigestStory } from './build.js';
import { localDate } from './schedule.js';
import type { Subscription } from './subscription.js';
import type { Reply } from '../reply.js';

const DAY = 86_400_000;

export const DEFAULT_MAX_STORY_AGE_MS = 2 * DAY;

/** `nato-status (colombia + otan)`: the topics and the terms that matched, per topic. */
function explainTags(items: { topics: { topic: string; terms: string[] }[] }[]): string {
  const byTopic = new Map<string, Set<string>>();
  for (const tag of items.flatMap((i) => i.topics)) {
    const terms = byTopic.get(tag.topic) ?? new Set<string>();
    for (const t of tag.terms) terms.add(t);
    byTopic.set(tag.topic, terms);
  }
  return [...byTopic].map(([topic, terms]) => `${topic} (${[...terms].join(' + ')})`).join('; ');
}

/**
 * The digest for one slot: every story first seen on the subscription's topics since its last
 * digest (a new subscription looks back at most a day), up to the slot — unless it was published
 * more than `maxAgeMs` before that window (a feed's old backlog, seen for the first time).
 * Undefined when there is nothing new.
 */
export async function composeDigest(
  sub: Subscription,
  slot: Date,
  feeds: Pick<FeedStore, 'storiesFor'>,
  briefs: BriefSource,
  maxAgeMs = DEFAULT_MAX_STORY_AGE_MS,
  explain = false,
): Promise<{ reply: Reply | undefined; from: Date }> {
  const from = sub.coveredUntil ?? new Date(slot.getTime() - DAY);
  const oldest = from.getTime() - maxAgeMs;
  const wanted = new Set(sub.topics);
  // A story is news to this channel when it is first tagged with one of the channel's topics (an
  // earlier report the topics' rules did not match, or one on another topic, never reached the
  // channel) and has a link to show, whichever came later.
  const dueAt = (c: ClusterView) => {
    let tagged = Number.POSITIVE_INFINITY;
    let linked = Number.POSITIVE_INFINITY;
    for (const i of c.items) {
      if (i.link) linked = Math.min(linked, i.firstSeenAt.getTime());
      for (const t of i.topics) if (wanted.has(t.topic)) tagged = Math.min(tagged, t.taggedAt.getTime());
    }
    return Math.max(tagged, linked);
  };
  const clusters = await feeds.storiesFor(sub.topics, from, slot);
  const stories: DigestStory[] = clusters
    .filter((c) => {
      const due = dueAt(c);
      return due > from.getTime() && due <= slot.getTime();
    })
    .filter((c) => c.items.some((i) => i.publishedAt.getTime() >= oldest))
    .flatMap((c) => {
      const byTime = inPublicationOrder(c);
      // Due, so one of its reports has a link and it has a headline.
      const headline = headlineOf(c, byTime);
      if (!headline) return [];
      // The linked report's own summary; when it has none (an aggregator's), the first report's
      // that has one, named by its outlet: it is another outlet's words under this link.
      const lead = byTime.find((i) => i.link === headline.url);
      const told = lead?.summary ? lead : byTime.find((i) => i.summary);
      return {
        ...headline,
        summary: told?.summary,
        summaryBy: told && !(lead && sameOutlet(told.outlet, lead.outlet)) ? told.outlet : undefined,
        topics: c.topics,
        why: explain ? explainTags(c.items) : undefined,
      };
    });
  const topics = sub.topics.map((topic) => ({ topic, title: briefs.get(topic)?.title ?? topic }));
  const zone = sub.schedule.timezone;
  let reply = buildDigest({ topics, stories, timezone: zone, slot, cap: sub.cap, covered: sub.coveredUntil });
  if (!reply && sub.postWhenEmpty) {
    reply = {
      title: `Digest for ${localDate(slot, zone)}`,
      status: `Nothing new on ${topics.map((t) => t.title).join(', ')} ${coverage(sub.coveredUntil, slot, zone)}.`,
      sections: [],
      ephemeral: false,
      tone: 'info',
    };
  }
  return { reply, from };
}
