import type { EventEmitter } from 'node:events';
import { Client, Events, GatewayIntentBits, MessageFlags } from 'discord.js';
import { FakeDiscord } from '../tests/fakes/fake-discord.js';
import type { InteractionSpec } from '../tests/fakes/fake-discord-payloads.js';
import type { DiscordMessage } from '../src/platforms/discord/render.js';
import { commandLines } from './lib/briefs.js';
import { DISCORD_APP_ID, DISCORD_TOKEN, startBenchBot } from './lib/bots.js';
import { precomputed } from './lib/payloads.js';
import { latencyRows, numberFlag, type Row } from './lib/report.js';
import { closedLoop, summarise } from './lib/stats.js';

/** `/brief topic:x section:facts` as the interaction Discord would send. */
function specFor(line: string): InteractionSpec {
  const [name, ...rest] = line.slice(1).split(' ');
  const options = rest.map((o) => {
    const [key, value] = o.split(':') as [string, string];
    return { name: key, type: 3 as const, value };
  });
  return { name: name!, options };
}

async function startFake(): Promise<FakeDiscord> {
  const fake = await FakeDiscord.start({ token: DISCORD_TOKEN, applicationId: DISCORD_APP_ID });
  // 32 callers wait at once; the fake's emitter would warn past 10 listeners.
  (fake as unknown as { events: EventEmitter }).events.setMaxListeners(0);
  return fake;
}

/**
 * The bare library: a discord.js client that replies a constant string to every command — or, with
 * `payloads`, the bot's own answer to that command, rendered before the clock started.
 */
async function startBareClient(fake: FakeDiscord, payloads?: Map<string, DiscordMessage>): Promise<Client> {
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
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
 */
export async function runDiscordE2e(flags: Map<string, string>): Promise<Row[]> {
  const calls = numberFlag(flags, 'calls', 2000);
  const rounds = numberFlag(flags, 'rounds', 3);
  const fakes = { briefbot: await startFake(), bare: await startFake(), samePayload: await startFake() };
  const bot = await startBenchBot('discord', {
    DISCORD_TOKEN,
    DISCORD_APPLICATION_ID: DISCORD_APP_ID,
    DISCORD_API_URL: fakes.briefbot.apiUrl,
  });
  const lines = commandLines(bot.topics);
  const bare = await startBareClient(fakes.bare);
  const samePayload = await startBareClient(fakes.samePayload, await precomputed(bot.core, lines, 'discord'));
  const specs = lines.map(specFor);
  let failures = 0;
  const call = async (who: keyof typeof fakes, i: number) => {
    const fake = fakes[who];
    // Nothing older is ever waited for: keep the fake's search for past requests short.
    fake.requests.length = 0;
    const { id } = fake.dispatchInteraction(specs[i % specs.length]!);
    const callback = await fake.callbackFor(id, 10_000);
    if (callback.status !== 204 && callback.status !== 200) failures++;
  };
  const rows: Row[] = [];
  try {
    const { id } = fakes.briefbot.dispatchInteraction(specFor('/nato-status section:facts'));
    const probe = (await fakes.briefbot.callbackFor(id)).body as { type?: number; data?: { embeds?: unknown[] } };
    if (probe.type !== 4 || !probe.data?.embeds?.length) throw new Error(`bot did not answer with embeds: ${JSON.stringify(probe)}`);

    for (const concurrency of [1, 32]) {
      const samples = { briefbot: [] as number[], bare: [] as number[], samePayload: [] as number[] };
      for (let round = 0; round < rounds + 1; round++) {
        for (const who of ['briefbot', 'bare', 'samePayload'] as const) {
          const n = round === 0 ? 300 : calls;
          const { latencies } = await closedLoop(n, concurrency, (i) => call(who, i));
          if (round > 0) samples[who].push(...latencies);
        }
      }
      const ours = summarise(samples.briefbot);
      const base = summarise(samples.bare);
      const same = summarise(samples.samePayload);
      rows.push(
        ...latencyRows({ bench: `discord gateway c=${concurrency}`, metric: `INTERACTION_CREATE → callback, ${rounds}×${calls} calls`, concurrency, samePayload: 'vs bare discord.js replying the same payload' }, ours, base, same),
      );
    }
    if (failures > 0) throw new Error(`${failures} interactions were not answered`);
    return rows;
  } finally {
    await bare.destroy();
    await samePayload.destroy();
    await bot.stop();
    await fakes.briefbot.close();
    await fakes.bare.close();
    await fakes.samePayload.close();
  }
}
