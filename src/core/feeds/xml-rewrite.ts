import { htmlEntitiesToNumeric } from './entities.js';
import { closingTag, replaceSpans } from './text.js';

// Rewrites of a feed document's text that let rss-parser read what the feed meant (or, when nothing
// does, the part of it before the break). Each is linear, however hostile the text.

/** A closing pattern that is never found: replaceSpans then passes over the opening. */
const NEVER = /(?!)/g;

/** Text as one CDATA section (a `]]>` in it split across two). */
const asCdata = (text: string) => `<![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;

const RSS_TEXT = /<(title|description)\b([^<>]*)>/g;
const RSS_TEXT_CLOSE: Record<string, RegExp> = { title: closingTag('title'), description: closingTag('description') };

/**
 * RSS titles and descriptions whose markup was left unescaped, as CDATA: read as XML, "Foo <b>bar</b>
 * baz" kept "Foo  baz" (rss-parser takes the text and leaves the child elements).
 */
export function nakedMarkupAsCdata(text: string): string {
  return replaceSpans(
    text,
    RSS_TEXT,
    (o) => ((o[2] as string).endsWith('/') ? NEVER : (RSS_TEXT_CLOSE[o[1] as string] as RegExp)),
    (inner, o) => {
      const naked = /<[A-Za-z]/.test(replaceSpans(inner, /<!\[CDATA\[/g, /\]\]>/g, () => ''));
      return `<${o[1]}${o[2]}>${naked ? asCdata(inner) : inner}</${o[1]}>`;
    },
  );
}

/** An Atom text construct's opening tag (its attributes are read apart: one regex for both backtracked). */
const TEXT_CONSTRUCT = /<((?:[A-Za-z_][\w.-]*:)?(?:title|subtitle|summary|content|rights))\b([^<>]*)>/g;
const XHTML_TYPE = /\btype\s*=\s*(["'])xhtml\1/;

/**
 * XHTML content as the HTML it is, in CDATA. xml2js keeps an element's text apart from its child
 * elements, so read as XML every linked or emphasised word moved to the end ("Take , for instance
 * … Right?Charlie Blackmon", in FeedBurner's and TypePad's feeds): read as HTML it stays in place.
 */
export function xhtmlAsHtml(text: string): string {
  if (!/type\s*=\s*["']xhtml["']/.test(text)) return text;
  const closers = new Map<string, RegExp>();
  const closer = (name: string) => closers.get(name) ?? closers.set(name, closingTag(name)).get(name)!;
  return replaceSpans(
    text,
    TEXT_CONSTRUCT,
    (o) => (XHTML_TYPE.test(o[2] as string) && !(o[2] as string).endsWith('/') ? closer(o[1] as string) : NEVER),
    (inner, o) => `<${o[1]}${(o[2] as string).replace(XHTML_TYPE, 'type="html"')}>${asCdata(inner)}</${o[1]}>`,
  );
}

/** An `&` that starts no reference XML knows: "AT&T", "Q & A", `?a=1&b=2`, an undeclared `&foo;`. */
const STRAY_AMPERSAND = /&(?!#[0-9]+;|#x[0-9a-fA-F]+;|(?:amp|lt|gt|quot|apos);)/g;

/**
 * Whitespace before `<?xml`, HTML entities (`&nbsp;`) that XML does not define, and stray `&`s
 * (escaped, so they read as the `&` they meant). CDATA sections are left as they are: an `&` there
 * is already text.
 */
export function repairXml(text: string): string {
  return replaceSpans(
    text.replace(/^\s+(?=<)/, ''),
    /<!\[CDATA\[/g,
    /\]\]>/g,
    (inner) => `<![CDATA[${inner}]]>`,
    (part) => htmlEntitiesToNumeric(part).replace(STRAY_AMPERSAND, '&amp;'),
  );
}

/**
 * The document up to the last whole item before where the parser stopped (sax says "Line: n;
 * Column: m"), closed as its root needs. Undefined when no whole item comes before the break.
 */
export function upToBreak(text: string, error: string): string | undefined {
  const root = /<(rss|rdf:RDF|feed)\b/.exec(text);
  const where = /Line: (\d+); Column: (\d+)/.exec(error);
  if (!root || !where) return undefined;
  let at = 0;
  for (let line = Number(where[1]); line > 0; line--) {
    const newline = text.indexOf('\n', at);
    if (newline < 0) return undefined;
    at = newline + 1;
  }
  const close = root[1] === 'feed' ? '</entry>' : '</item>';
  // sax's column is just past the character it stopped at: a close ending there is the broken item's.
  const end = text.lastIndexOf(close, at + Number(where[2]) - close.length - 1);
  if (end < root.index) return undefined;
  const tail = root[1] === 'rss' ? '</channel></rss>' : root[1] === 'feed' ? '</feed>' : '</rdf:RDF>';
  return text.slice(0, end + close.length) + tail;
}
