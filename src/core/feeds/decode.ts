import iconv from 'iconv-lite';

export interface Decoded {
  text: string;
  /** The encoding used, and where it came from: for the health table and for debugging. */
  encoding: string;
  source: 'header' | 'prolog' | 'bom' | 'default';
}

const BOMS: [bytes: number[], encoding: string][] = [
  [[0xef, 0xbb, 0xbf], 'utf-8'],
  // UTF-32's before UTF-16's: FF FE 00 00 starts with UTF-16LE's mark.
  [[0x00, 0x00, 0xfe, 0xff], 'utf-32be'],
  [[0xff, 0xfe, 0x00, 0x00], 'utf-32le'],
  [[0xff, 0xfe], 'utf-16le'],
  [[0xfe, 0xff], 'utf-16be'],
];

/**
 * Without a BOM, the opening `<` in UTF-32 or UTF-16 shows in the first bytes (XML 1.0, appendix F;
 * a document without a prolog starts `<rss`). UTF-32's first: 3C 00 00 00 starts like UTF-16LE's.
 */
const WIDE_STARTS: [bytes: number[], encoding: string][] = [
  [[0x00, 0x00, 0x00, 0x3c], 'utf-32be'],
  [[0x3c, 0x00, 0x00, 0x00], 'utf-32le'],
  [[0x00, 0x3c], 'utf-16be'],
  [[0x3c, 0x00], 'utf-16le'],
];

const startsWith = (body: Buffer, bytes: number[]) => bytes.every((b, i) => body[i] === b);

function charsetFromHeader(contentType: string | undefined): string | undefined {
  const m = contentType?.match(/charset\s*=\s*["']?([\w.:-]+)/i);
  return m?.[1];
}

/**
 * The prolog's encoding: UTF-16 or UTF-32 by the shape of its first bytes, else its `encoding`
 * read as ASCII.
 */
function charsetFromProlog(body: Buffer): string | undefined {
  const wide = WIDE_STARTS.find(([bytes]) => startsWith(body, bytes));
  if (wide) return wide[1];
  const head = body.subarray(0, 512).toString('latin1');
  const m = head.match(/^\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)["']/);
  const label = m?.[1];
  // A prolog we could read as ASCII cannot be UTF-16/32, whatever it says.
  if (label && /^(utf-?16|utf-?32|ucs-?2)/i.test(label)) return undefined;
  return label;
}

function charsetFromBom(body: Buffer): string | undefined {
  return BOMS.find(([bytes]) => startsWith(body, bytes))?.[1];
}

/** Map labels the way browsers do: ISO-8859-1 and US-ASCII mean Windows-1252 on the web. */
function normaliseLabel(label: string): string {
  const l = label.toLowerCase();
  if (l === 'iso-8859-1' || l === 'latin1' || l === 'latin-1' || l === 'us-ascii' || l === 'ascii') {
    return 'windows-1252';
  }
  return l;
}

/**
 * Bytes → text, with the charset of a BOM, else the HTTP header, else the XML prolog, else UTF-8.
 * The BOM comes first, as in browsers (WHATWG's decode): it is the file's own bytes, where a header
 * is often a server's default ("charset=ISO-8859-1") and a prolog a template's. Read the other way,
 * a UTF-8 file's BOM became "ï»¿" before its first tag, and the feed failed to parse.
 * iconv-lite does the decoding: Node 20's TextDecoder('windows-1252') decodes as Latin-1 and turns
 * curly quotes into control characters. An unknown label falls through to the next source.
 */
export function decodeFeedBody(body: Buffer, contentType?: string): Decoded {
  const candidates: [string | undefined, Decoded['source']][] = [
    [charsetFromBom(body), 'bom'],
    [charsetFromHeader(contentType), 'header'],
    [charsetFromProlog(body), 'prolog'],
  ];
  for (const [label, source] of candidates) {
    if (!label) continue;
    const encoding = normaliseLabel(label);
    if (iconv.encodingExists(encoding))
      return { text: stripBom(iconv.decode(body, encoding)), encoding, source };
  }
  return { text: stripBom(iconv.decode(body, 'utf-8')), encoding: 'utf-8', source: 'default' };
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
