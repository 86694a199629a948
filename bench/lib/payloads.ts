import type { Core } from '../../src/app.js';
import { dispatchText } from '../../src/core/commands/dispatch.js';
import type { Platform } from '../../src/core/commands/types.js';
import { type DiscordMessage, renderDiscord } from '../../src/platforms/discord/render.js';
import { renderSlack, type SlackMessage } from '../../src/platforms/slack/render.js';

/**
 * What the bot answers to each command line, rendered once before timing. A bare app that replies
 * with these sends the same bytes as the bot without doing the bot's work: the difference between it
 * and the bot is our code (dispatch, render, logging, adapter), not the size of the answer.
 */
export async function precomputed(core: Core, lines: readonly string[], platform: 'discord'): Promise<Map<string, DiscordMessage>>;
export async function precomputed(core: Core, lines: readonly string[], platform: 'slack'): Promise<Map<string, SlackMessage>>;
export async function precomputed(core: Core, lines: readonly string[], platform: Platform): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for (const line of lines) {
    const reply = await dispatchText(
      line,
      { user: { id: 'U0USER', name: 'ana' }, channelId: 'C0CHANNEL', platform, canManageChannel: false },
      core.context,
    );
    out.set(line, platform === 'discord' ? renderDiscord(reply).message : renderSlack(reply).message);
  }
  return out;
}
