import type { AddressInfo } from 'node:net';
import { App as BoltApp, HTTPReceiver, LogLevel } from '@slack/bolt';
import { Client, Events, GatewayIntentBits, MessageFlags } from 'discord.js';
import type { DiscordMessage } from '../../src/platforms/discord/render.js';
import type { SlackMessage } from '../../src/platforms/slack/render.js';
import { boundHeapGrowth } from '../../src/main/heap.js';
import { commandLines } from './briefs.js';
import { DISCORD_APP_ID, DISCORD_TOKEN, SIGNING_SECRET, startBenchBot } from './bots.js';
import { forkChild, serveChild } from './child.js';
import type { App } from './compare.js';
import { precomputed } from './payloads.js';

/**
 * One app under test: the bot, the bare library answering `'ok'`, or the bare library sending the
 * bot's own answers (`payloads`, rendered before the clock starts). Slack apps listen for signed
 * HTTP requests; Discord apps log in to the fake Discord at `apiUrl`.
 */
export interface AppSpec {
  platform: 'slack' | 'discord';
  app: App;
  apiUrl: string;
  /** Slack's bot token (Discord's is fixed: DISCORD_TOKEN). */
  token?: string;
  payloads?: [line: string, message: unknown][];
}

export interface RunningApp {
  /** Where Slack requests go (Slack only). */
  url: string | undefined;
  /** The bot's command lines, and its answer to each (the bot only). */
  lines: string[];
  payloads(lines: string[]): Promise<[string, unknown][]>;
  /** CPU time of the process the app runs in, µs. */
  cpu(): Promise<number>;
  stop(): Promise<void>;
}

const cpuNow = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** The bare Bolt app on the bot's own receiver type, acking `'ok'` or the bot's answer. */
async function bareBolt(spec: AppSpec, payloads?: Map<string, unknown>): Promise<{ url: string; stop(): Promise<void> }> {
  const receiver = new HTTPReceiver({ signingSecret: SIGNING_SECRET, logLevel: LogLevel.ERROR });
  const app = new BoltApp({
    token: spec.token,
    receiver,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: spec.apiUrl },
    deferInitialization: true,
  });
  app.command(/.*/, async ({ ack, command }) => {
    const name = command.command === '/briefbot-help' ? '/help' : command.command;
    const line = command.text ? `${name} ${command.text}` : name;
    await ack(payloads ? ((payloads.get(line) as SlackMessage | undefined) ?? 'ok') : 'ok');
  });
  await app.init();
  const server = await receiver.start({ port: 0, host: '127.0.0.1' });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/slack/events`,
    stop: async () => {
      await app.stop();
    },
  };
}

/** A bare discord.js client replying `'ok'`, or the bot's answer, to every command. */
async function bareDiscord(spec: AppSpec, payloads?: Map<string, unknown>): Promise<{ stop(): Promise<void> }> {
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: spec.apiUrl } });
  client.on(Events.InteractionCreate, (interaction) => {
    if (!interaction.isChatInputCommand()) return;
    const line = [`/${interaction.commandName}`, ...interaction.options.data.map((o) => `${o.name}:${o.value}`)].join(' ');
    const message = payloads?.get(line) as DiscordMessage | undefined;
    const reply = message
      ? { embeds: message.embeds, allowedMentions: { parse: [] }, ...(message.ephemeral ? { flags: MessageFlags.Ephemeral as const } : {}) }
      : 'ok';
    void interaction.reply(reply).catch(() => {});
  });
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(DISCORD_TOKEN);
  await ready;
  return { stop: () => client.destroy() };
}

/** Start one app in this process. */
export async function startApp(spec: AppSpec): Promise<RunningApp> {
  if (spec.app === 'briefbot') {
    const env: Record<string, string> =
      spec.platform === 'slack'
        ? { SLACK_BOT_TOKEN: spec.token ?? '', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: spec.apiUrl }
        : { DISCORD_TOKEN, DISCORD_APPLICATION_ID: DISCORD_APP_ID, DISCORD_API_URL: spec.apiUrl };
    const bot = await startBenchBot(spec.platform, env);
    return {
      url: spec.platform === 'slack' ? bot.url('/slack/events') : undefined,
      lines: commandLines(bot.topics),
      payloads: async (lines) =>
        spec.platform === 'slack' ? [...(await precomputed(bot.core, lines, 'slack'))] : [...(await precomputed(bot.core, lines, 'discord'))],
      cpu: async () => cpuNow(),
      stop: () => bot.stop(),
    };
  }
  const payloads = spec.app === 'samePayload' ? new Map(spec.payloads ?? []) : undefined;
  const bare = spec.platform === 'slack' ? await bareBolt(spec, payloads) : { url: undefined, ...(await bareDiscord(spec, payloads)) };
  return { url: bare.url, lines: [], payloads: async () => [], cpu: async () => cpuNow(), stop: () => bare.stop() };
}

type Handlers = {
  start(spec: AppSpec): Promise<{ url: string | undefined; lines: string[] }>;
  payloads(lines: string[]): Promise<[string, unknown][]>;
  cpu(): number;
  close(): Promise<void>;
};

/**
 * The same app in a process of its own: its CPU time, heap and JIT are its own, as in production,
 * where in one process each app paid for the others' garbage and shared their compiled code.
 */
export async function startAppProcess(spec: AppSpec): Promise<RunningApp> {
  const child = await forkChild<Handlers>(import.meta.url, null);
  // The spec goes by message, not on the command line: the bot's answers are too long for argv.
  const { url, lines } = await child.call('start', spec);
  return {
    url,
    lines,
    payloads: (l) => child.call('payloads', l),
    cpu: () => child.call('cpu'),
    stop: () => child.close(),
  };
}

await serveChild(import.meta.url, async (): Promise<Handlers> => {
  // The bot's process setting (startBenchBot sets it too), for the bare apps alike.
  boundHeapGrowth();
  let app: RunningApp | undefined;
  return {
    async start(spec) {
      app = await startApp(spec);
      return { url: app.url, lines: app.lines };
    },
    payloads: (lines) => app?.payloads(lines) ?? Promise.resolve([]),
    cpu: () => cpuNow(),
    close: async () => app?.stop(),
  };
});
