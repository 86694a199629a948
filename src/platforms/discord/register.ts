import type { Config } from '../../config.js';

// Placeholder: replaced by the command registration.
export async function registerCommands(_config: Config, _options: { guildId?: string }, _out: (line: string) => void): Promise<void> {
  throw new Error('registration is not built yet');
}
