/**
 * A brief file's bytes as text. Editors on some systems save Latin-1 or UTF-16; read as UTF-8 those
 * show "Bogot�" or fail as "must start with '---'", so they are named as what they are instead.
 */
export interface Decoded {
  /** The text; with a problem, a best guess at it (enough to tell which topic the file names). */
  text: string;
  problem?: { line: number; message: string };
}

const SAVE_AS_UTF8 = 'save it as UTF-8';

export function decodeBrief(bytes: Uint8Array): Decoded {
  const utf16 = bytes[0] === 0xff && bytes[1] === 0xfe ? 'utf-16le' : bytes[0] === 0xfe && bytes[1] === 0xff ? 'utf-16be' : undefined;
  if (utf16) {
    const problem = { line: 1, message: `the file is saved as UTF-16, not UTF-8 text: ${SAVE_AS_UTF8}` };
    return { text: new TextDecoder(utf16).decode(bytes), problem };
  }
  const text = new TextDecoder('utf-8').decode(bytes);
  const problem = firstBadLine(bytes);
  return problem ? { text: text.replaceAll('\0', ''), problem } : { text };
}

/** The first line that is not UTF-8 text, and why. */
function firstBadLine(bytes: Uint8Array): Decoded['problem'] {
  // Line by line: CR and LF bytes never occur inside a UTF-8 character, so each line decodes alone.
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let start = 0;
  for (let line = 1; start <= bytes.length; line++) {
    const end = lineEnd(bytes, start);
    const chunk = bytes.subarray(start, end);
    if (chunk.includes(0)) {
      return { line, message: `line ${line} has a NUL byte, so the file is not UTF-8 text: remove it and ${SAVE_AS_UTF8}` };
    }
    try {
      utf8.decode(chunk);
    } catch {
      return {
        line,
        message: `the file is not saved as UTF-8 text (line ${line} has a character UTF-8 does not allow): ${SAVE_AS_UTF8}`,
      };
    }
    start = end + (bytes[end] === 0x0d && bytes[end + 1] === 0x0a ? 2 : 1);
  }
  return undefined;
}

/** Where the line starting at `from` ends: at LF, CR LF or a lone CR (old Mac files), as the parser reads them. */
function lineEnd(bytes: Uint8Array, from: number): number {
  let at = from;
  while (at < bytes.length && bytes[at] !== 0x0a && bytes[at] !== 0x0d) at++;
  return at;
}
