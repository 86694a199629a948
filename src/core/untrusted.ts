/**
 * Text and links we did not write (feed items; brief text too) made safe to hand to a renderer.
 * Platform-free: the renderers escape for their platform after this, the feed normaliser cleans
 * items with it before they are stored. docs/SECURITY.md explains each choice.
 */

/**
 * Characters that draw nothing but change how text reads, joins or is displayed:
 * C0/C1 controls except tab, newline and carriage return (a terminal obeys ANSI escapes);
 * soft hyphen; Arabic letter mark; Mongolian vowel separator; zero-width space, non-joiner and
 * joiner; left-to-right and right-to-left marks; bidi embeddings, overrides and isolates (text that
 * reads backwards); word joiner and invisible operators; byte-order mark; interlinear annotation
 * marks; tag characters (invisible ASCII look-alikes); and the blank "letters" that pass for a
 * name or headline that is not there: combining grapheme joiner, Hangul fillers, Mongolian free
 * variation selectors, the blank braille pattern. (The combining ones stand outside the class: in
 * it, one would read as a mark on the character before.)
 */
const INVISIBLE =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u061c\u115f\u180e\u200b-\u200f\u2800\u3164\uffa0\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\u{e0000}-\u{e007f}]|\u034f|\u1160|[\u180b-\u180f]/gu;

/** Unicode line and paragraph separators: a line break to some renderers, so one to us. */
const SEPARATORS = /[\u2028\u2029]/g;

/**
 * Untrusted text with every invisible character removed. Look-alikes (fullwidth ＠ ＜ ＞) are kept:
 * no platform gives them meaning, and folding them (NFKC) would change legitimate text.
 */
export function cleanText(text: string): string {
  return text.replace(INVISIBLE, '').replace(SEPARATORS, '\n');
}

/**
 * Only absolute http(s) URLs are ever rendered as links: never javascript:, data:, file: or a
 * relative path, and never a string the URL parser would first have to trim.
 */
export function isWebUrl(url: string): boolean {
  if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) return false;
  return new URL(url).hostname.length > 0;
}

/**
 * A URL as printable ASCII, the way a renderer writes a link target: spaces, controls, invisible
 * and non-ASCII characters percent-encoded (UTF-8; a lone surrogate as U+FFFD). Otherwise unchanged.
 */
export function printableUrl(url: string): string {
  return url.replace(/[^\x21-\x7e]/gu, (c) => {
    try {
      return encodeURIComponent(c);
    } catch {
      return '%EF%BF%BD';
    }
  });
}
