// discord.js re-exports @discordjs/rest, so the REST client needs no dependency of its own.
import { DiscordAPIError, REST, Routes } from 'discord.js';
import { commands as allCommands } from '../../../commands/index.js';
import { type Config, ConfigError } from '../../config.js';
import type { CommandModule } from '../../core/commands/types.js';
import { comparable, type DiscordCommandJSON, toDiscordCommand } from './commands-json.js';

export type Change = 'added' | 'changed' | 'removed' | 'unchanged';

export interface RegisterOptions {
  /** Register in one guild (instant) instead of globally (can take up to an hour to show). */
  guildId?: string;
  /** The commands to declare; the bot's own list by default. */
  commands?: readonly CommandModule[];
}

/**
 * `briefbot register`: replace the registered slash commands with ours in one PUT, and print per
 * command what that changed, so a deploy log shows exactly what users will see differ.
 */
export async function registerCommands(
  config: Config,
  options: RegisterOptions,
  out: (line: string) => void,
): Promise<Map<string, Change>> {
  const token = required(config.DISCORD_TOKEN, 'DISCORD_TOKEN', 'the bot token');
  const appId = required(config.DISCORD_APPLICATION_ID, 'DISCORD_APPLICATION_ID', 'the application id');
  const rest = new REST(config.DISCORD_API_URL ? { api: config.DISCORD_API_URL } : {}).setToken(token);
  const route = options.guildId
    ? Routes.applicationGuildCommands(appId, options.guildId)
    : Routes.applicationCommands(appId);
  const wanted = (options.commands ?? allCommands).map((c) => toDiscordCommand(c.definition));
  const where = options.guildId ? `in guild ${options.guildId}` : 'globally';

  try {
    const current = (await rest.get(route)) as Record<string, unknown>[];
    await rest.put(route, { body: wanted });
    const changes = diffCommands(current, wanted);
    out(`Registered ${wanted.length} commands ${where}:`);
    for (const [name, change] of changes) out(`  ${change.padEnd(9)} /${name}`);
    const count = (kind: Change) => [...changes.values()].filter((c) => c === kind).length;
    out(
      `  ${(['added', 'changed', 'removed', 'unchanged'] as const).map((c) => `${count(c)} ${c}`).join(', ')}`,
    );
    if (!options.guildId && count('added') + count('changed') + count('removed') > 0) {
      out('Global changes can take up to an hour to reach every Discord client.');
    }
    return changes;
  } catch (error) {
    if (error instanceof DiscordAPIError && error.status === 401) {
      throw new ConfigError('Discord rejected DISCORD_TOKEN (401 Unauthorized): check the bot token.');
    }
    if (error instanceof DiscordAPIError && (error.status === 403 || error.status === 404)) {
      throw new ConfigError(
        `Discord refused ${error.method} ${route} (${error.status}): check DISCORD_APPLICATION_ID` +
          (options.guildId ? ' and that the bot is in that guild.' : '.'),
      );
    }
    throw error;
  }
}

/** Per command name: what replacing `current` with `wanted` does. Ours in order, then the removed. */
export function diffCommands(
  current: Record<string, unknown>[],
  wanted: DiscordCommandJSON[],
): Map<string, Change> {
  const before = new Map(current.map((c) => [String(c.name), comparable(c)]));
  const changes = new Map<string, Change>();
  for (const command of wanted) {
    const was = before.get(command.name);
    changes.set(
      command.name,
      was === undefined ? 'added' : was === comparable(command) ? 'unchanged' : 'changed',
    );
  }
  for (const name of before.keys()) if (!changes.has(name)) changes.set(name, 'removed');
  return changes;
}

function required(value: string | undefined, name: string, what: string): string {
  if (!value)
    throw new ConfigError(`Configuration error:\n  ${name} is required to register commands (${what}).`);
  return value;
}
