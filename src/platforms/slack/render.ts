import type { Link, Reply, ReplyItem, ReplySection } from '../../core/reply.js';
import { fitLines, trimAtSentence } from '../../core/text.js';
import type { Rendered } from '../discord/render.js';

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
  | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
  | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] }
  | { type: 'divider' };

export interface SlackMessage {
  /** Notification and screen-reader text. */
  text: string;
  blocks: SlackBlock[];
  response_type: 'ephemeral' | 'in_channel';
}

export function renderSlack(reply: Reply): Rendered<SlackMessage> {
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: trimAtSentence(reply.title, SLACK_LIMITS.headerText), emoji: false } },
  ];
  const footer: SlackBlock[] = reply.footer
    ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: trimAtSentence(esc(reply.footer), SLACK_LIMITS.sectionText) }] }]
    : [];
  let budget = SLACK_LIMITS.totalText - reply.title.length - (reply.footer?.length ?? 0);
  const trimmed: string[] = [];
  const chunks: { key: string; lines: string[]; more: string }[] = [];
  if (reply.status) chunks.push({ key: 'status-line', lines: [`*${esc(reply.status)}*`], more: '…' });
  for (const section of reply.sections) chunks.push(sectionChunk(section));

  outer: for (const [i, chunk] of chunks.entries()) {
    // A long section continues in further section blocks; only the total budget cuts it.
    for (const text of splitLines(chunk.lines, SLACK_LIMITS.sectionText)) {
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
  const text = trimAtSentence(esc([reply.title, reply.status].filter(Boolean).join(': ')), SLACK_LIMITS.fallbackText);
  return {
    message: { text, blocks, response_type: reply.ephemeral ? 'ephemeral' : 'in_channel' },
    trimmed,
  };
}

function section(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

/** Group lines into texts of at most `max` characters; a single over-long line is cut at a sentence. */
function splitLines(lines: string[], max: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const raw of lines) {
    const line = raw.length > max ? trimAtSentence(raw, max) : raw;
    if (current && current.length + 1 + line.length > max) {
      out.push(current);
      current = line;
    } else {
      current = current ? `${current}\n${line}` : line;
    }
  }
  if (current) out.push(current);
  return out;
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

export function link(l: Link): string {
  return `<${l.url.replace(/[|<>\s]/g, encodeURIComponent)}|${esc(l.label)}>`;
}

/** Slack's three control characters; with them escaped no text can form a mention or a link. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
