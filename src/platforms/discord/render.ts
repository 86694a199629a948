import type { APIEmbed } from 'discord.js';
import type { Link, Reply, ReplyItem, ReplySection } from '../../core/reply.js';
import { fitLines, trimAtSentence } from '../../core/text.js';
import { cleanText, isWebUrl, printableUrl } from '../../core/untrusted.js';
import { renderOnce } from '../render-once.js';

/** Discord's documented message limits (developers/resources/message.mdx). */
export const DISCORD_LIMITS = {
  content: 2000,
  embeds: 10,
  title: 256,
  description: 4096,
  fields: 25,
  footer: 2048,
  total: 6000,
} as const;

const COLOURS = { info: 0x2b6cb0, warning: 0xd69e2e, error: 0xc53030 } as const;

export interface DiscordMessage {
  content?: string;
  embeds: APIEmbed[];
  /** Never ping anyone: feed and brief text is not ours to turn into mentions. */
  allowed_mentions: { parse: [] };
  ephemeral: boolean;
}

export interface Rendered<T> {
  message: T;
  /** Keys of the sections that had to be cut to fit. */
  trimmed: string[];
}

/** A Reply as a DiscordMessage; a frozen Reply (a brief view the core reuses) is rendered once. */
export const renderDiscord = renderOnce(render);

function render(reply: Reply): Rendered<DiscordMessage> {
  const full = renderWith(reply, false);
  // Publisher names on every citation cost room; source numbers keep all of a long brief.
  if (full.trimmed.length === 0) return full;
  const compact = renderWith(reply, true);
  return compact.trimmed.length < full.trimmed.length ? compact : full;
}

function renderWith(reply: Reply, compact: boolean): Rendered<DiscordMessage> {
  const title = trimAtSentence(plain(reply.title), DISCORD_LIMITS.title);
  const footer = reply.footer ? trimAtSentence(reply.footer, DISCORD_LIMITS.footer) : undefined;
  let budget = DISCORD_LIMITS.total - title.length - (footer?.length ?? 0);
  const trimmed: string[] = [];
  const descriptions: string[] = [];
  let current = '';

  const blocks: { key: string; lines: string[]; more: string }[] = [];
  if (reply.status) blocks.push({ key: 'status-line', lines: [`**${md(reply.status)}**`], more: '…' });
  for (const section of reply.sections) blocks.push(sectionBlock(section, compact));

  for (const [i, block] of blocks.entries()) {
    const sep = current ? 2 : 0;
    const whole = block.lines.join('\n');
    if (whole.length + sep <= Math.min(DISCORD_LIMITS.description - current.length, budget)) {
      current += (sep ? '\n\n' : '') + whole;
      budget -= whole.length + sep;
      continue;
    }
    const canOpen = descriptions.length + 1 < DISCORD_LIMITS.embeds;
    if (canOpen && whole.length <= Math.min(DISCORD_LIMITS.description, budget) && current) {
      descriptions.push(current);
      current = whole;
      budget -= whole.length;
      continue;
    }
    // Longer than one embed, short enough for the message: it runs on into the next embeds.
    const run = canOpen && whole.length <= budget ? runOn(block.lines, current, descriptions.length, budget) : undefined;
    if (run) {
      descriptions.push(...run.filled);
      current = run.current;
      budget = run.budget;
      continue;
    }
    // It does not fit whole: cut it where it must, point to the rest and stop.
    if (current && canOpen && budget > DISCORD_LIMITS.description - current.length) {
      descriptions.push(current);
      current = '';
    }
    const room = Math.min(DISCORD_LIMITS.description - current.length, budget) - (current ? 2 : 0);
    const later = blocks.slice(i + 1).map((b) => b.more);
    const pointer = [block.more, ...later].filter((m) => m !== '…').join(' · ');
    const fitted = fitLines(block.lines, room, pointer ? `…full brief: ${pointer}` : '…');
    if (room > 0) current += (current ? '\n\n' : '') + fitted.text;
    trimmed.push(block.key, ...blocks.slice(i + 1).map((b) => b.key));
    break;
  }
  if (current) descriptions.push(current);

  const color = COLOURS[reply.tone];
  const embeds: APIEmbed[] = descriptions.map((description) => ({ description, color }));
  if (embeds.length === 0) embeds.push({ color });
  embeds[0]!.title = title;
  if (footer) embeds[embeds.length - 1]!.footer = { text: footer };
  return { message: { embeds, allowed_mentions: { parse: [] }, ephemeral: reply.ephemeral }, trimmed };
}

