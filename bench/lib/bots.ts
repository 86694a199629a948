import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Core, createCore, type Running, runBot } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { boundHeapGrowth } from '../../src/main/heap.js';
import { createDiscordAdapter } from '../../src/platforms/discord/adapter.js';
import { createSlackAdapter } from '../../src/platforms/slack/adapter.js';
import { makeBriefsDir } from './briefs.js';
import { nullStream } from './streams.js';

export const SIGNING_SECRET = '0123456789abcdef0123456789abcdef';
export const DISCORD_TOKEN = 'MTExMTExMTExMTExMTExMTEx.GfAkE1.abcdefghijklmnopqrstuvwxyz0123456789';
export const DISCORD_APP_ID = '111111111111111111';

export interface BenchBot {
  core: Core;
  running: Running;
  topics: string[];
  url(path: string): string;
  stop(): Promise<void>;
}

/**
 * The real bot as runBot starts it (core + one platform adapter + HTTP server on port 0), with 50
 * briefs and info-level logs written to a null stream: production's work per command, no terminal.
 */
export async function startBenchBot(
  platform: 'slack' | 'discord',
  env: Record<string, string>,
): Promise<BenchBot> {
  // As the bot's process runs (cli.ts). The flag is the process's: bench/lib/apps.ts sets it for the bare apps too.
  boundHeapGrowth();
  const { dir, topics } = makeBriefsDir(47);
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    BRIEFS_DIR: dir,
    DATA_DIR: join(tmpdir(), 'briefbot-bench-unused'),
    LOG_LEVEL: 'info',
    ...env,
  });
  const core = createCore(config, createLogger(config.LOG_LEVEL, [], nullStream()));
  const running = await runBot(config, core, (deps) => [
    platform === 'slack'
      ? createSlackAdapter(config, deps, { clientOptions: { retryConfig: { retries: 0 } } })
      : createDiscordAdapter(config, deps),
  ]);
  return {
    core,
    running,
    topics,
    url: (path) => `http://127.0.0.1:${running.port}${path}`,
    async stop() {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
