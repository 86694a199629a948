import type { Link, Reply, ReplyItem, ReplySection } from '../../core/reply.js';
import { fitLines, trimAtSentence } from '../../core/text.js';
import { cleanText, isWebUrl, printableUrl } from '../../core/untrusted.js';
import type { Rendered } from '../discord/render.js';
import { renderOnce } from '../render-once.js';

/** Slack's Block Kit limits (docs.slack.dev/reference/block-kit). */
export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  headerText: 150,
  contextElements: 10,
  /** Undocumented ceiling: msg_blocks_too_long was seen near 13 k characters (bolt-js #2509). */
  totalText: 12_000,
  fallbackText: 3000,
} as const;

export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji: boolean } }
  | { type: 'section'; text: Mrkdwn }
  | { type: 'context'; elements: Mrkdwn[] }
  | { type: 'divider' };

/**
 * `verbatim: true`: Slack must not auto-link bare URLs, channel names or "certain mentions" in our
 * text (text-object reference); only the links we write as `<url|label>` are links.
 */
export type Mrkdwn = { type: 'mrkdwn'; text: string; verbatim: true };

export interface SlackMessage {
  /** Notification and screen-reader text. */
  text: string;
  blocks: SlackBlock[];
  response_type: 'ephemeral' | 'in_channel';
}

/** A Reply as a SlackMessage; a frozen Reply (a brief view the core reuses) is rendered once. */
export const renderSlack = renderOnce(render);

function render(reply: Reply): Rendered<SlackMessage> {
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: trimAtSentence(cleanText(reply.title), SLACK_LIMITS.headerText), emoji: false } },
  ];
  const footer: SlackBlock[] = reply.footer
    ? [{ type: 'context', elements: [mrkdwn(trimAtSentence(esc(reply.footer), SLACK_LIMITS.sectionText))] }]
    : [];
  let budget = SLACK_LIMITS.totalText - reply.title.length - (reply.footer?.length ?? 0);
  const trimmed: string[] = [];
  const chunks: { key: string; lines: string[]; more: string }[] = [];
  if (reply.status) chunks.push({ key: 'status-line', lines: [`*${esc(reply.status)}*`], more: '…' });
  for (const section of reply.sections) chunks.push(sectionChunk(section));

  outer: for (const [i, chunk] of chunks.entries()) {
    // A long section continues in further section blocks; only the total budget cuts it.
    const { texts, cut } = splitLines(chunk.lines, SLACK_LIMITS.sectionText);
    // A line longer than a whole block lost its end (its sources): say so, as for any cut.
    if (cut) trimmed.push(chunk.key);
    for (const text of texts) {
      const room = Math.min(budget, SLACK_LIMITS.sectionText);
      const blocksLeft = SLACK_LIMITS.blocks - blocks.length - footer.length;
      if (text.length <= room && blocksLeft > 1) {
        blocks.push(section(text));
        budget -= text.length;
        continue;
      }
      const pointer = [chunk.more, ...chunks.slice(i + 1).map((c) => c.more)].filter((m) => m !== '…').join(' · ');
      if (blocksLeft >= 1 && room > 0) {
        blocks.push(section(fitLines(text.split('\n'), room, pointer ? `…full brief: ${pointer}` : '…').text));
      }
      trimmed.push(chunk.key, ...chunks.slice(i + 1).map((c) => c.key));
      break outer;
    }
  }
  blocks.push(...footer);
  // What notifications and screen readers get: an error's first line, not "Sorry" alone. Only an
  // error's (our words, and what the user typed): this text is not verbatim, and feed text stays out.
  const gist = reply.status ?? (reply.tone === 'error' ? reply.sections[0]?.items[0]?.text : undefined);
  const text = tidy(trimAtSentence(esc([reply.title, gist].filter(Boolean).join(': ')), SLACK_LIMITS.fallbackText));
  return {
    message: { text, blocks, response_type: reply.ephemeral ? 'ephemeral' : 'in_channel' },
    trimmed: [...new Set(trimmed)],
  };
}

function section(text: string): SlackBlock {
  return { type: 'section', text: mrkdwn(text) };
}

function mrkdwn(text: string): Mrkdwn {
  return { type: 'mrkdwn', text: tidy(text) || '…', verbatim: true };
}

/**
 * Repair what a cut may leave behind: half an entity (`&am…`) and a link left open
 * (`<https://…|Head…`, kept as its label). Every `&` and `<` we write is whole, so these are cuts.
 */
export function tidy(text: string): string {
  // Whole links (odd parts) stay as they are: a URL may hold a raw '&'.
  return text
    .split(/(<[^<>|]*\|[^<>]*>)/)
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part
            .replace(/<[^<>|]*\|([^<>]*)$/, '$1')
            .replace(/<[^<>]*$/, '')
            .replace(/&(?!amp;|lt;|gt;)[a-z]*/g, ''),
    )
    .join('');
}

/** Group lines into texts of at most `max` characters; a single over-long line is cut at a sentence. */
function splitLines(lines: string[], max: number): { texts: string[]; cut: boolean } {
  const out: string[] = [];
  let current = '';
  let cut = false;
  for (const raw of lines) {
    if (raw.length > max) cut = true;
    const line = raw.length > max ? trimAtSentence(raw, max) : raw;
    if (current && current.length + 1 + line.length > max) {
      out.push(current);
      current = line;
    } else {
      current = current ? `${current}\n${line}` : line;
    }
  }
  if (current) out.push(current);
  return { texts: out, cut };
}

function sectionChunk(s: ReplySection): { key: string; lines: string[]; more: string } {
  const lines = s.heading ? [`*${esc(s.heading)}*`] : [];
  for (const item of s.items) lines.push((s.style === 'list' ? '• ' : '') + itemLine(item));
  return { key: s.key, lines, more: s.more ?? '…' };
}

function itemLine(item: ReplyItem): string {
  const date = item.date ? `*${esc(item.date)}* ` : '';
  const text = item.url ? link({ label: item.text, url: item.url }) : esc(item.text);
  const refs = item.refs?.length ? ` (${item.refs.map(link).join(', ')})` : '';
  const detail = item.detail ? `\n   ${esc(item.detail)}` : '';
  return `${date}${text}${refs}${detail}`;
}

/** Only an http(s) URL becomes a link; anything else (javascript:, data:) leaves the label as text. */
export function link(l: Link): string {
  if (!isWebUrl(l.url)) return esc(l.label);
  return `<${printableUrl(l.url).replace(/[|<>]/g, encodeURIComponent)}|${esc(l.label)}>`;
}

/**
 * mrkdwn's formatting marks have no escape: in text, each becomes a look-alike Slack does not parse,
 * so feed text cannot bold, italicise, strike out or open a code block over our own lines (the
 * `*…*` around headings and dates is added outside esc). An underscore between two ASCII letters or
 * digits stays: Slack opens italics only at a word's start, and every other `_` is a look-alike, so
 * none can open. What a reader copies (`America/Mexico_City`, a feed's URL) then works when pasted.
 */
const MARKS = /[*~`]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g;
const LOOK_ALIKES: Record<string, string> = { '*': '\u2217', _: '\u02cd', '~': '\u223c', '`': '\u02cb' };

/** Slack's three control characters escaped (no text can form a mention or a link), and its marks inert. */
export function esc(text: string): string {
  return cleanText(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(MARKS, (mark) => LOOK_ALIKES[mark] ?? mark);
}