/**
 * A block's lines from the end of the current embed on, opening embeds as each fills (a line is
 * never split). Undefined when they do not all fit in the embeds and characters left.
 */
function runOn(lines: string[], current: string, filledBefore: number, budget: number): { filled: string[]; current: string; budget: number } | undefined {
  const filled: string[] = [];
  let sep = current ? '\n\n' : '';
  for (const line of lines) {
    if (sep.length + line.length <= Math.min(DISCORD_LIMITS.description - current.length, budget)) {
      current += sep + line;
      budget -= sep.length + line.length;
    } else if (current && filledBefore + filled.length + 2 <= DISCORD_LIMITS.embeds && line.length <= Math.min(DISCORD_LIMITS.description, budget)) {
      filled.push(current);
      current = line;
      budget -= line.length;
    } else {
      return undefined;
    }
    sep = '\n';
  }
  return { filled, current, budget };
}

function sectionBlock(section: ReplySection, compact: boolean): { key: string; lines: string[]; more: string } {
  const lines = section.heading ? [`**${md(section.heading)}**`] : [];
  for (const item of section.items) lines.push((section.style === 'list' ? '• ' : '') + itemLine(item, compact));
  return { key: section.key, lines, more: section.more ?? '…' };
}

function itemLine(item: ReplyItem, compact: boolean): string {
  const date = item.date ? `**${md(item.date)}** ` : '';
  const text = item.url ? link({ label: item.text, url: item.url }) : md(item.text);
  const cite = (l: Link) => link(compact && l.short ? { label: l.short, url: l.url } : l);
  const refs = item.refs?.length ? ` (${item.refs.map(cite).join(', ')})` : '';
  const detail = item.detail ? `\n   ${md(item.detail)}` : '';
  return `${date}${text}${refs}${detail}`;
}

/**
 * A masked link whose label cannot break out of its brackets. Only an http(s) URL becomes a link:
 * anything else (javascript:, data:, a relative path) leaves the label as plain text.
 */
export function link(l: Link): string {
  if (!isWebUrl(l.url)) return md(l.label);
  // md() already escaped every '['; a ']' closes our own label only when it is ours.
  const label = md(l.label).replace(/]/g, '\\]');
  // encodeURIComponent leaves ( ) alone: a ")" would end our link early, a "\\" escape what follows.
  const target = printableUrl(l.url).replace(/[()<>\\]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `[${label}](${target})`;
}

/**
 * Markdown-escaped, so untrusted text shows as typed (Discord drops a backslash before any
 * punctuation). Escaped everywhere: `\ * _ ~ | ` ` (emphasis, spoilers, code), `[` (masked links),
 * `< >` (mentions `<@id>` `<@&id>` `<#id>`, slash-command and timestamp tags, quotes) and `@`
 * (`@everyone`, `@here`). A `(` right after `]` is escaped too, so no `](` ever comes from the
 * text (a link pattern that ignores escapes still finds no target in it), and so is the `:` of
 * `scheme://` (a bare URL in the text is not auto-linked). At a line start: `#` (headings),
 * `-` `+` and `1.` (lists, `-#` subtext).
 */
export function md(text: string): string {
  return plain(text)
    .replace(/[\\*_~`|[<>@]/g, (c) => `\\${c}`)
    .replace(/]\(/g, ']\\(')
    .replace(/([A-Za-z0-9])(:\/\/)/g, '$1\\$2')
    .replace(/^([ \t]*)([#+-])/gm, '$1\\$2')
    .replace(/^([ \t]*\d+)([.)])/gm, '$1\\$2');
}

function plain(text: string): string {
  return cleanText(text).replace(/\r\n?/g, '\n');
}
