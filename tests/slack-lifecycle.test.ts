import { afterEach, describe, expect, it } from 'vitest';
import type { CommandModule } from '../src/core/commands/types.js';
import { textReply } from '../src/core/reply.js';
import { FakeSlack, slashCommandFields } from './fakes/fake-slack.js';
import { failOnUnhandledRejections, sleep, startSlackBot } from './fakes/slack-harness.js';

/** Start and stop: how long start takes, and that stop finishes what it accepted and refuses the rest. */

const slow: CommandModule = {
  definition: { name: 'slow-test', description: 'Sleeps 2.5 s', options: [], help: 'test only' },
  handle: async () => {
    await sleep(2500);
    return textReply('Slow answer', 'worth the wait');
  },
};

failOnUnhandledRejections();
let fake: FakeSlack | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('HTTP mode lifecycle', () => {
  it('starts quickly; stop() lets an in-flight answer finish and turns new commands away politely', async () => {
    fake = await FakeSlack.start();
    const started = performance.now();
    const bot = await startSlackBot(fake, { extraCommands: [slow] });
    const startMs = performance.now() - started;
    console.info(`slack http mode start: ${startMs.toFixed(0)} ms`);
    expect(startMs).toBeLessThan(2000);
    expect(fake.calls('auth.test')).toHaveLength(1);

    const inFlight = bot.command({ command: '/slow-test', response_url: fake.responseUrl('drain') });
    await sleep(200);
    const stopStarted = performance.now();
    const stopping = bot.running.stop();
    await sleep(50);
    expect(bot.adapter.health()).toEqual({ ready: false, reason: 'stopping' });

    const { res } = await bot.command({ command: '/nato-status' });
    expect(res.status).toBe(200);
    const turnedAway = (await res.json()) as { blocks: { text?: { text: string } }[] };
    expect(turnedAway.blocks[0]?.text?.text).toBe('Restarting');

    await stopping;
    const stopMs = performance.now() - stopStarted;
    console.info(`slack http mode stop with one answer in flight: ${stopMs.toFixed(0)} ms`);
    expect((await inFlight).res.status).toBe(200);
    expect(fake.responses.get('drain')?.[0]).toMatchObject({ text: 'Slow answer' });
    expect(stopMs).toBeLessThan(4000);
  });
});

describe('Socket Mode lifecycle', () => {
  it('stop() closes the socket and does not reconnect', async () => {
    fake = await FakeSlack.start();
    const bot = await startSlackBot(fake, { env: { SLACK_APP_TOKEN: fake.appToken } });
    expect(fake.connections).toBe(1);
    expect(
      await fake.sendEnvelope('slash_commands', slashCommandFields({ command: '/briefbot-help' })),
    ).toMatchObject({
      response_type: 'ephemeral',
    });
    await bot.running.stop();
    await expect.poll(() => fake?.connections, { timeout: 2000 }).toBe(0);
    const opens = fake.calls('apps.connections.open').length;
    await sleep(300);
    expect(fake.calls('apps.connections.open')).toHaveLength(opens);
  });
});
