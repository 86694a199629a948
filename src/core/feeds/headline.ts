import type { Headline } from '../commands/types.js';
import { REDIRECT_PREFIX } from './canonical.js';
import type { ClusterView } from './store.js';

/**
 * How a story is shown, in a digest and under a brief alike: told by its earliest report with the
 * outlet's own link, else with a redirect (Google News); dated by the earliest date a feed gave any
 * of its reports, else by when its first report was seen, and said so. Undefined: no report has a
 * link, so there is nothing to show yet. The store's `headlines` does the same in SQL. `byTime`: the
 * story's reports in publication order, when the caller has sorted them already.
 */
export function headlineOf(c: ClusterView, byTime = inPublicationOrder(c)): Headline | undefined {
  const lead = byTime.find((i) => i.link && !i.link.startsWith(REDIRECT_PREFIX)) ?? byTime.find((i) => i.link);
  if (!lead?.link) return undefined;
  const dated = byTime.find((i) => i.dateSource === 'feed');
  return {
    title: lead.title,
    url: lead.link,
    outlets: c.outlets,
    published: dated?.publishedAt ?? lead.publishedAt,
    seen: dated === undefined,
  };
}

/** A story's reports, earliest first (a stable sort: the store's order breaks ties). */
export const inPublicationOrder = (c: ClusterView) => [...c.items].sort((a, b) => a.publishedAt.getTime() - b.publishedAt.getTime());
