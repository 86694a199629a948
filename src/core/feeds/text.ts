import { cleanText } from '../untrusted.js';
import { safeSlice } from '../text.js';
import { decodeEntities } from './entities.js';

/**
 * Plain text from feed HTML: drop scripts/styles and tags, decode entities, collapse whitespace, cap
 * the length at a word boundary. Not a sanitiser: the result is text, and each platform escapes it.
 */
export function htmlToText(html: string, maxLength: number): string {
  // Most titles are plain text: without '<' or '&' there is no markup or entity to remove.
  if (!/[<&]/.test(html)) return truncate(collapseSpace(cleanText(html)), maxLength);
  const noCdata = replaceSpans(html, /<!\[CDATA\[/g, /\]\]>/g, (inner) => inner);
  // Scripts, styles and comments read as no text at all.
  const noBlocks = replaceSpans(withoutElements(noCdata, 'script', 'style'), /<!--/g, /-->/g, () => ' ');
  // Feeds often escape their HTML twice; a second round of tags appears only after decoding.
  const text = collapseSpace(cleanText(stripTags(decodeEntities(stripTags(noBlocks)))));
  return truncate(text, maxLength);
}

/** Each list of names' opening pattern, and each name's closing one, made once. */
const OPENINGS = new Map<string, RegExp>();
const CLOSINGS = new Map<string, RegExp>();

/** `</name>`, any case, space before the `>` allowed. */
export const closingTag = (name: string): RegExp => new RegExp(`</${name.replace(/\./g, '\\.')}\\s*>`, 'gi');

function closing(name: string): RegExp {
  let re = CLOSINGS.get(name);
  if (!re) {
    re = closingTag(name);
    CLOSINGS.set(name, re);
  }
  return re;
}

/**
 * Every `<name …>…</name>` element of these names as a space (linear: replaceSpans). One pass for
 * all the names: in `<style><script></style>!</script>` the style comes first and holds the
 * `<script>` as text, so "!" is text; removing scripts first would take it.
 */
export function withoutElements(html: string, ...names: string[]): string {
  const key = names.join('|');
  let open = OPENINGS.get(key);
  if (!open) {
    open = new RegExp(`<(${key})\\b`, 'gi');
    OPENINGS.set(key, open);
  }
  return replaceSpans(html, open, (o) => closing((o[1] as string).toLowerCase()), () => ' ');
}

/** Elements that sit inside a line of text: their tags part no words ("a <b>bold</b>, then"). */
const INLINE = new Set(
  'a abbr acronym b bdi bdo big cite code data del dfn em font i ins kbd mark q s samp small span strike strong sub sup time tt u var wbr'.split(' '),
);

/**
 * Tags out. Other tags become spaces, so "<p>a</p><p>b</p>" does not read "ab"; inline ones become
 * nothing, so "a <a>link</a>, then" does not read "a link , then".
 */
export function stripTags(html: string): string {
  return replaceSpans(html, /<\/?([a-zA-Z][\w:-]*)/g, />/g, (_, tag) => (isInline(tag[1] as string) ? '' : ' '));
}

export const isInline = (tagName: string): boolean => INLINE.has(tagName.toLowerCase());

/**
 * Each span from a match of `open` to the next match of `close`, replaced by `span(inner, opening)`;
 * the text between spans by `between(part)`. `open` and `close` are global regexes; `close` may depend
 * on the opening (an element's name). Linear, where a lazy regex (`/<!--[\s\S]*?-->/g`) rescans the
 * rest of the text from every open that is never closed: 20,000 unclosed `<x ` took 7 s (hostile
 * feed text), and a whole document can hold millions.
 */
export function replaceSpans(
  text: string,
  open: RegExp,
  close: RegExp | ((opening: RegExpExecArray) => RegExp),
  span: (inner: string, opening: RegExpExecArray) => string,
  between: (part: string) => string = (part) => part,
): string {
  // A closing pattern not found after one opening is found after no later one: never search again.
  let unclosed: Set<RegExp> | undefined;
  let out = '';
  let at = 0;
  let from = 0;
  for (;;) {
    open.lastIndex = from;
    const o = open.exec(text);
    if (!o) break;
    from = o.index + o[0].length;
    const closer = typeof close === 'function' ? close(o) : close;
    if (unclosed?.has(closer)) continue;
    closer.lastIndex = from;
    const c = closer.exec(text);
    if (!c) {
      if (closer === close) break;
      unclosed ??= new Set();
      unclosed.add(closer);
      continue;
    }
    out += between(text.slice(at, o.index)) + span(text.slice(from, c.index), o);
    at = from = c.index + c[0].length;
  }
  return at === 0 ? between(text) : out + between(text.slice(at));
}

