import { createCore, runBot } from '../app.js';
import { type Config, ConfigError, loadConfig, secretsOf } from '../config.js';
import { createLogger } from '../logger.js';
import { createDiscordAdapter } from '../platforms/discord/adapter.js';
import { createSlackAdapter } from '../platforms/slack/adapter.js';
import type { PlatformAdapter } from '../platforms/types.js';

/** `npm start`: config → core → platforms → serve, until SIGTERM/SIGINT. */
export async function start(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadConfig(env);
  if (!config.DISCORD_TOKEN && !config.SLACK_BOT_TOKEN) {
    throw new ConfigError(
      'No platform configured: set DISCORD_TOKEN (Discord) and/or SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET or SLACK_APP_TOKEN (Slack).\n' +
        'To try briefbot without any account, run: npm run demo',
    );
  }
  const logger = createLogger(config.LOG_LEVEL, secretsOf(config));
  const core = createCore(config, logger);
  const running = await runBot(config, core, (deps) => platformsFor(config).map((make) => make(config, deps)));

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    running.stop().then(
      () => {
        logger.info('stopped');
        logger.flush();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'unclean shutdown');
        logger.flush();
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

function platformsFor(config: Config): (typeof createDiscordAdapter | typeof createSlackAdapter)[] {
  const makers: ((c: Config, d: Parameters<typeof createDiscordAdapter>[1]) => PlatformAdapter)[] = [];
  if (config.DISCORD_TOKEN) makers.push(createDiscordAdapter);
  if (config.SLACK_BOT_TOKEN) makers.push(createSlackAdapter);
  return makers;
}
