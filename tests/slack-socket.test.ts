import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandModule } from '../src/core/commands/types.js';
import { textReply } from '../src/core/reply.js';
import { FakeSlack, messageError, slashCommandFields } from './fakes/fake-slack.js';
import {
  failOnUnhandledRejections,
  metric,
  type SlackBot,
  sleep,
  startSlackBot,
} from './fakes/slack-harness.js';

/** Socket Mode end to end: the real Bolt SocketModeReceiver against the fake's WebSocket. */

const slow: CommandModule = {
  definition: { name: 'slow-test', description: 'Sleeps 2.5 s', options: [], help: 'test only' },
  handle: async () => {
    await sleep(2500);
    return textReply('Slow answer', 'worth the wait');
  },
};

failOnUnhandledRejections();
let fake: FakeSlack;
let bot: SlackBot;
let startMs = 0;

beforeAll(async () => {
  fake = await FakeSlack.start();
  const started = performance.now();
  // No signing secret: Socket Mode needs none.
  bot = await startSlackBot(fake, {
    env: { SLACK_APP_TOKEN: fake.appToken, SLACK_SIGNING_SECRET: '' },
    extraCommands: [slow],
  });
  startMs = performance.now() - started;
});
afterAll(async () => {
  await bot?.running.stop();
  await fake?.close();
  console.info(`slack socket mode start: ${startMs.toFixed(0)} ms`);
});

interface SocketAck {
  response_type?: string;
  blocks?: { type: string; text?: { text: string } }[];
}

describe('Socket Mode', () => {
  it('connects with the app token: auth.test, apps.connections.open, hello; ready; no /slack/events route', async () => {
    expect(fake.calls('auth.test')[0]?.headers.authorization).toBe(`Bearer ${fake.botToken}`);
    expect(fake.calls('apps.connections.open')[0]?.headers.authorization).toBe(`Bearer ${fake.appToken}`);
    expect(fake.connections).toBe(1);
    expect(bot.adapter.health()).toEqual({ ready: true });
    expect((await fetch(bot.url('/readyz'))).status).toBe(200);
    expect((await fetch(bot.url('/slack/events'), { method: 'POST' })).status).toBe(404);
  });

  it('a slash_commands envelope is acked with the answer in the ack payload', async () => {
    const brief = bot.core.briefs.get('decertification')!;
    const started = performance.now();
    const ack = (await fake.sendEnvelope(
      'slash_commands',
      slashCommandFields({ command: '/decertification', text: 'share' }),
    )) as SocketAck;
    const ms = performance.now() - started;
    console.info(`slack socket ack latency: ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(3000);
    expect(ack.response_type).toBe('in_channel');
    expect(ack.blocks?.[0]).toMatchObject({ type: 'header', text: { text: brief.title } });
    expect(messageError(ack)).toBeUndefined();
    expect(
      await metric(bot, 'briefbot_commands_total', { platform: 'slack', command: 'decertification' }),
    ).toBe(1);
  });

  it('/briefbot-help over the socket', async () => {
    const ack = (await fake.sendEnvelope(
      'slash_commands',
      slashCommandFields({ command: '/briefbot-help' }),
    )) as SocketAck;
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.blocks?.[0]).toMatchObject({ text: { text: 'briefbot' } });
  });

  it('a slow command is acked empty over the socket, then answered on response_url', async () => {
    const ack = await fake.sendEnvelope(
      'slash_commands',
      slashCommandFields({ command: '/slow-test', response_url: fake.responseUrl('socket-slow') }),
    );
    expect(ack).toEqual({});
    const [body] = await fake.response('socket-slow');
    expect(body).toMatchObject({ text: 'Slow answer', response_type: 'ephemeral' });
  });

  it('reports not ready while the socket is down, and reconnects when Slack recycles it', async () => {
    const opens = fake.calls('apps.connections.open').length;
    fake.disconnectAll();
    await expect.poll(() => bot.adapter.health().ready, { timeout: 2000 }).toBe(false);
    expect(bot.adapter.health().reason).toContain('Socket Mode');
    const readyz = await fetch(bot.url('/readyz'));
    expect(readyz.status).toBe(503);
    // socket-mode waits clientPingTimeout (5 s) before reconnecting.
    await expect.poll(() => bot.adapter.health().ready, { timeout: 12_000, interval: 100 }).toBe(true);
    expect(fake.calls('apps.connections.open').length).toBe(opens + 1);
  }, 15_000);

  it('nothing reached an unknown Web API method', () => {
    expect(fake.unmatched).toEqual([]);
  });
});
