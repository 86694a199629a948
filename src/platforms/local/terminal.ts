import { createInterface } from 'node:readline';
import { dispatchText } from '../../core/commands/dispatch.js';
import type { PlatformDeps } from '../types.js';
import { renderText } from './render.js';

export interface TerminalOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  interactive: boolean;
  channelId?: string;
}

/**
 * The demo's chat: one command per line, answered as text. Interactive on a terminal;
 * otherwise it answers each line and resolves at end of input, so it can be scripted.
 */
export async function runTerminal(deps: Pick<PlatformDeps, 'context' | 'observe'>, options: TerminalOptions): Promise<void> {
  const rl = createInterface({ input: options.input, output: options.interactive ? options.output : undefined, terminal: options.interactive });
  const write = (s: string) => options.output.write(s);
  if (options.interactive) {
    rl.setPrompt('you> ');
    rl.prompt();
  }
  for await (const raw of rl) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) {
      if (options.interactive) rl.prompt();
      continue;
    }
    if (line === '/quit' || line === '/exit') break;
    if (!options.interactive) write(`you> ${line}\n`);
    const reply = await dispatchText(
      line,
      { platform: 'local', user: { id: 'local-user', name: 'you' }, channelId: options.channelId ?? 'terminal', canManageChannel: true },
      deps.context,
      deps.observe,
    );
    write(`\n${renderText(reply)}\n`);
    if (options.interactive) rl.prompt();
  }
  rl.close();
}
