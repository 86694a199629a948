import type { Config } from '../../config.js';
import type { PlatformAdapter, PlatformDeps } from '../types.js';

// Placeholder: replaced by the discord.js adapter.
export function createDiscordAdapter(_config: Config, _deps: PlatformDeps): PlatformAdapter {
  throw new Error('the Discord adapter is not built yet');
}
