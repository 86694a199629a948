import { canonicalLink, shortHash } from './canonical.js';
import type { FeedConfig } from './config.js';
import type { RawFeed } from './read.js';
import { outletOf, sameOutlet } from './outlet.js';
import { foldTokens, htmlToText, truncate, withoutTrailers } from './text.js';
import { FUTURE_TOLERANCE_MS, type FeedItem } from './types.js';

export const TITLE_MAX = 300;
export const SUMMARY_MAX = 600;
/** A character that shows: a title without one is blank, however long. */
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

/**
 * Text from a field that may be a string, a number, `{ _: text, $: attrs }` (xml2js), or an array of
 * any of these. Anything else is treated as absent.
 */
export function textOf(value: unknown, depth = 0): string | undefined {
  if (depth > 4 || value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return textOf(value[0], depth + 1);
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return textOf(
      o._ ?? o['#'] ?? o.value ?? o.href ?? (o.$ as Record<string, unknown> | undefined)?.href,
      depth + 1,
    );
  }
  return undefined;
}

const DATE_REPAIRS: ((s: string) => string)[] = [
  (s) => s,
  (s) => s.replace(/^(\d{4}-\d{2}-\d{2}) (\d)/, '$1T$2'),
  (s) => s.replace(/\s+(UT|Z)$/i, ' GMT'),
];

/**
 * What a date has: a year of four digits, or a time of day (RFC 822 allows a two-digit year). V8's
 * parser reads almost anything else as some date too: "1" as 2001-01-01, "Issue 7" as 2001-07-01.
 */
const LOOKS_DATED = /(?:^|\D)(?:1[89]|2\d)\d\d(?:\D|$)|\d:\d\d/;

export function parseDate(value: unknown): Date | undefined {
  const s = textOf(value)?.trim();
  if (!s || !LOOKS_DATED.test(s)) return undefined;
  // The usual forms parse at once; the repairs are made only when they do not.
  for (const repair of DATE_REPAIRS) {
    const ms = Date.parse(repair(s));
    if (Number.isFinite(ms)) return new Date(ms);
  }
  return undefined;
}

/** The first field that parses as a date; the rest are not read (rss-parser's isoDate is its pubDate, read already). */
function firstDate(fields: unknown[]): Date | undefined {
  for (const field of fields) {
    const date = parseDate(field);
    if (date) return date;
  }
  return undefined;
}

export interface NormaliseResult {
  items: FeedItem[];
  /** Items dropped because they had neither a title nor a summary. */
  skipped: number;
  feedTitle: string | undefined;
}

export function normaliseFeed(
  raw: RawFeed,
  feed: FeedConfig,
  fetchedUrl: string,
  now: Date,
): NormaliseResult {
  const feedTitle = textOf(raw.title) ? htmlToText(textOf(raw.title) ?? '', 80) || undefined : undefined;
  const base = canonicalLink(textOf(raw.link), fetchedUrl) ?? fetchedUrl;
  const outlet = feed.outlet ?? outletOf(feedTitle, base) ?? feed.name;
  const items: FeedItem[] = [];
  let skipped = 0;
  for (const entry of Array.isArray(raw.items) ? raw.items : []) {
    const item = normaliseItem(entry, { feed, base, now, outlet });
    if (item) items.push(item);
    else skipped++;
  }
  return { items, skipped, feedTitle };
}

interface Context {
  feed: FeedConfig;
  base: string;
  now: Date;
  /** Feeds.yaml's name for it, else one read from the feed (outlet.ts). */
  outlet: string;
}

/**
 * RSS 2.0: an item without a link is read at its guid, when that is a permalink (the default, unless
 * `isPermaLink="false"`) and an absolute http(s) URL. A guid like "123" is not resolved against the
 * feed: many feeds leave the default on ids that are no address.
 */
