import Parser from 'rss-parser';
import { asFeedError, FeedError } from './errors.js';
import { parseJsonFeed } from './json-feed.js';
import { replaceSpans, stripTags, withoutElements } from './text.js';
import { nakedMarkupAsCdata, repairXml, upToBreak, xhtmlAsHtml } from './xml-rewrite.js';

/** What a parser hands on: untyped fields, because feeds put anything anywhere. normalise.ts guards them. */
export interface RawFeed {
  title: unknown;
  link: unknown;
  items: Record<string, unknown>[];
  /** The document broke (cut off, or malformed) after these items: why, and where it was cut. */
  cutShort?: string;
}

type Entry = Record<string, unknown>;
type Builders = {
  parseItemAtom(entry: Entry): Entry;
  buildAtomFeed(xml: Entry): Entry;
  buildRSS2(xml: Entry): Entry;
  buildRSS1(xml: Entry): Entry;
  buildRSS0_9(xml: Entry): Entry;
};
const base = Parser.prototype as unknown as Builders;

/** Atom `<link>`s that have attributes: one without (`<link/>`) made rss-parser throw, losing the feed. */
function linksWithAttributes(node: Entry): Entry {
  return Array.isArray(node.link) ? { ...node, link: node.link.filter((l) => typeof (l as Entry | null)?.$ === 'object') } : node;
}

/** The root element's `<channel>`, which rss-parser reads without looking: without it, say so. */
function withChannel(xml: Entry, root: string, build: (xml: Entry) => Entry): Entry {
  const channel = (xml[root] as Entry | undefined)?.channel;
  if (!Array.isArray(channel) || channel[0] === undefined) {
    throw new FeedError('not-a-feed', `<${root}> without a <channel>: no feed to read`);
  }
  return build(xml);
}

/**
 * rss-parser loses a whole feed to one malformed part: an Atom date or a `<link/>` without an
 * address in one entry, or a document without its `<channel>` (a TypeError). This keeps the
 * entries (with a bad date kept raw) and names what is missing.
 */
class SafeParser extends Parser {
  parseItemAtom(raw: Entry): Entry {
    const entry = linksWithAttributes(raw);
    try {
      return base.parseItemAtom.call(this, entry);
    } catch {
      const published = entry.published as unknown[] | undefined;
      const updated = entry.updated as unknown[] | undefined;
      const date = published?.[0] ?? updated?.[0];
      const { published: _p, updated: _u, ...rest } = entry;
      const item = base.parseItemAtom.call(this, rest);
      item.rawDate = typeof date === 'string' ? date : undefined;
      return item;
    }
  }

  buildAtomFeed(xml: Entry): Entry {
    return base.buildAtomFeed.call(this, { ...xml, feed: linksWithAttributes(xml.feed as Entry) });
  }

  buildRSS2(xml: Entry): Entry {
    return withChannel(xml, 'rss', (x) => base.buildRSS2.call(this, x));
  }

  buildRSS0_9(xml: Entry): Entry {
    return withChannel(xml, 'rss', (x) => base.buildRSS0_9.call(this, x));
  }

  buildRSS1(xml: Entry): Entry {
    return withChannel(xml, 'rdf:RDF', (x) => base.buildRSS1.call(this, x));
  }
}

// The guid again as xml2js read it (`keepArray` keeps its attributes): rss-parser drops isPermaLink.
const OPTIONS = {
  defaultRSS: 2,
  customFields: {
    item: [
      ['source', 'source'],
      ['dc:date', 'dcDate'],
      ['guid', 'guidNode', { keepArray: true }],
      ['title', 'titleNode', { keepArray: true }],
      ['description', 'descriptionNode', { keepArray: true }],
    ],
  },
};
const KEEP = ['title', 'link', 'guid', 'id', 'pubDate', 'isoDate', 'rawDate', 'dcDate', 'content', 'summary', 'source'];

/** `<guid isPermaLink="false">`: the guid is only an identifier, not where the item can be read. */
function notPermaLink(node: unknown): boolean {
  const attrs = Array.isArray(node) ? (node[0] as { $?: { isPermaLink?: unknown } } | undefined)?.$ : undefined;
  return typeof attrs?.isPermaLink === 'string' && attrs.isPermaLink.trim().toLowerCase() === 'false';
}

/**
 * A description that is nothing but links (and Google News's `<font>` outlet labels): an
 * aggregator's list of who carried the story (Google News: the headline again, or an `<ol>` of other
 * outlets' headlines). Read as text it is a jumble of headlines and outlet names, not a summary.
 */
