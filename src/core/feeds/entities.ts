import { decodeHTMLStrict } from 'entities';

const XML_BUILTIN = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);

/**
 * `&eacute;` → `&#233;` for every HTML entity; XML's own five and unknown names stay as they are.
 * Feeds use HTML's entities without declaring them, and XML knows only five, so `&nbsp;` or
 * `&eacute;` is a fatal error for a strict XML parser: this rewrites them before a retry.
 */
export function htmlEntitiesToNumeric(xml: string): string {
  return xml.replace(/&([A-Za-z][A-Za-z0-9]{1,31});/g, (whole, name: string) => {
    if (XML_BUILTIN.has(name)) return whole;
    const text = decodeHTMLStrict(whole);
    return text === whole ? whole : Array.from(text, (c) => `&#${c.codePointAt(0)};`).join('');
  });
}

/**
 * Named (all of HTML's 2,231) and numeric character references in text, decoded as a browser does
 * (`&#150;` is the en dash Windows-1252 puts there), but only with their semicolon: a browser also
 * reads "?a=1&region=es" as "?a=1®ion=es", and feeds leave such `&`s unescaped. A table of our own
 * had the commonest 130 names: `&infin;` and `&check;` came through as written.
 */
export const decodeEntities = (text: string): string => (text.includes('&') ? decodeHTMLStrict(text) : text);
