import { randomBytes } from 'node:crypto';
import { errorReply, type Reply } from '../reply.js';
import { closest } from '../text.js';
import { parseCommandText } from './parse-text.js';
import { type CommandContext, type CommandModule, type CommandRequest, findCommand, nameOn, type OptionChoice } from './types.js';

export type Outcome = 'ok' | 'unknown' | 'refused' | 'invalid' | 'error';

export interface CommandEvent {
  platform: string;
  command: string;
  outcome: Outcome;
  ms: number;
  errorId?: string;
  error?: unknown;
}

export type CommandObserver = (event: CommandEvent) => void;

/**
 * The one way every platform runs a command: unknown names, refusals and handler errors all
 * come back as a Reply the user can read, and each run is reported once to the observer.
 */
export async function dispatch(
  request: CommandRequest,
  context: CommandContext,
  observe: CommandObserver = () => {},
): Promise<Reply> {
  return run(findCommand(context.commands, request.command, request.platform), request, context, observe);
}

async function run(
  command: CommandModule | undefined,
  request: CommandRequest,
  context: CommandContext,
  observe?: CommandObserver,
): Promise<Reply> {
  const started = performance.now();
  const report = (outcome: Outcome, extra: Partial<CommandEvent> = {}) =>
    observe?.({ platform: request.platform, command: request.command, outcome, ms: performance.now() - started, ...extra });

  if (!command) {
    report('unknown');
    const help = context.commands.find((c) => c.definition.name === 'help');
    const hint = help ? ` Try /${nameOn(help.definition, request.platform)}.` : '';
    const meant = closest(request.command, context.commands.map((c) => nameOn(c.definition, request.platform)));
    return errorReply(`I don't know the command /${request.command}.${meant ? ` Did you mean /${meant}?` : ''}${hint}`);
  }
  if (command.definition.managersOnly && !request.canManageChannel) {
    report('refused');
    return errorReply(`Only channel managers can use /${request.command}.`);
  }
  try {
    const reply = await command.handle(request, context);
    report('ok');
    return reply;
  } catch (error) {
    const errorId = randomBytes(4).toString('hex');
    report('error', { errorId, error });
    return errorReply(`Something went wrong answering /${request.command}. It has been logged as error ${errorId}.`);
  }
}

/** Run a command typed as text (`/nato-status facts share`), as Slack and the terminal deliver it. */
export async function dispatchText(
  line: string,
  base: Omit<CommandRequest, 'command' | 'options'>,
  context: CommandContext,
  observe?: CommandObserver,
): Promise<Reply> {
  const match = /^\/?(\S+)\s*(.*)$/s.exec(line.trim());
  const name = match?.[1] ?? '';
  const command = findCommand(context.commands, name, base.platform);
  if (command) {
    const parsed = parseCommandText(command.definition, match?.[2] ?? '', nameOn(command.definition, base.platform));
    if (!parsed.ok) {
      observe?.({ platform: base.platform, command: name, outcome: 'invalid', ms: 0 });
      return errorReply(parsed.error);
    }
    return run(command, { ...base, command: name, options: parsed.options }, context, observe);
  }
  return run(undefined, { ...base, command: name, options: {} }, context, observe);
}

export function autocomplete(
  commandName: string,
  option: string,
  typed: string,
  context: CommandContext,
  platform: CommandRequest['platform'],
): OptionChoice[] {
  const command = findCommand(context.commands, commandName, platform);
  return command?.autocomplete?.(option, typed, context) ?? [];
}

