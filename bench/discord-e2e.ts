import { Client, Events, GatewayIntentBits, MessageFlags } from 'discord.js';
import type { DiscordMessage } from '../src/platforms/discord/render.js';
import { commandLines } from './lib/briefs.js';
import { DISCORD_APP_ID, DISCORD_TOKEN, startBenchBot } from './lib/bots.js';
import { precomputed } from './lib/payloads.js';
import { compareApps } from './lib/compare.js';
import { startDiscordWorld } from './lib/discord-world.js';
import { numberFlag, type Row } from './lib/report.js';

/**
 * The bare library: a discord.js client that replies a constant string to every command — or, with
 * `payloads`, the bot's own answer to that command, rendered before the clock started.
 */
async function startBareClient(apiUrl: string, payloads?: Map<string, DiscordMessage>): Promise<Client> {
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: apiUrl } });
  client.on(Events.InteractionCreate, (interaction) => {
    if (!interaction.isChatInputCommand()) return;
    const line = [`/${interaction.commandName}`, ...interaction.options.data.map((o) => `${o.name}:${o.value}`)].join(' ');
    const message = payloads?.get(line);
    const reply = message
      ? { embeds: message.embeds, allowedMentions: { parse: [] }, ...(message.ephemeral ? { flags: MessageFlags.Ephemeral as const } : {}) }
      : 'ok';
    void interaction.reply(reply).catch(() => {});
  });
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(DISCORD_TOKEN);
  await ready;
  return client;
}

/**
 * 1c. Discord over the gateway: INTERACTION_CREATE dispatched by the fake → the interaction callback
 * body received by the fake, for the real bot and for a bare discord.js client, alternating rounds.
 * The fake Discord and its users run in a process of their own (bench/lib/discord-world.ts).
 */
export async function runDiscordE2e(flags: Map<string, string>): Promise<Row[]> {
  const calls = numberFlag(flags, 'calls', 2000);
  const rounds = numberFlag(flags, 'rounds', 3);
  const { apiUrls, world } = await startDiscordWorld({ token: DISCORD_TOKEN, applicationId: DISCORD_APP_ID });
  const bot = await startBenchBot('discord', {
    DISCORD_TOKEN,
    DISCORD_APPLICATION_ID: DISCORD_APP_ID,
    DISCORD_API_URL: apiUrls.briefbot,
  });
  const lines = commandLines(bot.topics);
  const bare = await startBareClient(apiUrls.bare);
  const samePayload = await startBareClient(apiUrls.samePayload, await precomputed(bot.core, lines, 'discord'));
  try {
    const probe = (await world.call('probe', { app: 'briefbot', line: '/nato-status section:facts' })) as { type?: number; data?: { embeds?: unknown[] } };
    if (probe.type !== 4 || !probe.data?.embeds?.length) throw new Error(`bot did not answer with embeds: ${JSON.stringify(probe)}`);

    const { rows, failures } = await compareApps({
      bench: (concurrency) => `discord gateway c=${concurrency}`,
      metric: `INTERACTION_CREATE → callback, ${rounds}×${calls} calls`,
      samePayload: 'vs bare discord.js replying the same payload',
      rounds,
      calls,
      warmup: 300,
      run: (app, n, concurrency) => world.call('run', { app, lines, n, concurrency }),
    });
    if (failures > 0) throw new Error(`${failures} interactions were not answered`);
    return rows;
  } finally {
    await bare.destroy();
    await samePayload.destroy();
    await bot.stop();
    await world.close();
  }
}
