import { join } from 'node:path';
import { createCore } from '../app.js';
import { createLogger } from '../logger.js';
import { runTerminal } from '../platforms/local/terminal.js';
import { packageRoot } from './paths.js';

/** `npm run demo`: the bot on embedded defaults, chatting in this terminal. No account anywhere. */
export async function runDemo(): Promise<void> {
  const interactive = Boolean(process.stdin.isTTY);
  // Logs go to stderr so the chat stays readable; only warnings in the demo.
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', [], process.stderr);
  const core = createCore({ BRIEFS_DIR: process.env.BRIEFS_DIR ?? join(packageRoot, 'briefs') }, logger);
  const stopWatching = core.briefs.watch();
  process.stdout.write(
    `briefbot demo: ${core.briefs.list().length} briefs loaded. Type /help, /nato-status, /decertification or /china-ties.${interactive ? ' /quit to leave.' : ''}\n`,
  );
  await runTerminal(core, { input: process.stdin, output: process.stdout, interactive });
  stopWatching();
}
