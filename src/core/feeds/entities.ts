/**
 * HTML named entities that feeds use without declaring them (HTML 4's Latin-1 set plus typographic
 * punctuation). XML knows only five, so `&nbsp;` or `&eacute;` in a feed is a fatal error for a strict
 * XML parser; we rewrite them as numeric references before a retry, and decode them in summaries.
 * Written as name:codepoint pairs to stay compact.
 */
const TABLE = `
  Aacute:193 aacute:225 Acirc:194 acirc:226 acute:180 AElig:198 aelig:230 Agrave:192 agrave:224 AMP:38
  Aring:197 aring:229 Atilde:195 atilde:227 Auml:196 auml:228 brvbar:166 Ccedil:199 ccedil:231
  cedil:184 cent:162 copy:169 COPY:169 curren:164 deg:176 divide:247 Eacute:201 eacute:233 Ecirc:202
  ecirc:234 Egrave:200 egrave:232 ETH:208 eth:240 Euml:203 euml:235 frac12:189 frac14:188 frac34:190
  GT:62 Iacute:205 iacute:237 Icirc:206 icirc:238 iexcl:161 Igrave:204 igrave:236 iquest:191 Iuml:207
  iuml:239 laquo:171 LT:60 macr:175 micro:181 middot:183 nbsp:160 not:172 Ntilde:209 ntilde:241
  Oacute:211 oacute:243 Ocirc:212 ocirc:244 Ograve:210 ograve:242 ordf:170 ordm:186 Oslash:216
  oslash:248 Otilde:213 otilde:245 Ouml:214 ouml:246 para:182 plusmn:177 pound:163 QUOT:34 raquo:187
  reg:174 REG:174 sect:167 shy:173 sup1:185 sup2:178 sup3:179 szlig:223 THORN:222 thorn:254 times:215
  Uacute:218 uacute:250 Ucirc:219 ucirc:251 Ugrave:217 ugrave:249 uml:168 Uuml:220 uuml:252 Yacute:221
  yacute:253 yen:165 yuml:255 OElig:338 oelig:339 Scaron:352 scaron:353 Yuml:376 fnof:402 circ:710
  tilde:732 ensp:8194 emsp:8195 thinsp:8201 zwnj:8204 zwj:8205 lrm:8206 rlm:8207 ndash:8211 mdash:8212
  lsquo:8216 rsquo:8217 sbquo:8218 ldquo:8220 rdquo:8221 bdquo:8222 dagger:8224 Dagger:8225 bull:8226
  hellip:8230 permil:8240 prime:8242 Prime:8243 lsaquo:8249 rsaquo:8250 oline:8254 frasl:8260 euro:8364
  trade:8482 larr:8592 uarr:8593 rarr:8594 darr:8595 harr:8596 minus:8722 hearts:9829 spades:9824
  clubs:9827 diams:9830
`;

export const HTML_ENTITIES: ReadonlyMap<string, number> = new Map(
  TABLE.trim()
    .split(/\s+/)
    .map((pair) => {
      const [name, code] = pair.split(':');
      return [name ?? '', Number(code)] as const;
    }),
);

const XML_BUILTIN = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);

/** `&eacute;` → `&#233;` for every known HTML entity; XML's own five and unknown names stay as they are. */
export function htmlEntitiesToNumeric(xml: string): string {
  return xml.replace(/&([A-Za-z][A-Za-z0-9]{1,8});/g, (whole, name: string) => {
    if (XML_BUILTIN.has(name)) return whole;
    const code = HTML_ENTITIES.get(name);
    return code === undefined ? whole : `&#${code};`;
  });
}

/** Decode named (HTML + XML) and numeric character references in text. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]{1,8});/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code =
        ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)
        ? String.fromCodePoint(code)
        : ' ';
    }
    const builtin = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[ref];
    if (builtin) return builtin;
    const code = HTML_ENTITIES.get(ref);
    return code === undefined ? whole : String.fromCodePoint(code);
  });
}
