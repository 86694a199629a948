/** Plain-text helpers shared by every renderer. */

const ELLIPSIS = '…';

/**
 * Cut `text` to at most `max` characters, preferring the end of a sentence, then a word boundary.
 * Counts UTF-16 code units, as Discord and Slack do.
 */
export function trimAtSentence(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return ELLIPSIS.slice(0, max);
  const room = text.slice(0, max - 1);
  const sentenceEnd = Math.max(room.lastIndexOf('. '), room.lastIndexOf('! '), room.lastIndexOf('? '));
  if (sentenceEnd >= max * 0.5) return `${room.slice(0, sentenceEnd + 1)} ${ELLIPSIS}`.slice(0, max);
  const lineEnd = room.lastIndexOf('\n');
  if (lineEnd >= max * 0.5) return `${room.slice(0, lineEnd)}\n${ELLIPSIS}`;
  const space = room.lastIndexOf(' ');
  const cut = space >= max * 0.5 ? room.slice(0, space) : safeSlice(room, max - 1);
  return `${cut}${ELLIPSIS}`;
}

/** Slice without splitting a surrogate pair. */
export function safeSlice(text: string, end: number): string {
  if (end <= 0) return '';
  const code = text.charCodeAt(end - 1);
  return code >= 0xd800 && code <= 0xdbff ? text.slice(0, end - 1) : text.slice(0, end);
}

export function daysBetween(from: Date, to: Date): number {
  const day = 86_400_000;
  const a = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
  const b = Date.UTC(to.getUTCFullYear(), to.getUTCMonth(), to.getUTCDate());
  return Math.round((b - a) / day);
}

/**
 * Join `lines` under `max` characters. When they do not all fit, keep whole lines while they do and
 * end with `more` (so the reader knows where the rest is). A line is never cut: its sources' links
 * come at its end, and a fact cut short would lose them (or show half a link).
 */
export function fitLines(lines: string[], max: number, more: string): { text: string; trimmed: boolean } {
  const all = lines.join('\n');
  if (all.length <= max) return { text: all, trimmed: false };
  const room = max - more.length - 1;
  const kept: string[] = [];
  let used = 0;
  for (const line of lines) {
    const cost = line.length + (kept.length > 0 ? 1 : 0);
    if (used + cost > room) break;
    kept.push(line);
    used += cost;
  }
  kept.push(more);
  const text = kept.join('\n');
  return { text: text.length <= max ? text : trimAtSentence(text, max), trimmed: true };
}

/**
 * `A, B, C, D + 116 more`: a story's outlets. A feed can name any number (an aggregator's
 * `<source>` on each item), and a list of them all would crowd the brief or digest off the page.
 */
export function outletList(outlets: readonly string[], max = 4): string {
  const shown = outlets.slice(0, max).join(', ');
  return outlets.length > max ? `${shown} + ${outlets.length - max} more` : shown;
}

/** `1 feed`, `3 feeds`, `1 story`, `2 stories`. */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

/** `2026-11-20 14:02 UTC`: an instant to the minute, for notes and lists that span zones. */
export const utcMinute = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** Edit distance, for "did you mean": names are short, so the plain table is enough. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length] ?? 0;
}

/** The one of `names` a mistyped `name` most likely meant (at most two edits away), if any. */
export function closest(name: string, names: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const n of names) {
    const d = distance(name, n);
    if (d <= 2 && (!best || d < best.d)) best = { name: n, d };
  }
  return best?.name;
}
