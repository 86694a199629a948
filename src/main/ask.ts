import { createCore } from '../app.js';
import { formatProblem } from '../core/briefs/schema.js';
import { dispatchText } from '../core/commands/dispatch.js';
import type { Platform } from '../core/commands/types.js';
import { createLogger } from '../logger.js';
import { PREVIEW_FORMATS, type PreviewFormat, renderAs } from './render-as.js';

export const ASK_FORMATS = PREVIEW_FORMATS;
export type AskFormat = PreviewFormat;

/**
 * `briefbot ask "/nato-status"`: exactly what would be sent, for previewing an edit. A brief with
 * problems is not answered here; `warn` (stderr) says why, where "no brief on …" alone would not.
 */
export async function ask(
  line: string,
  format: AskFormat,
  briefsDir: string,
  warn: (text: string) => void = (text) => process.stderr.write(text),
): Promise<string> {
  return (await askReply(line, format, briefsDir, warn)).text;
}

/** The same, and whether the answer is an error (an unknown command or option): a script can tell. */
export async function askReply(
  line: string,
  format: AskFormat,
  briefsDir: string,
  warn: (text: string) => void = (text) => process.stderr.write(text),
): Promise<{ text: string; failed: boolean }> {
  const core = createCore({ BRIEFS_DIR: briefsDir }, createLogger('silent'));
  const { problems, offline } = core.loaded;
  if (problems.length > 0) {
    const why = offline.length > 0 ? 'A brief with these problems is not loaded here; the running bot keeps answering its last good version. ' : '';
    warn(`${problems.map(formatProblem).join('\n')}\n${why}\`briefbot lint\` checks every brief.\n`);
  }
  const platform: Platform = format === 'discord' || format === 'slack' ? format : 'local';
  const reply = await dispatchText(
    line,
    { platform, user: { id: 'preview', name: 'preview' }, channelId: 'preview', canManageChannel: true },
    core.context,
  );
  return { text: renderAs(reply, format), failed: reply.tone === 'error' };
}
