import { join } from 'node:path';
import { type LogSink, testCore } from './harness.js';
import { type Core, type Running, runBot } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { CommandModule } from '../../src/core/commands/types.js';
import { createDiscordAdapter, type DiscordAdapterOptions } from '../../src/platforms/discord/adapter.js';
import type { PlatformAdapter } from '../../src/platforms/types.js';
import type { FakeDiscord } from './fake-discord.js';

/** Well-formed (three dot-separated parts, as loadConfig demands) and fake. */
export const TOKEN = 'MTExMTExMTExMTExMTExMTEx.GfAkE1.abcdefghijklmnopqrstuvwxyz0123456789';
export const OTHER_TOKEN = 'MjIyMjIyMjIyMjIyMjIyMjIy.GfAkE2.zyxwvutsrqponmlkjihgfedcba9876543210';
export const APP_ID = '111111111111111111';
export const BRIEFS_DIR = join(process.cwd(), 'briefs');

export { failOnUnhandledRejections, LogSink } from './harness.js';

export function discordEnv(fake: FakeDiscord, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    BRIEFS_DIR,
    LOG_LEVEL: 'debug',
    DISCORD_TOKEN: TOKEN,
    DISCORD_APPLICATION_ID: APP_ID,
    DISCORD_API_URL: fake.apiUrl,
    SHUTDOWN_GRACE_MS: '3000',
    ...extra,
  };
}

export interface DiscordBot {
  config: Config;
  core: Core;
  logs: LogSink;
  running: Running;
  adapter: PlatformAdapter;
  /** ms from runBot() to resolved (gateway ready). */
  startMs: number;
  url(path: string): string;
}

/** The real bot (runBot + the discord.js adapter) on port 0, connected to `fake`. */
export async function startDiscordBot(
  fake: FakeDiscord,
  options: {
    env?: Record<string, string>;
    extraCommands?: CommandModule[];
    adapter?: DiscordAdapterOptions;
  } = {},
): Promise<DiscordBot> {
  const config = loadConfig(discordEnv(fake, options.env));
  const { core, logs } = testCore(config, options.extraCommands);
  let adapter: PlatformAdapter | undefined;
  const started = performance.now();
  const running = await runBot(config, core, (deps) => {
    adapter = createDiscordAdapter(config, deps, options.adapter);
    return [adapter];
  });
  const startMs = performance.now() - started;
  return {
    config,
    core,
    logs,
    running,
    adapter: adapter!,
    startMs,
    url: (path) => `http://127.0.0.1:${running.port}${path}`,
  };
}

/** Poll until `check` passes or `timeoutMs` runs out (then its last failure is thrown). */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 5000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}
