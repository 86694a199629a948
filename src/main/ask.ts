import { createCore } from '../app.js';
import { dispatchText } from '../core/commands/dispatch.js';
import type { Platform } from '../core/commands/types.js';
import { createLogger } from '../logger.js';
import { renderDiscord } from '../platforms/discord/render.js';
import { renderText } from '../platforms/local/render.js';
import { renderSlack } from '../platforms/slack/render.js';

export const ASK_FORMATS = ['text', 'discord', 'slack', 'json'] as const;
export type AskFormat = (typeof ASK_FORMATS)[number];

/** `briefbot ask "/nato-status"`: exactly what would be sent, for previewing an edit. */
export async function ask(line: string, format: AskFormat, briefsDir: string): Promise<string> {
  const core = createCore({ BRIEFS_DIR: briefsDir }, createLogger('silent'));
  const platform: Platform = format === 'discord' || format === 'slack' ? format : 'local';
  const reply = await dispatchText(
    line,
    { platform, user: { id: 'preview', name: 'preview' }, channelId: 'preview', canManageChannel: true },
    core.context,
  );
  switch (format) {
    case 'discord':
      return `${JSON.stringify(renderDiscord(reply).message, null, 2)}\n`;
    case 'slack':
      return `${JSON.stringify(renderSlack(reply).message, null, 2)}\n`;
    case 'json':
      return `${JSON.stringify(reply, null, 2)}\n`;
    default:
      return renderText(reply);
  }
}
