import type { Reply } from '../core/reply.js';
import { renderDiscord } from '../platforms/discord/render.js';
import { renderText } from '../platforms/local/render.js';
import { renderSlack } from '../platforms/slack/render.js';

export const PREVIEW_FORMATS = ['text', 'discord', 'slack', 'json'] as const;
export type PreviewFormat = (typeof PREVIEW_FORMATS)[number];

/** A Reply as a moderator previews it: terminal text, either platform's exact payload, or the Reply itself. */
export function renderAs(reply: Reply, format: PreviewFormat): string {
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
