import iconv from 'iconv-lite';

export interface Decoded {
  text: string;
  /** The encoding used, and where it came from: for the health table and for debugging. */
  encoding: string;
  source: 'header' | 'prolog' | 'bom' | 'default';
}

const BOMS: [bytes: number[], encoding: string][] = [
  [[0xef, 0xbb, 0xbf], 'utf-8'],
  [[0xff, 0xfe], 'utf-16le'],
  [[0xfe, 0xff], 'utf-16be'],
];

function charsetFromHeader(contentType: string | undefined): string | undefined {
  const m = contentType?.match(/charset\s*=\s*["']?([\w.:-]+)/i);
  return m?.[1];
}

/** The prolog's encoding, read as ASCII: a UTF-16 document has no readable prolog and falls to its BOM. */
function charsetFromProlog(body: Buffer): string | undefined {
  const head = body.subarray(0, 512).toString('latin1');
  const m = head.match(/^(?:\ufeff|\u00ef\u00bb\u00bf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)["']/);
  const label = m?.[1];
  // A prolog we could read as ASCII cannot be UTF-16/32, whatever it says.
  if (label && /^(utf-?16|utf-?32|ucs-?2)/i.test(label)) return undefined;
  return label;
}

function charsetFromBom(body: Buffer): string | undefined {
  for (const [bytes, encoding] of BOMS) {
    if (bytes.every((b, i) => body[i] === b)) return encoding;
  }
  return undefined;
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
 * Bytes → text, with the charset from the HTTP header, else the XML prolog, else a BOM, else UTF-8.
 * iconv-lite does the decoding: Node 20's TextDecoder('windows-1252') decodes as Latin-1 and turns
 * curly quotes into control characters. An unknown label falls through to the next source.
 */
export function decodeFeedBody(body: Buffer, contentType?: string): Decoded {
  const candidates: [string | undefined, Decoded['source']][] = [
    [charsetFromHeader(contentType), 'header'],
    [charsetFromProlog(body), 'prolog'],
    [charsetFromBom(body), 'bom'],
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