function onlyLinks(html: string): boolean {
  if (!/<a\b/i.test(html)) return false;
  return stripTags(withoutElements(html, 'a', 'font')).replace(/&nbsp;|&#160;|\s/g, '') === '';
}

/**
 * Only the fields normalisation reads, and one summary: the content (HTML), else an Atom summary.
 * Not rss-parser's `contentSnippet`: its pattern for block tags runs on past a tag that ends a line,
 * to the next tag that does not, and drops the words between (in the corpus, 117 of 3,114 items with
 * HTML lost three words or more: "Yesterday made the latest casualty to but he's far…").
 */
function rawFeed(feed: Entry): RawFeed {
  const items = (Array.isArray(feed.items) ? (feed.items as Entry[]) : []).map((it) => {
    const out: Entry = {};
    for (const k of KEEP) if (it[k] !== undefined) out[k] = it[k];
    if (notPermaLink(it.guidNode)) out.guidIsPermaLink = false;
    if (typeof out.content === 'string' && onlyLinks(out.content)) delete out.content;
    else if (typeof out.content === 'string' && /<fig/i.test(out.content)) {
      // An image's caption and credit ("Illustration by … / The Verge") is not the story's first words.
      out.content = withoutElements(out.content, 'figure', 'figcaption');
    }
    if (typeof out.content === 'string') delete out.summary;
    return out;
  });
  return { title: feed.title, link: feed.link, items };
}

/** Atom's namespaces (1.0 and 0.3), RSS 2.0's old ones, and RSS 1.0's (under an `<rdf:RDF>` root). */
const FEED_NAMESPACES = new Set([
  'http://www.w3.org/2005/Atom',
  'http://purl.org/atom/ns#',
  'http://backend.userland.com/rss2',
  'http://blogs.law.harvard.edu/tech/rss',
  'http://purl.org/rss/1.0/',
]);

/**
 * The prefix a feed gives its own elements: `<atom:feed xmlns:atom="http://www.w3.org/2005/Atom">`,
 * `<r:rss xmlns:r="…">`, or `<rdf:RDF xmlns:rss="http://purl.org/rss/1.0/"><rss:channel>`. Valid
 * XML, and a conformance test for aggregators, but rss-parser looks for `feed`, `rss` and `channel`
 * by name and refused these as "not a feed".
 */
function feedPrefix(text: string): string | undefined {
  const head = text.slice(0, 4096);
  const root = /<(rdf:RDF|([A-Za-z_][\w.-]*):(?:feed|rss))\b([^>]*)>/.exec(head);
  if (!root || /<(?:rss|feed)\b/.test(head.slice(0, root.index))) return undefined;
  for (const [, prefix, namespace] of (root[3] as string).matchAll(/\bxmlns:([A-Za-z_][\w.-]*)\s*=\s*["']\s*([^"'\s]*)/g)) {
    if ((root[2] === undefined || root[2] === prefix) && FEED_NAMESPACES.has(namespace as string)) return prefix;
  }
  return undefined;
}

/** The options for one document: a feed's own prefix is dropped from its element and attribute names. */
function optionsFor(text: string): typeof OPTIONS & { xml2js?: object } {
  const prefix = feedPrefix(text);
  if (prefix === undefined) return OPTIONS;
  const own = `${prefix}:`;
  const unprefixed = (name: string) => (name.startsWith(own) ? name.slice(own.length) : name);
  return { ...OPTIONS, xml2js: { tagNameProcessors: [unprefixed], attrNameProcessors: [unprefixed] } };
}

/** xml2js's node of an element with child elements, which it keeps apart from the element's text. */
function hasChildren(nodes: unknown): boolean {
  const node: unknown = Array.isArray(nodes) ? nodes[0] : undefined;
  return typeof node === 'object' && node !== null && Object.keys(node).some((k) => k !== '_' && k !== '$');
}

const hasNakedMarkup = (feed: Entry) =>
  Array.isArray(feed.items) && (feed.items as Entry[]).some((it) => hasChildren(it.titleNode) || hasChildren(it.descriptionNode));

async function parseXml(text: string, rewritten = false): Promise<RawFeed> {
  try {
    // A parser a document (~30 µs): one rss-parser keeps one xml2js parser, and a document that ends
    // mid-tag leaves it in a state that changes how the next document reads (tests/feeds-parse.test.ts).
    const feed = (await new SafeParser(optionsFor(text)).parseString(text)) as Entry;
    // Rare (0.7 % of the corpus's RSS items), so read again only when it is there.
    if (!rewritten && hasNakedMarkup(feed)) return await parseXml(nakedMarkupAsCdata(text), true);
    return rawFeed(feed);
  } catch (err) {
    if (err instanceof FeedError) throw err;
    // Reading recurses once per nested element: tens of thousands of them overflow the stack.
    if (err instanceof RangeError && /call stack/i.test(err.message)) {
      throw new FeedError('parse', 'elements nested too deeply to read');
    }
    const message = asFeedError(err).message;
    if (/not recognized as RSS|Unable to parse XML/i.test(message)) {
      throw new FeedError('not-a-feed', `not an RSS/Atom document (${message})`);
    }
    throw new FeedError('parse', `malformed XML: ${message.split('\n').join('; ')}`);
  }
}

/**
 * One feed document, RSS, Atom, RDF or JSON Feed, as raw fields. Synchronous at heart and
 * unbounded in time on hostile input: run it in the parse worker (parse.ts), never on the main thread.
 */
export async function readFeedDocument(text: string): Promise<RawFeed> {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) return parseJsonFeed(trimmed);
  // xml2js never calls back on a document without elements; say so instead of waiting for the time limit.
  if (!/<[A-Za-z]/.test(replaceSpans(trimmed, /<!--/g, /-->/g, () => ''))) {
    throw new FeedError('not-a-feed', 'empty document (no elements)');
  }
  const xml = xhtmlAsHtml(text);
  try {
    return await parseXml(xml);
  } catch (err) {
    if (!(err instanceof FeedError) || err.code !== 'parse') throw err;
    // Second chance for the commonest real-world faults; the first error is the one reported.
    const repaired = repairXml(xml);
    let last: unknown = err;
    if (repaired !== xml) {
      try {
        return await parseXml(repaired);
      } catch (again) {
        last = again;
      }
    }
    // Last, the items before the break: a feed cut off by its server (a PHP error halfway through the
    // output) or broken in one item keeps the ones it sent whole, and says where it broke.
    if (!(last instanceof FeedError)) throw err;
    const upTo = upToBreak(repaired, last.message);
    const salvaged = upTo && (await parseXml(upTo).catch(() => undefined));
    if (!salvaged || salvaged.items.length === 0) throw err;
    // The error where it broke (after a repair, the repaired text's), which is where it was cut.
    const n = salvaged.items.length;
    return { ...salvaged, cutShort: `${last.message}; read the ${n === 1 ? 'one item' : `${n} items`} before it` };
  }
}
