import { createCore } from '../app.js';
import { dispatchText } from '../core/commands/dispatch.js';
import type { Platform } from '../core/commands/types.js';
import { createLogger } from '../logger.js';
import { PREVIEW_FORMATS, type PreviewFormat, renderAs } from './render-as.js';

export const ASK_FORMATS = PREVIEW_FORMATS;
export type AskFormat = PreviewFormat;

/** `briefbot ask "/nato-status"`: exactly what would be sent, for previewing an edit. */
export async function ask(line: string, format: AskFormat, briefsDir: string): Promise<string> {
  const core = createCore({ BRIEFS_DIR: briefsDir }, createLogger('silent'));
  const platform: Platform = format === 'discord' || format === 'slack' ? format : 'local';
  const reply = await dispatchText(
    line,
    { platform, user: { id: 'preview', name: 'preview' }, channelId: 'preview', canManageChannel: true },
    core.context,
  );
  return renderAs(reply, format);
}