function permalinkGuid(entry: Record<string, unknown>): string | undefined {
  if (entry.guidIsPermaLink === false) return undefined;
  const guid = textOf(entry.guid)?.trim();
  return guid && /^https?:\/\//i.test(guid) ? canonicalLink(guid) : undefined;
}

/**
 * A summary in the same words as the headline (perhaps with the outlet's name after it) tells the
 * reader nothing more: many feeds put the title there when they have no description.
 */
function repeatsHeadline(summary: string, title: string, outlet: string | undefined): boolean {
  // Same words means about the same length: most summaries are ruled out without folding them.
  if (!summary || summary.length > title.length + (outlet?.length ?? 0) + 8) return false;
  const words = foldTokens(summary).join(' ');
  const headline = foldTokens(title).join(' ');
  return words === headline || (outlet !== undefined && words === `${headline} ${foldTokens(outlet).join(' ')}`);
}

const SEPARATOR = /\s+[-–—|]\s+/g;

/**
 * The headline without the outlet's name after it: " - Outlet" from aggregators (Google News, which
 * names the outlet in <source>, and sometimes twice), " | El Tiempo" or " – Airways Magazine" from
 * sites themselves. A digest names the outlets beside the headline already. Only a name that is
 * the item's or the feed's outlet (however spelt) goes, and never the whole headline.
 */
function withoutOutletSuffix(title: string, outlets: (string | undefined)[]): string {
  let rest = title;
  for (let i = 0; i < 2; i++) {
    // From the last separator back: the name may hold one itself ("Al-Monitor", "Noticias Caracol | Caracol TV").
    const cuts = [...rest.matchAll(SEPARATOR)].reverse();
    const cut = cuts.find((m) => {
      const name = rest.slice(m.index + m[0].length).trim();
      return outlets.some((o) => o && sameOutlet(o, name));
    });
    if (!cut) break;
    const before = rest.slice(0, cut.index).trim();
    if (foldTokens(before).length < 2) break;
    rest = before;
  }
  return rest;
}

function normaliseItem(entry: Record<string, unknown>, ctx: Context): FeedItem | undefined {
  const link = canonicalLink(textOf(entry.link), ctx.base) ?? permalinkGuid(entry);
  // The outlet is feed text like any other: invisible characters out, whitespace collapsed.
  const source = htmlToText(textOf(entry.source) ?? '', 80) || undefined;
  let title = htmlToText(textOf(entry.title) ?? '', TITLE_MAX);
  let summary = truncate(
    withoutTrailers(htmlToText(textOf(entry.summary) ?? textOf(entry.content) ?? '', Infinity)),
    SUMMARY_MAX,
  );
  title = withoutOutletSuffix(title, [source, ctx.outlet]);
  // A title of nothing but spaces and marks is none (what a link to it would show is blank).
  if (!VISIBLE.test(title)) title = truncate(summary, 120);
  else if (repeatsHeadline(summary, title, source || ctx.outlet)) summary = '';
  if (!title) return undefined;
  const dated = firstDate([entry.isoDate, entry.pubDate, entry.rawDate, entry.dcDate]);
  // A date a little ahead of our clock (a wrong time zone, a clock running fast) is read as now: a
  // story cannot have been published after we saw it, and a future date would rank first in every
  // digest. One far ahead is no date at all.
  const trusted = dated && dated.getTime() <= ctx.now.getTime() + FUTURE_TOLERANCE_MS ? new Date(Math.min(dated.getTime(), ctx.now.getTime())) : undefined;
  const guidText = (textOf(entry.guid) ?? textOf(entry.id))?.trim();
  return {
    feed: ctx.feed.name,
    guid: guidText
      ? guidText.slice(0, 500)
      : (link ?? `hash:${shortHash(title, summary, textOf(entry.pubDate) ?? '')}`),
    link,
    title,
    summary,
    outlet: source || ctx.outlet,
    language: ctx.feed.language,
    publishedAt: trusted ?? ctx.now,
    firstSeenAt: ctx.now,
    dateSource: trusted ? 'feed' : 'first-seen',
  };
}
