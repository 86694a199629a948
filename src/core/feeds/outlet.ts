import { foldTokens } from './text.js';

/** Second-level labels under which sites register (www.bbc.co.uk is "bbc", not "co"). */
const UNDER_COUNTRY = new Set(['co', 'com', 'org', 'net', 'gov', 'gob', 'ac', 'edu']);

/** The name a site registered: "bbc" for www.bbc.co.uk, "nytimes" for www.nytimes.com. */
function siteLabel(host: string): string {
  const labels = host.split('.');
  const country = labels.length > 2 && (labels.at(-1)?.length ?? 0) === 2 && UNDER_COUNTRY.has(labels.at(-2) ?? '');
  return labels.at(country ? -3 : -2) ?? host;
}

const compact = (text: string) => foldTokens(text).join('');
const initials = (text: string) => foldTokens(text).map((w) => w[0]).join('');

/**
 * A feed's outlet when feeds.yaml names none and its items carry no `<source>`: the part of the
 * feed's title that names the site ("BBC News" of "BBC News - World", "Sky News" of "The Latest
 * News from the UK and Around the World | Sky News", "NYT" of "NYT > Top Stories"), a short title
 * as it is, else the site's host ("telegraph.co.uk" rather than a tagline of 76 characters).
 */
export function outletOf(feedTitle: string | undefined, siteUrl: string): string | undefined {
  let host: string;
  try {
    host = new URL(siteUrl).hostname.replace(/^www\./, '');
  } catch {
    return feedTitle;
  }
  if (!feedTitle) return host || undefined;
  const label = siteLabel(host);
  const parts = feedTitle.split(/\s+[|>–—-]\s+|:\s+/).map((p) => p.trim()).filter((p) => p.length > 0);
  const names = parts.find((p) => {
    const c = compact(p);
    return c === label || initials(p) === label || (label.length >= 3 && c.includes(label)) || (c.length >= 3 && label.includes(c));
  });
  if (names && names.length <= 40) return names;
  if (parts.length === 1 && feedTitle.length <= 40) return feedTitle;
  if (parts.length > 1 && (parts[0]?.length ?? 41) <= 40) return parts[0];
  return host;
}

/**
 * One outlet however a feed spells it: "EL PAÍS" in an aggregator's `<source>` and "El País" in
 * feeds.yaml counted twice, and a story with one outlet outranked those with two.
 */
export const sameOutlet = (a: string, b: string) => a === b || compact(a) === compact(b);

/** Outlets in order, each once (the first spelling met). */
export function distinctOutlets(outlets: Iterable<string>): string[] {
  const out: string[] = [];
  for (const o of outlets) if (!out.some((seen) => sameOutlet(seen, o))) out.push(o);
  return out;
}
