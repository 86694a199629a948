import { join } from 'node:path';
import { type LogSink, testCore } from './harness.js';
import { type Core, type Running, runBot } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { CommandModule } from '../../src/core/commands/types.js';
import { createSlackAdapter, type SlackAdapterOptions } from '../../src/platforms/slack/adapter.js';
import type { PlatformAdapter } from '../../src/platforms/types.js';
import { type FakeSlack, type SignOptions, signedRequest, slashCommandFields } from './fake-slack.js';

export const SIGNING_SECRET = '0123456789abcdef0123456789abcdef';
export const BRIEFS_DIR = join(import.meta.dirname, '..', '..', 'briefs');

export { failOnUnhandledRejections, LogSink } from './harness.js';

export function slackEnv(fake: FakeSlack, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    BRIEFS_DIR,
    LOG_LEVEL: 'debug',
    SLACK_BOT_TOKEN: fake.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    ...extra,
  };
}

export interface SlackBot {
  config: Config;
  core: Core;
  logs: LogSink;
  running: Running;
  adapter: PlatformAdapter;
  url(path: string): string;
  /** POST a signed slash command to /slack/events; resolves with the response and its latency. */
  command(
    fields: Record<string, string>,
    sign?: Partial<SignOptions>,
  ): Promise<{ res: Response; ms: number }>;
}

/** The real bot (runBot + the Bolt adapter) on port 0, talking to `fake`. */
export async function startSlackBot(
  fake: FakeSlack,
  options: {
    env?: Record<string, string>;
    extraCommands?: CommandModule[];
    adapter?: SlackAdapterOptions;
  } = {},
): Promise<SlackBot> {
  const config = loadConfig(slackEnv(fake, options.env));
  const { core, logs } = testCore(config, options.extraCommands);
  let adapter: PlatformAdapter | undefined;
  const running = await runBot(config, core, (deps) => {
    adapter = createSlackAdapter(config, deps, {
      clientOptions: { retryConfig: { retries: 0 } },
      ...options.adapter,
    });
    return [adapter];
  });
  const url = (path: string) => `http://127.0.0.1:${running.port}${path}`;
  return {
    config,
    core,
    logs,
    running,
    adapter: adapter!,
    url,
    async command(fields, sign = {}) {
      const started = performance.now();
      const res = await fetch(
        url('/slack/events'),
        signedRequest(slashCommandFields(fields), { signingSecret: SIGNING_SECRET, ...sign }),
      );
      return { res, ms: performance.now() - started };
    },
  };
}

/** The value of one sample line in /metrics, 0 when absent. */
export async function metric(bot: SlackBot, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(bot.url('/metrics'))).text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
