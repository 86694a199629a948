import { setTimeout as sleep } from 'node:timers/promises';
import { Client, DiscordjsError, DiscordjsErrorCodes, Events, GatewayIntentBits } from 'discord.js';
import { type Config, ConfigError } from '../../config.js';
import type { PlatformAdapter, PlatformDeps } from '../types.js';
import { answerAutocomplete, answerCommand, answerRestarting, DEFER_AFTER_MS } from './answer.js';
import { discordDigestTarget } from './digest-target.js';
import { trackGateway } from './gateway-health.js';

export interface DiscordAdapterOptions {
  /** Defer the reply when the core has not answered by then (tests may shorten it). */
  deferAfterMs?: number;
  /** How long stop() waits for in-flight answers before closing the gateway. */
  drainMs?: number;
}

/** briefbot on Discord: slash commands over the gateway, answered by the platform-free core. */
export function createDiscordAdapter(
  config: Config,
  deps: PlatformDeps,
  options: DiscordAdapterOptions = {},
): PlatformAdapter {
  const { logger } = deps;
  const client = new Client({
    // Slash commands arrive without any privileged intent; Guilds keeps channel and guild caches sane.
    intents: [GatewayIntentBits.Guilds],
    // Added to every outgoing message: brief and feed text must never ping anyone.
    allowedMentions: { parse: [] },
    rest: config.DISCORD_API_URL ? { api: config.DISCORD_API_URL } : {},
  });
  const gateway = trackGateway(client, logger);
  const inflight = new Set<Promise<void>>();
  let accepting = false;
  let stopping = false;

  client.on(Events.InteractionCreate, (interaction) => {
    let work: Promise<void> | undefined;
    if (accepting) {
      work = interaction.isChatInputCommand()
        ? answerCommand(interaction, deps, options.deferAfterMs ?? DEFER_AFTER_MS)
        : interaction.isAutocomplete()
          ? answerAutocomplete(interaction, deps)
          : undefined;
    } else if (stopping && interaction.isChatInputCommand()) {
      // Draining at shutdown, the gateway still delivers: answer that we are restarting, as on Slack.
      work = answerRestarting(interaction, deps);
    }
    if (!work) return;
    inflight.add(work);
    // The answer functions never reject; finally() only does the bookkeeping.
    void work.finally(() => inflight.delete(work));
  });
  // An EventEmitter without an 'error' listener throws; log instead.
  client.on(Events.Error, (err) => logger.error({ err }, 'discord: client error'));
  // While the gateway is down discord.js retries about twice a second, each failure a ShardError;
  // trackGateway already warned once for the outage, so those go to debug.
  client.on(Events.ShardError, (err) =>
    logger[gateway.health().ready ? 'warn' : 'debug']({ err }, 'discord: gateway connection error'),
  );
  client.on(Events.Warn, (message) => logger.warn({ message }, 'discord: warning'));

  return {
    name: 'discord',
    health: () => gateway.health(),
    // The client's REST carries the token once logged in; digests are only sent while running.
    digestTarget: discordDigestTarget(client.rest, () => client.user?.id),
    async start() {
      if (!config.DISCORD_TOKEN) {
        throw new ConfigError('Configuration error:\n  DISCORD_TOKEN is required for Discord');
      }
      const started = performance.now();
      const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
      // Interactions that arrive before ClientReady are queued by discord.js, so accept from the start.
      accepting = true;
      try {
        await client.login(config.DISCORD_TOKEN);
      } catch (error) {
        accepting = false;
        throw explainLoginError(error, config);
      }
      await ready;
      logger.info({ user: client.user?.tag, ms: Math.round(performance.now() - started) }, 'discord: ready');
    },
    async stop() {
      accepting = false;
      stopping = true;
      gateway.stopping();
      const drainMs = options.drainMs ?? Math.max(0, config.SHUTDOWN_GRACE_MS - 2000);
      const drained = Promise.allSettled([...inflight]).then(() => true);
      if (!(await Promise.race([drained, sleep(drainMs, false, { ref: false })]))) {
        logger.warn({ pending: inflight.size }, 'discord: stopped with answers still in flight');
      }
      await client.destroy();
    },
  };
}

/** A rejected token is an operator mistake: say which setting, not a stack trace. */
function explainLoginError(error: unknown, config: Config): Error {
  const rejected =
    (error instanceof DiscordjsError && error.code === DiscordjsErrorCodes.TokenInvalid) ||
    (error instanceof Error && /authentication failed/i.test(error.message));
  if (rejected) {
    return new ConfigError(
      'Discord rejected DISCORD_TOKEN: check the bot token in the Discord developer portal (Bot → Reset Token).',
    );
  }
  const where = config.DISCORD_API_URL ?? 'https://discord.com/api';
  return new Error(
    `could not connect to Discord at ${where}: ${error instanceof Error ? error.message : String(error)}`,
    {
      cause: error,
    },
  );
}