/**
 * Every run of whitespace as one space, trimmed. Matching only what changes (runs of two, or one
 * tab, newline or other space) leaves a plain sentence's single spaces alone: `/\s+/g` rewrote each
 * of them, ~1.5 µs a headline, twice an item.
 */
export function collapseSpace(text: string): string {
  return text.replace(/\s{2,}|[^\S ]/g, ' ').trim();
}

/**
 * What a site appends to every summary, saying nothing about the story (and naming the site, which
 * the topics' rules could match): WordPress's "The post X appeared first on Y." ("La entrada X se
 * publicó primero en Y."), Slashdot's "Read more of this story at Slashdot.", a "Continue reading..."
 * link (The Guardian), "[read more]".
 */
const SITE_TRAILERS: [string, RegExp][] = [
  ['The post ', /^The post .{1,400}? appeared first on [^,;]{1,80}\.$/],
  ['La entrada ', /^La entrada .{1,400}? se publicó primero en [^,;]{1,80}\.$/],
  ['Read more of this story at ', /^Read more of this story at [^,;]{1,80}\.$/],
  ['This story continues at ', /^This story continues at .{1,100}$/],
];
/** After a sentence in any case, or capitalised with an ellipsis or arrow (a link after a standfirst). */
const READ_ON = [
  /(?:(?<=[.!?…"”’)\]])\s+|^)\[?(?:continue reading|read more|keep reading|seguir leyendo|sigue leyendo|continuar leyendo|leer más|lea más)(?: on| here)?\s*(?:\.{3}|…|»|→|›)?\s*\]?$/i,
  /\s+\[?(?:Continue reading|Read more|Keep reading|Seguir leyendo|Sigue leyendo|Continuar leyendo|Leer más|Lea más)(?: on| here)?\s*(?:\.{3}|…|»|→|›)\s*\]?$/,
];
const READ_ON_WORD = /reading|more|leyendo|más/i;
/** "[…]" or "[...]": where the site cut its excerpt. */
const CUT = /\s*\[(?:…|\.{3})\]$/;

/** The text without those trailers, and with a cut excerpt's "[…]" as "…". */
export function withoutTrailers(text: string): string {
  let out = text;
  for (const [opening, trailer] of SITE_TRAILERS) {
    // Only the end of a long text (a whole article, for some feeds) is searched.
    const from = Math.max(0, out.length - 800);
    const at = out.indexOf(opening, from) < 0 ? -1 : out.lastIndexOf(opening);
    // Its own paragraph: at the start, or after a sentence (a tag became a space).
    if (at >= 0 && /(?:^|[.!?…"”’)\]]\s*)$/.test(out.slice(Math.max(0, at - 3), at)) && trailer.test(out.slice(at))) {
      out = out.slice(0, at).trimEnd();
    }
  }
  // Most summaries end in none of these words: only those are searched.
  if (READ_ON_WORD.test(out.slice(-40))) {
    const more = READ_ON.map((r) => r.exec(out)).find((m) => m !== null);
    if (more) out = out.slice(0, more.index).trimEnd();
  }
  // "screencast. […]" reads "screencast. …", "to buy […]" reads "to buy…". (The regex only for a
  // text that ends in "]": run on every summary it cost more than the rest of this together.)
  if (!out.endsWith(']')) return out;
  return out.replace(CUT, (_, at: number) => (/[.!?]$/.test(out.slice(0, at)) ? ' …' : '…'));
}

export function truncate(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  const cut = safeSlice(text, maxLength - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > maxLength * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

const NON_ASCII = /[^\x00-\x7f]/;

/** Whether text is all ASCII: folded, its words are then runs of [a-z0-9], and cheaper to match. */
export const isAscii = (text: string): boolean => !NON_ASCII.test(text);

/**
 * Lowercase and accent-free: "Bogotá's NATO-partner" → "bogota's nato-partner", and whether the
 * result is all ASCII (its words are then runs of [a-z0-9]). Words are the runs of letters and
 * digits in it (`foldTokens`).
 */
export function fold(text: string): { folded: string; ascii: boolean } {
  // Most headlines are ASCII: the same text without Unicode normalisation, and one scan, not two.
  if (isAscii(text)) return { folded: text.toLowerCase(), ascii: true };
  const folded = text.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();
  return { folded, ascii: isAscii(folded) };
}

/**
 * Lowercase, accent-free word tokens: "Bogotá's NATO-partner" → ["bogota", "s", "nato", "partner"].
 * Tagging and clustering both compare text in this form, so terms and items fold the same way.
 */
export function foldTokens(text: string): string[] {
  const { folded, ascii } = fold(text);
  return folded.split(ascii ? /[^a-z0-9]+/ : /[^\p{L}\p{N}]+/u).filter((t) => t.length > 0);
}
