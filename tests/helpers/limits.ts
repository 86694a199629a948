import type { DiscordMessage } from '../../src/platforms/discord/render.js';
import { DISCORD_LIMITS } from '../../src/platforms/discord/render.js';
import type { SlackMessage } from '../../src/platforms/slack/render.js';
import { SLACK_LIMITS } from '../../src/platforms/slack/render.js';

/** Every way a Discord message can break the documented limits; empty when it is valid. */
export function discordViolations(m: DiscordMessage): string[] {
  const v: string[] = [];
  if ((m.content?.length ?? 0) > DISCORD_LIMITS.content) v.push('content > 2000');
  if (m.embeds.length > DISCORD_LIMITS.embeds) v.push(`${m.embeds.length} embeds > 10`);
  let total = 0;
  for (const e of m.embeds) {
    const title = e.title?.length ?? 0;
    const description = e.description?.length ?? 0;
    const footer = e.footer?.text.length ?? 0;
    if (title > DISCORD_LIMITS.title) v.push(`title ${title} > 256`);
    if (description > DISCORD_LIMITS.description) v.push(`description ${description} > 4096`);
    if (footer > DISCORD_LIMITS.footer) v.push(`footer ${footer} > 2048`);
    if ((e.fields?.length ?? 0) > DISCORD_LIMITS.fields) v.push('fields > 25');
    total += title + description + footer + (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0);
  }
  if (total > DISCORD_LIMITS.total) v.push(`embeds total ${total} > 6000`);
  if (m.allowed_mentions.parse.length !== 0) v.push('allowed_mentions.parse is not empty');
  return v;
}

export function slackViolations(m: SlackMessage): string[] {
  const v: string[] = [];
  if (m.blocks.length > SLACK_LIMITS.blocks) v.push(`${m.blocks.length} blocks > 50`);
  let total = 0;
  for (const b of m.blocks) {
    if (b.type === 'header' && b.text.text.length > SLACK_LIMITS.headerText) v.push('header > 150');
    if (b.type === 'section') {
      if (b.text.text.length > SLACK_LIMITS.sectionText) v.push(`section ${b.text.text.length} > 3000`);
      if (b.text.text.length === 0) v.push('empty section text');
      total += b.text.text.length;
    }
    if (b.type === 'context') total += b.elements.reduce((n, e) => n + e.text.length, 0);
  }
  if (total > SLACK_LIMITS.totalText) v.push(`text total ${total} > 12000`);
  if (m.text.length > SLACK_LIMITS.fallbackText) v.push('fallback text > 3000');
  return v;
}
