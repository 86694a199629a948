import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { request } from 'undici';
import { FakeSlack } from '../tests/fakes/fake-slack.js';
import type { SlackMessage } from '../src/platforms/slack/render.js';
import { commandLines } from './lib/briefs.js';
import { SIGNING_SECRET, startBenchBot } from './lib/bots.js';
import { precomputed } from './lib/payloads.js';
import { compareApps } from './lib/compare.js';
import { numberFlag, type Row } from './lib/report.js';
import { preparedCommands, startSlackLoad } from './lib/slack-load.js';

/**
 * The bare library: the same Bolt HTTPReceiver, every command acked with a constant string — or, with
 * `payloads`, with the bot's own answer to that command, rendered before the clock started.
 */
async function startBareBolt(
  fake: FakeSlack,
  payloads?: Map<string, SlackMessage>,
): Promise<{ url: string; stop(): Promise<void> }> {
  const receiver = new HTTPReceiver({ signingSecret: SIGNING_SECRET, logLevel: LogLevel.ERROR });
  const app = new App({
    token: fake.botToken,
    receiver,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: fake.apiUrl },
    deferInitialization: true,
  });
  app.command(/.*/, async ({ ack, command }) => {
    const name = command.command === '/briefbot-help' ? '/help' : command.command;
    const line = command.text ? `${name} ${command.text}` : name;
    await ack(payloads ? (payloads.get(line) ?? 'ok') : 'ok');
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

/**
 * 1b. Slack over HTTP: signed slash command → HTTP response, the real bot (runBot + Bolt adapter)
 * against the bare Bolt app, in alternating rounds of the same run, at concurrency 1 and 32. The
 * requests come from a load generator in its own process, as Slack's would come from outside.
 */
export async function runSlackE2e(flags: Map<string, string>): Promise<Row[]> {
  const calls = numberFlag(flags, 'calls', 3000);
  const rounds = numberFlag(flags, 'rounds', 3);
  const fake = await FakeSlack.start();
  const bot = await startBenchBot('slack', {
    SLACK_BOT_TOKEN: fake.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
  });
  const lines = commandLines(bot.topics);
  const bare = await startBareBolt(fake);
  const samePayload = await startBareBolt(fake, await precomputed(bot.core, lines, 'slack'));
  const load = await startSlackLoad(SIGNING_SECRET);
  const targets = { briefbot: bot.url('/slack/events'), bare: bare.url, samePayload: samePayload.url };
  try {
    // A correctness check before timing: the bot answers with the brief, in the ack itself.
    const [probe] = preparedCommands(['/nato-status section:facts'], 1, SIGNING_SECRET);
    const answer = await (await request(targets.briefbot, probe!)).body.text();
    if (!answer.includes('"blocks"')) throw new Error(`bot did not answer with blocks: ${answer.slice(0, 200)}`);

    const { rows, failures } = await compareApps({
      bench: (concurrency) => `slack http c=${concurrency}`,
      metric: `signed request → response, ${rounds}×${calls} calls`,
      samePayload: 'vs bare Bolt acking the same payload',
      rounds,
      calls,
      warmup: 500,
      run: (app, n, concurrency) => load.call('run', { url: targets[app], lines, n, concurrency }),
    });
    if (failures > 0) throw new Error(`${failures} requests failed`);
    return rows;
  } finally {
    await load.close();
    await bare.stop();
    await samePayload.stop();
    await bot.stop();
    await fake.close();
  }
}
