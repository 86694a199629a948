import { createHash } from 'node:crypto';

/** Query parameters that only track where a click came from. */
const TRACKING = /^(utm_[a-z_]+|fbclid|gclid|mc_cid|mc_eid|ocid|cmpid|at_medium|at_campaign)$/i;

/**
 * One spelling per article: absolute http(s), no fragment, no tracking parameters, lowercase host,
 * no default port. Relative links resolve against the feed's URL. Anything else is not a link.
 */
export function canonicalLink(raw: string | undefined, base?: string): string | undefined {
  if (!raw) return undefined;
  const trimmed = raw.trim();
  // One parse, not URL.canParse and then another; an item's link is read once per poll.
  let url: URL;
  try {
    url = new URL(trimmed, base);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  // `https://www.bbc.co.uk@evil.example/` goes to evil.example: a user name only disguises the host.
  if (url.username || url.password) {
    url.username = '';
    url.password = '';
  }
  // Only the link's own text brings a fragment (a base's is never inherited); most links have none,
  // nor a query, and each setter or searchParams walk reserialises the URL.
  if (trimmed.includes('#')) url.hash = '';
  if (url.search) for (const key of [...url.searchParams.keys()]) if (TRACKING.test(key)) url.searchParams.delete(key);
  // URLSearchParams re-encodes the query; keep the original when nothing was removed.
  return url.href.replace(/\?$/, '');
}

/**
 * Links that only redirect to an outlet's article (Google News's): a story is shown by a report
 * with the outlet's own link when it has one, so a reader sees and reaches the outlet directly.
 */
export const REDIRECT_PREFIX = 'https://news.google.com/';

export function shortHash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 24);
}
